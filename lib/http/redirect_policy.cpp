// URL parsing and the redirect allow-list decision.
#include "http/redirect_policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace nc::http {

std::string Origin::hostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Origin::toString() const {
  return scheme + "://" + hostHeader();
}

Result<Url> parseUrl(std::string_view text) {
  auto bad = [&](const char* why) {
    return makeError(errc::invalid_argument, "URL '" + std::string(text) + "' " + why);
  };
  Url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return bad("has no scheme (expected http:// or https://)");
  std::string scheme(text.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return bad("must use http or https");
  url.origin.scheme = scheme;
  std::string_view rest = text.substr(sep + 3);
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target = std::string("/").append(url.target);
  if (authority.find('@') != std::string_view::npos) return bad("must not contain credentials");
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
    url.origin.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has garbage after the host");
      portText = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.origin.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
  }
  if (url.origin.host.empty()) return bad("has no host");
  if (portText.empty()) {
    url.origin.port = url.origin.tls() ? 443 : 80;
  } else {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || p != portText.data() + portText.size() || port == 0 || port > 65535)
      return bad("has a bad port");
    url.origin.port = static_cast<unsigned short>(port);
  }
  std::transform(url.origin.host.begin(), url.origin.host.end(), url.origin.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return url;
}

Result<Url> decideRedirect(const Origin& current, const std::vector<Origin>& allowed,
                           const std::string* location, int hopsSoFar, int maxHops) {
  if (!location || location->empty())
    return makeError(errc::protocol_error,
                     "redirect from " + current.toString() + " without a Location header");
  if (hopsSoFar >= maxHops)
    return makeError(errc::protocol_error,
                     "too many redirects (more than " + std::to_string(maxHops) + ")");
  Url next;
  if (location->front() == '/' && (location->size() < 2 || (*location)[1] != '/')) {
    next.origin = current;
    next.target = *location;
    return next;
  }
  auto parsed = parseUrl(*location);
  if (!parsed)
    return makeError(errc::protocol_error,
                     "redirect to an unparseable Location '" + *location + "'");
  next = *parsed;
  if (next.origin == current ||
      std::find(allowed.begin(), allowed.end(), next.origin) != allowed.end())
    return next;
  return makeError(errc::unavailable, "refusing to follow redirect from " + current.toString() +
                                          " to " + next.origin.toString() +
                                          ": not a configured cluster address");
}

}  // namespace nc::http
