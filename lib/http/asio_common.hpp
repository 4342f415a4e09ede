// Internal shorthand for lib/http sources using Asio/Beast (namespaces, stream types, as_tuple).
#pragma once

#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace nc::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;

inline constexpr auto kTuple = net::as_tuple(net::use_awaitable);

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

}  // namespace nc::http::detail
