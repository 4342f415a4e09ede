// Alert fingerprints, RFC 3339 times and the spool JSON round trip.
#include "events/alert.hpp"

#include <gtest/gtest.h>

namespace nc::events {
namespace {

Alert sample() {
  Alert a;
  a.name = std::string(alertname::kRenewalDue);
  a.severity = Severity::warning;
  a.labels = {{"job", "web"}, {"alloc_id", "a1"}, {"path", "secrets/cert.pem"}};
  a.annotations = {{"summary", "renewal overdue"}, {"description", "quote \" and\nnewline"}};
  a.startsAt = TimePoint(std::chrono::milliseconds(1'800'000'000'123));
  return a;
}

TEST(Alert, FingerprintIsStableAndIgnoresSeverityAndAnnotations) {
  Alert a = sample(), b = sample();
  b.severity = Severity::critical;
  b.annotations["summary"] = "other";
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.fingerprint().size(), 16u);
  b.labels["alloc_id"] = "a2";
  EXPECT_NE(a.fingerprint(), b.fingerprint());
  Alert c = sample();
  c.name = std::string(alertname::kExpired);
  EXPECT_NE(a.fingerprint(), c.fingerprint());
}

TEST(Alert, JsonRoundTrip) {
  Alert a = sample();
  a.state = AlertState::resolved;
  a.endsAt = a.startsAt + std::chrono::hours(1);
  auto back = decodeAlert(encodeAlert(a));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->name, a.name);
  EXPECT_EQ(back->labels, a.labels);
  EXPECT_EQ(back->annotations, a.annotations);
  EXPECT_EQ(back->startsAt, a.startsAt);
  EXPECT_EQ(back->endsAt, a.endsAt);
  EXPECT_EQ(back->state, AlertState::resolved);
}

TEST(Alert, DecodeRejectsBadRecords) {
  for (const char* bad :
       {"", "[]", "{\"name\":1}", "{\"name\":\"x\",\"severity\":\"loud\",\"state\":\"firing\"}",
        "{\"name\":\"x\",\"severity\":\"info\",\"state\":\"firing\",\"startsAt\":\"yesterday\"}",
        "{\"name\":\"x\",\"severity\":\"info\",\"state\":\"firing\",\"labels\":{\"a\":1},"
        "\"startsAt\":\"2026-01-01T00:00:00Z\"}"}) {
    auto r = decodeAlert(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(Rfc3339, FormatsAndParses) {
  TimePoint t(std::chrono::milliseconds(1'800'000'000'123));
  EXPECT_EQ(formatRfc3339(t), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(parseRfc3339("2027-01-15T08:00:00.123Z").value(), t);
  EXPECT_EQ(parseRfc3339("2027-01-15T10:00:00.123+02:00").value(), t);
  EXPECT_FALSE(parseRfc3339("2027-01-15 08:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2027-01-15T08:00:00"));
  EXPECT_FALSE(parseRfc3339("2027-01-15T08:00:00Zjunk"));
}

}  // namespace
}  // namespace nc::events
