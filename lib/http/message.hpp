// Plain HTTP message types shared by the client Transport and the small server (no Beast here).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nc::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

/// Case-insensitive header lookup; nullptr when absent.
const std::string* findHeader(const Headers& headers, std::string_view name);

/// Percent-decodes a URL component ('+' stays '+'; query decoding is done by parseQuery).
std::string percentDecode(std::string_view s);
/// Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keepSlash).
std::string percentEncode(std::string_view s, bool keepSlash = false);
/// Splits "a=1&b=&c" into decoded pairs, in order ('+' decodes to space).
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

}  // namespace nc::http
