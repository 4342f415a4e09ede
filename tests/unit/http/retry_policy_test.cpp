// Table tests of the retry decisions, backoff bounds, Retry-After parsing and the retry budget.
#include "http/retry_policy.hpp"

#include <gtest/gtest.h>

namespace nc::http {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, IdempotentMethods) {
  for (auto m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "LIST"})
    EXPECT_TRUE(isIdempotentMethod(m)) << m;
  for (auto m : {"POST", "PATCH", "get"}) EXPECT_FALSE(isIdempotentMethod(m)) << m;
}

TEST(RetryPolicy, DecisionTable) {
  RetryPolicy p;
  p.maxAttempts = 3;
  struct Row {
    const char* name;
    AttemptOutcome outcome;
    bool retry;
  };
  const Row rows[] = {
      {"503 idempotent", {1, true, 503, false, {}}, true},
      {"500", {1, true, 500, false, {}}, true},
      {"502", {1, true, 502, false, {}}, true},
      {"504", {1, true, 504, false, {}}, true},
      {"429", {1, true, 429, false, {}}, true},
      {"501 is not retried", {1, true, 501, false, {}}, false},
      {"403 never", {1, true, 403, false, {}}, false},
      {"404 never", {1, true, 404, false, {}}, false},
      {"400 never", {1, true, 400, false, {}}, false},
      {"412 never", {1, true, 412, false, {}}, false},
      {"200 done", {1, true, 200, false, {}}, false},
      {"connection error", {1, true, std::nullopt, true, {}}, true},
      {"timeout / other error", {1, true, std::nullopt, false, {}}, false},
      {"POST 503 not retried", {1, false, 503, false, {}}, false},
      {"POST connection error not retried", {1, false, std::nullopt, true, {}}, false},
      {"attempts exhausted", {3, true, 503, false, {}}, false},
      {"second attempt", {2, true, 503, false, {}}, true},
      {"Retry-After too long", {1, true, 503, false, Duration::seconds(3600)}, false},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(decideRetry(p, row.outcome, 0.5).retry, row.retry) << row.name;
  }
}

TEST(RetryPolicy, BackoffIsFullJitterUnderAnExponentialCap) {
  RetryPolicy p;
  p.baseDelay = Duration::milliseconds(100);
  p.maxDelay = Duration::seconds(1);
  EXPECT_EQ(backoffDelay(p, 1, 0.0), Duration());
  EXPECT_EQ(backoffDelay(p, 1, 0.5).as<milliseconds>().count(), 50);
  EXPECT_EQ(backoffDelay(p, 2, 0.5).as<milliseconds>().count(), 100);
  EXPECT_EQ(backoffDelay(p, 3, 0.5).as<milliseconds>().count(), 200);
  EXPECT_EQ(backoffDelay(p, 10, 0.5).as<milliseconds>().count(), 500);  // capped at 1s
  EXPECT_EQ(backoffDelay(p, 200, 0.999).as<milliseconds>().count(), 999);
  for (int a = 1; a < 20; ++a) EXPECT_LE(backoffDelay(p, a, 0.9999), p.maxDelay);
}

TEST(RetryPolicy, RetryAfterIsALowerBoundOnTheDelay) {
  RetryPolicy p;
  p.baseDelay = Duration::milliseconds(100);
  auto d = decideRetry(p, {1, true, 503, false, Duration::seconds(2)}, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, Duration::seconds(2));
  d = decideRetry(p, {1, true, 429, false, Duration::milliseconds(1)}, 0.5);
  EXPECT_EQ(d.delay.as<milliseconds>().count(), 50);
}

TEST(RetryPolicy, ParseRetryAfter) {
  auto now = Clock::WallTime(std::chrono::seconds(784111777));  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parseRetryAfter("120", now), Duration::seconds(120));
  EXPECT_EQ(parseRetryAfter(" 0 ", now), Duration());
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now), Duration::seconds(30));
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), Duration());
  EXPECT_FALSE(parseRetryAfter("-5", now));
  EXPECT_FALSE(parseRetryAfter("soon", now));
  EXPECT_FALSE(parseRetryAfter("", now));
}

TEST(RetryPolicy, BudgetStopsRetryStormsAndRefillsOnSuccess) {
  RetryBudget b(10, 0.5);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += b.tryRetry() ? 1 : 0;
  EXPECT_EQ(allowed, 4);  // 9,8,7,6 are > 5; 5 and below are refused
  for (int i = 0; i < 4; ++i) b.recordSuccess();
  EXPECT_DOUBLE_EQ(b.tokens(), 2.0);
  for (int i = 0; i < 100; ++i) b.recordSuccess();
  EXPECT_DOUBLE_EQ(b.tokens(), 10.0);
  EXPECT_TRUE(b.tryRetry());
}

}  // namespace
}  // namespace nc::http
