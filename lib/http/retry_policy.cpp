// Retry, backoff, Retry-After and retry-budget decisions (pure; table-tested).
#include "http/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

namespace nc::http {

bool isIdempotentMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" ||
         m == "TRACE" || m == "LIST";
}

bool isRetryableStatus(int s) {
  return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

Duration backoffDelay(const RetryPolicy& policy, int attempt, double random01) {
  double base = static_cast<double>(policy.baseDelay.nanos().count());
  double cap = static_cast<double>(policy.maxDelay.nanos().count());
  double exp = base * std::pow(2.0, std::clamp(attempt - 1, 0, 62));
  double ceiling = std::min(cap, exp);
  double r = std::clamp(random01, 0.0, 1.0);
  return Duration(std::chrono::nanoseconds(static_cast<std::int64_t>(ceiling * r)));
}

RetryDecision decideRetry(const RetryPolicy& policy, const AttemptOutcome& o, double random01) {
  if (o.attempt >= policy.maxAttempts || !o.idempotent) return {};
  bool retryable = o.status ? isRetryableStatus(*o.status) : o.connectionError;
  if (!retryable) return {};
  Duration delay = backoffDelay(policy, o.attempt, random01);
  if (o.status && o.retryAfter) {
    if (*o.retryAfter > policy.maxRetryAfter) return {};
    delay = std::max(delay, *o.retryAfter);
  }
  return {true, delay};
}

std::optional<Duration> parseRetryAfter(std::string_view value, Clock::WallTime now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return Duration::seconds(seconds);
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  auto at = Clock::WallTime(std::chrono::seconds(timegm(&tm)));
  if (at <= now) return Duration();
  return Duration(std::chrono::duration_cast<std::chrono::nanoseconds>(at - now));
}

bool RetryBudget::tryRetry() {
  tokens_ = std::max(0.0, tokens_ - 1);
  return tokens_ > max_ / 2;
}

void RetryBudget::recordSuccess() {
  tokens_ = std::min(max_, tokens_ + credit_);
}

}  // namespace nc::http
