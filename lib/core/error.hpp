// Project error model: an errc enum with its category, and Error = code + human message.
#pragma once

#include <string>
#include <system_error>
#include <utility>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace nc {
enum class errc : int;
}  // namespace nc

namespace boost::system {
template <>
struct is_error_code_enum<nc::errc> : std::true_type {};
}  // namespace boost::system

namespace nc {

/// Expected failure kinds across nomad-certd. Values are stable: they show up in logs.
enum class errc : int {
  ok = 0,
  invalid_argument = 1,  ///< bad input from a user or a file
  parse_error,           ///< malformed YAML/JSON/HCL/PEM/duration
  not_found,             ///< object or file does not exist
  permission_denied,     ///< 403 or filesystem permission
  conflict,              ///< CAS / EnforceIndex / lock held
  timeout,               ///< deadline passed
  connection_failed,     ///< could not connect / reset / TLS handshake failure
  protocol_error,        ///< peer spoke HTTP/JSON we cannot understand
  server_error,          ///< 5xx or a typed server error
  too_large,             ///< body or file over its limit
  unavailable,           ///< sealed, no leader, standby, shutting down
  io_error,              ///< local disk / file I/O failure
  cancelled,             ///< operation cancelled (shutdown)
  not_implemented,       ///< command or feature not available yet
};

const boost::system::error_category& errorCategory() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), errorCategory()};
}

/// An error code together with the message a human needs to act on it.
struct Error {
  boost::system::error_code code;
  std::string message;

  Error() = default;
  Error(boost::system::error_code c, std::string m) : code(c), message(std::move(m)) {}
  Error(errc e, std::string m) : code(make_error_code(e)), message(std::move(m)) {}

  bool is(errc e) const noexcept { return code == make_error_code(e); }
  /// "message (category: code text)" for logs.
  std::string describe() const;
};

/// Thrown only by Result::value() on an error; callers normally test the result first.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error e);
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

/// Shorthand for returning a failure from a function returning Result<T>.
inline Error makeError(errc e, std::string message) {
  return Error(e, std::move(message));
}

}  // namespace nc
