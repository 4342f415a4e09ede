// Go's time.ParseDuration and Duration.String(), as Nomad parses and prints durations.
#include "go_duration.hpp"

#include <cmath>
#include <cstdio>

namespace nc::nomadsim {

std::optional<std::int64_t> parseGoDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    std::size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    long double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else
      return std::nullopt;
    total += value * mult;
    if (total > 9.2e18L) return std::nullopt;
    s.remove_prefix(u);
  }
  auto ns = static_cast<std::int64_t>(std::llround(static_cast<double>(total)));
  return neg ? -ns : ns;
}

namespace {
// Formats v / 10^prec with trailing zeros of the fraction removed ("1.5", "2").
std::string fraction(std::uint64_t v, int prec) {
  std::uint64_t pow = 1;
  for (int i = 0; i < prec; ++i) pow *= 10;
  std::string out = std::to_string(v / pow);
  std::uint64_t frac = v % pow;
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f = std::string(static_cast<std::size_t>(prec) - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}
}  // namespace

std::string formatGoDuration(std::int64_t ns) {
  if (ns == 0) return "0s";
  bool neg = ns < 0;
  std::uint64_t u = neg ? static_cast<std::uint64_t>(-ns) : static_cast<std::uint64_t>(ns);
  std::string out;
  if (u < 1000000000ULL) {
    if (u < 1000)
      out = std::to_string(u) + "ns";
    else if (u < 1000000)
      out = fraction(u, 3) + "\xC2\xB5s";
    else
      out = fraction(u, 6) + "ms";
  } else {
    std::uint64_t hours = u / 3600000000000ULL;
    std::uint64_t rem = u % 3600000000000ULL;
    std::uint64_t mins = rem / 60000000000ULL;
    std::uint64_t secNs = rem % 60000000000ULL;
    std::string secs = fraction(secNs, 9) + "s";
    if (hours > 0)
      out = std::to_string(hours) + "h" + std::to_string(mins) + "m" + secs;
    else if (mins > 0)
      out = std::to_string(mins) + "m" + secs;
    else
      out = secs;
  }
  return neg ? "-" + out : out;
}

}  // namespace nc::nomadsim
