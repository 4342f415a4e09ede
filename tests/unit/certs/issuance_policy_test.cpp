// RenewalNotApplied and CertificateChurn as table tests over explicit times and certificates.
#include "certs/issuance_policy.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace nc::certs {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

/// "aa-01" or "AA:01" as the bytes {0xaa, 0x01}: facts keep a serial's bytes.
std::string bytesOfHex(const std::string& spelled) {
  std::string digits;
  for (char ch : spelled)
    if (std::isxdigit(static_cast<unsigned char>(ch))) digits += ch;
  std::string out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  return out;
}

IssuedCertificate issued(const std::string& serial, const std::string& cn, TimePoint at,
                         std::chrono::seconds ttl) {
  return {serial, cn, at - 30s, at + ttl};
}

std::vector<CertificateRowPtr> shared(std::vector<CertificateRow> rows) {
  std::vector<CertificateRowPtr> out;
  for (auto& r : rows) out.push_back(std::make_shared<const CertificateRow>(std::move(r)));
  return out;
}

CertificateRow row(const std::string& alloc, const IssuedCertificate& c,
                   ReasonWord reason = "Valid", const std::string& job = "web") {
  CertificateRow r;
  auto spec = std::make_shared<CertificateSpec>();
  spec->job = job;
  spec->task = "app";
  spec->path = "secrets/cert.pem";
  spec->commonName = c.commonName;
  r.spec = std::move(spec);
  r.allocId = alloc;
  auto facts = std::make_shared<CertificateFacts>();
  facts->commonName = c.commonName;
  facts->serialBytes = bytesOfHex(c.serial);
  facts->notBefore = c.notBefore;
  facts->notAfter = c.notAfter;
  r.facts = std::move(facts);
  r.reason = reason;
  r.state = reason == "RenewalOverdue" ? CertState::warning : CertState::ok;
  r.setMessage("renewal was expected");
  return r;
}

TEST(IssuancePolicy, NormalizesSerials) {
  EXPECT_EQ(normalizeSerial("1A-2b-FF"), "1a:2b:ff");
  EXPECT_EQ(normalizeSerial("1a:2b:ff"), "1a:2b:ff");
}

TEST(IssuancePolicy, IssuedAtUndoesTheBackDating) {
  auto c = issued("01", "a", kT0, 3600s);
  EXPECT_EQ(issuedAt(c, Duration::seconds(30)), kT0);
  EXPECT_EQ(issuedAt(c, Duration::seconds(99999)), c.notBefore);  // never past NotAfter
}

TEST(IssuancePolicy, RenewalNotAppliedNeedsAnOverdueRowAndANewerCertificate) {
  const auto served = issued("aa-01", "web.service.consul", kT0, 24h);
  const auto newer = issued("aa-02", "web.service.consul", kT0 + 22h, 24h);
  const auto newest = issued("aa-03", "web.service.consul", kT0 + 23h, 24h);
  const auto older = issued("aa-00", "web.service.consul", kT0 - 1h, 24h);
  const auto otherName = issued("bb-01", "db.service.consul", kT0 + 23h, 24h);
  struct Case {
    const char* name;
    CertificateRow r;
    std::vector<IssuedCertificate> store;
    const char* expectSerial;  // nullptr: no finding
  };
  const Case cases[] = {
      {"overdue, newer issued", row("a1", served, "RenewalOverdue"), {served, newer}, "aa-02"},
      {"overdue, the newest wins",
       row("a1", served, "RenewalOverdue"),
       {newer, served, newest},
       "aa-03"},
      {"overdue, only older", row("a1", served, "RenewalOverdue"), {older, served}, nullptr},
      {"overdue, only the served one", row("a1", served, "RenewalOverdue"), {served}, nullptr},
      {"overdue, newer for another name",
       row("a1", served, "RenewalOverdue"),
       {served, otherName},
       nullptr},
      {"inside the window (early renewal elsewhere is normal)",
       row("a1", served, "RenewalWindow"),
       {served, newer},
       nullptr},
      {"under critical_before, newer issued",
       row("a1", served, "ExpiryImminent"),
       {served, newer},
       "aa-02"},
      {"valid", row("a1", served), {served, newer}, nullptr},
      {"expired is CertificateExpired, not this", row("a1", served, "Expired"), {newer}, nullptr},
      // X.509 times have whole seconds: issued in the served one's second, but outliving it.
      {"overdue, newer issued in the same second",
       row("a1", served, "RenewalOverdue"),
       {served, issued("aa-04", "web.service.consul", kT0, 25h)},
       "aa-04"},
      {"overdue, same second and same dates (another allocation's)",
       row("a1", served, "RenewalOverdue"),
       {served, issued("aa-05", "web.service.consul", kT0, 24h)},
       nullptr},
      {"overdue, same second but shorter-lived",
       row("a1", served, "RenewalOverdue"),
       {served, issued("aa-06", "web.service.consul", kT0, 1h)},
       nullptr},
      {"same second loses to a later issue",
       row("a1", served, "RenewalOverdue"),
       {issued("aa-04", "web.service.consul", kT0, 25h), newer},
       "aa-02"},
      {"serial spelled with colons by Vault",
       row("a1", served, "RenewalOverdue"),
       {issued("AA:01", "web.service.consul", kT0 + 1h, 24h)},
       nullptr},
  };
  for (const auto& c : cases) {
    auto found = newerIssuance(c.r, c.store);
    if (c.expectSerial == nullptr) {
      EXPECT_FALSE(found) << c.name;
    } else {
      ASSERT_TRUE(found) << c.name;
      EXPECT_EQ(found->serial, c.expectSerial) << c.name;
    }
  }
}

