// Error category and helpers for nc::errc.
#include "core/error.hpp"

namespace nc {
namespace {

class ErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "nomad-certd"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::parse_error:
        return "parse error";
      case errc::not_found:
        return "not found";
      case errc::permission_denied:
        return "permission denied";
      case errc::conflict:
        return "conflict";
      case errc::timeout:
        return "timeout";
      case errc::connection_failed:
        return "connection failed";
      case errc::protocol_error:
        return "protocol error";
      case errc::server_error:
        return "server error";
      case errc::too_large:
        return "too large";
      case errc::unavailable:
        return "unavailable";
      case errc::io_error:
        return "I/O error";
      case errc::cancelled:
        return "cancelled";
      case errc::not_implemented:
        return "not implemented";
    }
    return "unknown error";
  }
};

}  // namespace

const boost::system::error_category& errorCategory() noexcept {
  static const ErrorCategory category;
  return category;
}

std::string Error::describe() const {
  if (message.empty()) return code.message();
  return message + " (" + code.message() + ")";
}

ErrorException::ErrorException(Error e) : std::runtime_error(e.describe()), error_(std::move(e)) {}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace nc
