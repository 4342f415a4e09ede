// Table tests for the renewal-aware expiry policy, driven by explicit times (no sleeping).
#include "certs/expiry_policy.hpp"

#include <gtest/gtest.h>

namespace nc::certs {
namespace {

using namespace std::chrono_literals;

const TimePoint kIssued = TimePoint(std::chrono::seconds(1'800'000'000));

ExpiryInput cert(std::chrono::seconds ttl, std::chrono::seconds age,
                 RenewalMode mode = RenewalMode::secret) {
  ExpiryInput in;
  in.notBefore = kIssued - 30s;  // Vault back-dates by not_before_duration
  in.notAfter = kIssued + ttl;
  in.now = kIssued + age;
  in.mode = mode;
  return in;
}

struct Case {
  const char* name;
  ExpiryInput in;
  CertState state;
  const char* reason;
};

TEST(ExpiryPolicy, Table) {
  auto warn72 = cert(168h, 120h, RenewalMode::none);
  warn72.warnBefore = Threshold::ofDuration(Duration::seconds(72 * 3600));
  auto crit = cert(24h, 23h + 50min, RenewalMode::none);
  crit.criticalBefore = Threshold::ofFraction(0.05);
  auto pct = cert(24h, 17h, RenewalMode::none);
  pct.warnBefore = Threshold::ofFraction(0.33);
  auto early = cert(24h, 1h);  // a re-issued, young certificate: never alerts
  const Case cases[] = {
      {"24h fresh", cert(24h, 1h), CertState::ok, "Valid"},
      {"24h at 80%", cert(24h, 19h + 12min), CertState::ok, "Valid"},
      {"24h inside window (90%)", cert(24h, 21h + 36min), CertState::ok, "RenewalWindow"},
      {"24h at 95% + slack - 1s", cert(24h, 22h + 48min + 11min - 1s), CertState::ok,
       "RenewalWindow"},
      {"24h overdue", cert(24h, 23h), CertState::warning, "RenewalOverdue"},
      {"24h overdue, near the end", cert(24h, 23h + 40min), CertState::critical, "RenewalOverdue"},
      {"24h expired", cert(24h, 25h), CertState::critical, "Expired"},
      {"1h batch fresh", cert(1h, 10min), CertState::ok, "Valid"},
      {"1h batch in window", cert(1h, 55min), CertState::ok, "RenewalWindow"},
      {"1h batch overdue (near its end)", cert(1h, 58min + 45s), CertState::critical,
       "RenewalOverdue"},
      {"1h batch, nobody renews", cert(1h, 59min, RenewalMode::none), CertState::ok, "Valid"},
      {"1h batch expired", cert(1h, 61min, RenewalMode::none), CertState::critical, "Expired"},
      {"pkiCert at 89%", cert(10h, 8h + 54min, RenewalMode::pkiCert), CertState::ok, "Valid"},
      {"pkiCert overdue", cert(10h, 9h + 35min, RenewalMode::pkiCert), CertState::warning,
       "RenewalOverdue"},
      {"not yet valid", cert(24h, -1h), CertState::warning, "NotYetValid"},
      {"warn_before 72h tripped", warn72, CertState::warning, "ExpiringSoon"},
      {"critical_before 5% tripped", crit, CertState::critical, "ExpiryImminent"},
      {"warn_before 33% tripped", pct, CertState::warning, "ExpiringSoon"},
      {"early renewal", early, CertState::ok, "Valid"},
  };
  for (const auto& c : cases) {
    auto d = decideExpiry(c.in);
    EXPECT_EQ(d.state, c.state) << c.name << ": " << d.message;
    EXPECT_EQ(d.reason, c.reason) << c.name << ": " << d.message;
    EXPECT_FALSE(d.message.empty()) << c.name;
  }
}

TEST(ExpiryPolicy, RenewalWindowIs85To95PercentOfTheLifetime) {
  auto d = decideExpiry(cert(24h, 1h));
  EXPECT_EQ(d.renewalExpectedFrom, kIssued + 20h + 24min);
  EXPECT_EQ(d.renewalExpectedBy, kIssued + 22h + 48min);
  // slack = min(10m + 60s interval, 5 % of 24h) = 11m
  EXPECT_EQ(d.overdueAt, kIssued + 22h + 59min);
}

TEST(ExpiryPolicy, NextChangeIsTheNextThresholdNotAPoll) {
  auto d = decideExpiry(cert(24h, 1h));
  ASSERT_TRUE(d.nextChange);
  EXPECT_EQ(*d.nextChange, d.renewalExpectedFrom);
  auto overdue = decideExpiry(cert(24h, 23h));
  ASSERT_TRUE(overdue.nextChange);
  EXPECT_EQ(*overdue.nextChange, kIssued + 24h - 22min);  // 2 × slack before NotAfter
  auto expired = decideExpiry(cert(24h, 25h));
  EXPECT_FALSE(expired.nextChange);
  EXPECT_EQ(expired.remaining.nanos().count(), 0);
}

TEST(Threshold, ParsesDurationsAndPercentages) {
  auto d = Threshold::parse("72h");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->resolve(Duration::seconds(1000)).wholeSeconds(), 72 * 3600);
  auto p = Threshold::parse("33%");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resolve(Duration::seconds(1000)).wholeSeconds(), 330);
  EXPECT_EQ(p->toString(), "33%");
  for (const char* bad : {"", "%", "0%", "100%", "-5%", "abc%", "3 days", "33 %"}) {
    auto r = Threshold::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
    }
  }
}

}  // namespace
}  // namespace nc::certs