TEST(IssuancePolicy, MarkedRowRaisesRenewalNotApplied) {
  const auto served = issued("aa-01", "web.service.consul", kT0, 24h);
  const auto newer = issued("aa-02", "web.service.consul", kT0 + 22h, 24h);
  auto r = row("a1", served, "RenewalOverdue");
  auto before = alertFor(r, kT0 + 23h);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->name, events::alertname::kRenewalDue);
  markRenewalNotApplied(r, newer);
  EXPECT_EQ(r.reason, "RenewalNotApplied");
  EXPECT_EQ(r.state, CertState::warning);
  EXPECT_NE(r.message().find("aa:02"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("still serves serial aa:01"), std::string::npos) << r.message();
  auto after = alertFor(r, kT0 + 23h);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->name, events::alertname::kRenewalNotApplied);
  EXPECT_EQ(after->labels.at("alloc_id"), "a1");
  EXPECT_NE(after->fingerprint(), before->fingerprint());
}

TEST(IssuancePolicy, ExpectedIssuancesFollowTheLifetime) {
  const Duration hour = Duration::seconds(3600);
  EXPECT_EQ(expectedIssuances(0, Duration::seconds(86400), hour), 0u);
  EXPECT_EQ(expectedIssuances(1, Duration::seconds(86400), hour), 2u);  // 1 + first issue
  EXPECT_EQ(expectedIssuances(3, Duration::seconds(86400), hour), 6u);
  EXPECT_EQ(expectedIssuances(1, Duration::seconds(3600), hour), 3u);  // 1h: 2 + 1
  EXPECT_EQ(expectedIssuances(1, Duration::seconds(60), hour), 72u);   // 3600/51 -> 71 + 1
  EXPECT_EQ(expectedIssuances(1, Duration::seconds(0), hour), 3601u);  // never divides by 0
}

TEST(IssuancePolicy, ChurnCountsIssuancesInTheWindowBeyondRenewals) {
  const std::string cn = "web.service.consul";
  const auto served = issued("s-00", cn, kT0, 24h);
  std::vector<IssuedCertificate> store = {served};
  const TimePoint now = kT0 + 30min;
  for (int i = 1; i <= 12; ++i)
    store.push_back(issued("s-" + std::to_string(i), cn, kT0 + std::chrono::minutes(2 * i), 24h));
  store.push_back(issued("old", cn, now - 2h, 24h));            // outside the window
  store.push_back(issued("x", "db.service.consul", kT0, 24h));  // another name
  const auto rows = shared({row("a1", served)});
  IssuancePolicy p;
  p.churnThreshold = 10;  // expected 2 for one allocation of a 24h certificate
  auto found = detectChurn(rows, store, now, p);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].issued, 13u);
  EXPECT_EQ(found[0].expected, 2u);
  EXPECT_EQ(found[0].allocations, 1u);
  EXPECT_EQ(found[0].commonName, cn);
  auto a = churnAlert(found[0], p.window);
  EXPECT_EQ(a.name, events::alertname::kChurn);
  EXPECT_EQ(a.severity, events::Severity::warning);
  EXPECT_EQ(a.labels.at("job"), "web");
  EXPECT_EQ(a.labels.at("common_name"), cn);
  EXPECT_EQ(a.labels.count("alloc_id"), 0u);  // one alert per name, not per allocation
  EXPECT_NE(a.annotations.at("description").find("13 certificates"), std::string::npos);

  p.churnThreshold = 11;  // 13 is not above 2 + 11
  EXPECT_TRUE(detectChurn(rows, store, now, p).empty());
  p.churnThreshold = 0;  // off
  EXPECT_TRUE(detectChurn(rows, store, now, p).empty());
}

TEST(IssuancePolicy, ChurnAllowsRenewalsOfShortCertificatesAndManyAllocations) {
  const std::string cn = "batch.service.consul";
  std::vector<IssuedCertificate> store;
  const TimePoint now = kT0 + 1h;
  // Two allocations renewing a 60 s certificate every ~54 s for an hour: ~134 issuances.
  for (int i = 0; i < 134; ++i)
    store.push_back(issued("r-" + std::to_string(i), cn, kT0 + std::chrono::seconds(27 * i), 60s));
  const auto a = store[store.size() - 1], b = store[store.size() - 2];
  std::vector<CertificateRow> rows = {row("a1", a, "Valid", "batch"),
                                      row("a2", b, "Valid", "batch")};
  IssuancePolicy p;
  p.churnThreshold = 5;
  EXPECT_TRUE(detectChurn(shared(rows), store, now, p).empty());
  // One allocation only: the same issuances are a storm.
  rows.pop_back();
  EXPECT_EQ(detectChurn(shared(rows), store, now, p).size(), 1u);
}

TEST(IssuancePolicy, RowsWithoutDatesAreIgnored) {
  CertificateRow missing;  // a file not read: no facts
  auto spec = std::make_shared<CertificateSpec>();
  spec->job = "web";
  missing.spec = std::move(spec);
  std::vector<IssuedCertificate> store(50, issued("z", "web.service.consul", kT0, 24h));
  IssuancePolicy p;
  p.churnThreshold = 1;
  EXPECT_TRUE(detectChurn(shared({missing}), store, kT0 + 1min, p).empty());
}

}  // namespace
}  // namespace nc::certs
