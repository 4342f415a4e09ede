// Retry decisions as pure functions: which outcomes are retried, backoff with full jitter,
// Retry-After parsing, and a token-bucket retry budget so failure storms do not multiply load.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/duration.hpp"

namespace nc::http {

struct RetryPolicy {
  int maxAttempts = 4;  ///< including the first attempt; 1 disables retries
  Duration baseDelay = Duration::milliseconds(200);
  Duration maxDelay = Duration::seconds(10);       ///< cap of the exponential backoff
  Duration maxRetryAfter = Duration::seconds(60);  ///< a longer Retry-After ends the retries
  double budgetTokens = 10;                        ///< retry budget size (gRPC-style throttling)
  double budgetSuccessCredit = 0.1;                ///< tokens returned per successful request
};

/// What one attempt produced, as the retry decision needs it.
struct AttemptOutcome {
  int attempt = 1;                     ///< 1-based number of the attempt that just finished
  bool idempotent = false;             ///< safe to send again
  std::optional<int> status;           ///< HTTP status, when a response arrived
  bool connectionError = false;        ///< connect/reset/closed mid-response (no usable response)
  std::optional<Duration> retryAfter;  ///< parsed Retry-After of a 429/503
};

struct RetryDecision {
  bool retry = false;
  Duration delay;
};

/// GET, HEAD, PUT, DELETE, OPTIONS, TRACE and Vault's LIST.
bool isIdempotentMethod(std::string_view method);
/// 429, 500, 502, 503, 504.
bool isRetryableStatus(int status);
/// Full jitter: random01 * min(maxDelay, baseDelay * 2^(attempt-1)); random01 in [0,1).
Duration backoffDelay(const RetryPolicy& policy, int attempt, double random01);
/// The decision after an attempt. Never retries non-idempotent requests or other 4xx; waits at
/// least Retry-After when given (and gives up when it exceeds policy.maxRetryAfter).
RetryDecision decideRetry(const RetryPolicy& policy, const AttemptOutcome& outcome,
                          double random01);
/// Retry-After as delta-seconds or an HTTP-date (relative to now); nullopt when unparseable.
std::optional<Duration> parseRetryAfter(std::string_view value, Clock::WallTime now);

/// Token bucket shared by all requests of a transport: every retryable failure costs a token,
/// every success returns a fraction; retries are allowed only while more than half is left.
class RetryBudget {
 public:
  explicit RetryBudget(double maxTokens = 10, double successCredit = 0.1)
      : max_(maxTokens), credit_(successCredit), tokens_(maxTokens) {}
  /// Records a retryable failure and says whether a retry may be sent.
  bool tryRetry();
  void recordSuccess();
  double tokens() const { return tokens_; }

 private:
  double max_;
  double credit_;
  double tokens_;
};

}  // namespace nc::http
