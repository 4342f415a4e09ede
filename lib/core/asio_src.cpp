// The single translation unit holding Boost.Asio's and Boost.Beast's compiled implementation.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
