// Duration parsing and canonical formatting (Go time.ParseDuration grammar plus Vault's forms).
#include "core/duration.hpp"

#include <cctype>
#include <limits>

namespace nc {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ns;
};

// Longest names first so "ms" wins over "m".
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000},  // µs (micro sign)
    {"\xce\xbcs", 1000},  // μs (Greek mu)
    {"ms", 1000 * 1000},
    {"s", 1000LL * 1000 * 1000},
    {"m", 60LL * 1000 * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000 * 1000},
    {"d", 24 * 3600LL * 1000 * 1000 * 1000},
};

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

Error invalid(std::string_view text, std::string_view why) {
  return Error(errc::parse_error,
               "invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

Result<Duration> Duration::parse(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  if (text.front() == '-') return invalid(text, "must not be negative");
  std::string_view s = text;
  if (s.front() == '+') s.remove_prefix(1);

  if (allDigits(s)) {  // bare integer: seconds
    std::int64_t secs = 0;
    for (char c : s) {
      if (secs > (kMax / 1'000'000'000 - (c - '0')) / 10) return invalid(text, "too large");
      secs = secs * 10 + (c - '0');
    }
    return Duration::seconds(secs);
  }

  std::int64_t total = 0;
  while (!s.empty()) {
    // Number: digits with an optional fraction.
    std::int64_t whole = 0;
    std::int64_t frac = 0, fracScale = 1;
    std::size_t i = 0;
    bool any = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (whole > (kMax - (s[i] - '0')) / 10) return invalid(text, "too large");
      whole = whole * 10 + (s[i] - '0');
      ++i;
      any = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        if (fracScale < 1'000'000'000'000'000LL) {  // beyond 1e-18 the digits cannot matter
          frac = frac * 10 + (s[i] - '0');
          fracScale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return invalid(text, "expected a number");
    s.remove_prefix(i);

    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name &&
          (unit == nullptr || u.name.size() > unit->name.size()))
        unit = &u;
    }
    if (unit == nullptr) {
      if (s.empty()) return invalid(text, "missing unit (use ns, us, ms, s, m, h or d)");
      return invalid(text, "unknown unit \"" + std::string(s.substr(0, 8)) + "\"");
    }
    s.remove_prefix(unit->name.size());
    if (unit->name == "d") {
      if (fracScale != 1) return invalid(text, "days must be a whole number");
    }

    if (whole > kMax / unit->ns) return invalid(text, "too large");
    std::int64_t part = whole * unit->ns;
    // Fraction: unit->ns * frac / fracScale, computed without overflow.
    long double fracNs = static_cast<long double>(unit->ns) * frac / fracScale;
    if (part > kMax - static_cast<std::int64_t>(fracNs)) return invalid(text, "too large");
    part += static_cast<std::int64_t>(fracNs);
    if (total > kMax - part) return invalid(text, "too large");
    total += part;
  }
  return Duration(Rep(total));
}

std::string Duration::toString() const {
  std::int64_t ns = ns_.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  constexpr std::int64_t kSec = 1'000'000'000;
  if (ns < kSec) {
    if (ns % 1'000'000 == 0) return out + std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1000 == 0) return out + std::to_string(ns / 1000) + "us";
    return out + std::to_string(ns) + "ns";
  }
  std::int64_t h = ns / (3600 * kSec);
  ns %= 3600 * kSec;
  std::int64_t m = ns / (60 * kSec);
  ns %= 60 * kSec;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (ns) {
    std::int64_t s = ns / kSec, sub = ns % kSec;
    out += std::to_string(s);
    if (sub) {
      std::string f = std::to_string(sub + kSec).substr(1);  // 9 digits, leading zeros kept
      while (!f.empty() && f.back() == '0') f.pop_back();
      out += "." + f;
    }
    out += "s";
  }
  return out;
}

}  // namespace nc
