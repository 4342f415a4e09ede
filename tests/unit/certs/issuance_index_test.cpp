// IssuanceIndex over a fake Vault holding real certificates: when <mount>/certs is listed
// (ListingSchedule), each serial read once, budgets, failures and tidied serials.
#include "certs/issuance_index.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "certs/x509.hpp"
#include "support/test_pki.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
template <class T>
using Task = vault::Task<T>;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));
const Duration kEvery = Duration::seconds(300);

#define NC_UNUSED(ret, name, ...)                       \
  Task<ret> name(__VA_ARGS__) override {                \
    co_return Error(errc::not_implemented, "not used"); \
  }

/// LIST and read of issued certificates; every other call fails (the index must not use them).
class FakeVault final : public vault::VaultApi {
 public:
  std::map<std::string, std::string> certs;  // serial as Vault spells it ("aa-bb") -> PEM
  int lists = 0, reads = 0;
  std::optional<Error> listError, readError;

  Task<std::vector<std::string>> listCertificates(std::string mount) override {
    ++lists;
    EXPECT_EQ(mount, "pki-int");
    if (listError) co_return *listError;
    std::vector<std::string> out;
    for (const auto& [serial, pem] : certs) out.push_back(serial);
    co_return out;
  }
  Task<vault::CertificateRecord> readCertificate(std::string, std::string serial) override {
    ++reads;
    if (readError) co_return *readError;
    auto it = certs.find(serial);
    if (it == certs.end()) co_return Error(errc::not_found, "no such serial");
    vault::CertificateRecord r;
    r.certificate = it->second;
    co_return r;
  }
  NC_UNUSED(vault::HealthStatus, health, vault::HealthQuery)
  NC_UNUSED(vault::SealStatus, sealStatus)
  NC_UNUSED(std::vector<vault::Mount>, listMounts)
  NC_UNUSED(void, enableMount, std::string, vault::MountSpec)
  NC_UNUSED(vault::MountTune, readMountTune, std::string)
  NC_UNUSED(void, tuneMount, std::string, vault::MountTuneUpdate)
  NC_UNUSED(vault::PkiRole, readPkiRole, std::string, std::string)
  NC_UNUSED(void, writePkiRole, std::string, std::string, vault::PkiRole)
  NC_UNUSED(vault::PkiRole, patchPkiRole, std::string, std::string, std::string)
  NC_UNUSED(std::vector<std::string>, listPkiRoles, std::string)
  NC_UNUSED(void, deletePkiRole, std::string, std::string)
  NC_UNUSED(vault::IssuedCertificate, issue, std::string, std::string, vault::IssueRequest)
  NC_UNUSED(std::string, caChain, std::string)
  NC_UNUSED(vault::AclPolicy, readPolicy, std::string)
  NC_UNUSED(void, putPolicy, std::string, std::string)
  NC_UNUSED(std::vector<std::string>, listPolicies)
  NC_UNUSED(void, deletePolicy, std::string)
  NC_UNUSED(std::vector<vault::Mount>, listAuthMounts)
  NC_UNUSED(void, enableAuth, std::string, vault::MountSpec)
  NC_UNUSED(vault::JwtConfig, readJwtConfig, std::string)
  NC_UNUSED(void, writeJwtConfig, std::string, vault::JwtConfig)
  NC_UNUSED(vault::JwtRole, readJwtRole, std::string, std::string)
  NC_UNUSED(void, writeJwtRole, std::string, std::string, vault::JwtRole)
  NC_UNUSED(std::vector<std::string>, listJwtRoles, std::string)
  NC_UNUSED(vault::TokenInfo, lookupSelf)
};
#undef NC_UNUSED

ScanSerials seen(std::vector<std::string> served, std::vector<std::string> past = {}) {
  ScanSerials s;
  s.served = std::move(served);
  s.pastRenewal = std::move(past);
  return s;
}

TEST(ListingSchedule, ListsFirstThenOnlyOnItsCadenceOrForSomethingNew) {
  ListingSchedule s;
  const auto one = seen({"aa:01"});
  ASSERT_TRUE(s.reason(one, 0, kT0, kEvery));
  s.listed(one, kT0);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_FALSE(s.reason(one, 0, kT0 + 1s, kEvery)) << "nothing new: no LIST";
  EXPECT_FALSE(s.reason(seen({"AA-01"}), 0, kT0 + 299s, kEvery)) << "the same serial";
  EXPECT_FALSE(s.reason(seen({}), 0, kT0 + 10s, kEvery)) << "an allocation went away";
  auto interval = s.reason(one, 0, kT0 + 300s, kEvery);
  ASSERT_TRUE(interval);
  EXPECT_EQ(*interval, "every 5m");
  auto pending = s.reason(one, 3, kT0 + 1s, kEvery);
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, "3 serials left to read");

  // A new serial served (a renewal or a restart re-issued): list at once, then not again.
  const auto two = seen({"aa:01", "aa:02"});
  auto fresh = s.reason(two, 0, kT0 + 2s, kEvery);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, "new serial served: aa:02");
  s.listed(two, kT0 + 2s);
  EXPECT_FALSE(s.reason(two, 0, kT0 + 3s, kEvery));

  // A row newly past its renewal: one LIST to look for a newer issuance, then the cadence.
  const auto overdue = seen({"aa:01", "aa:02"}, {"aa:01"});
  auto past = s.reason(overdue, 0, kT0 + 4s, kEvery);
  ASSERT_TRUE(past);
  EXPECT_EQ(*past, "serial aa:01 past its renewal");
  s.listed(overdue, kT0 + 4s);
  EXPECT_FALSE(s.reason(overdue, 0, kT0 + 5s, kEvery));
  EXPECT_TRUE(s.reason(overdue, 0, kT0 + 304s, kEvery));
  EXPECT_EQ(s.count(), 3u);
}

class IssuanceIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { vault_ = std::make_shared<FakeVault>(); }

  /// Adds a certificate to the fake store; returns its serial as the scanner spells it.
  std::string add(const std::string& cn) {
    std::string pem = pki_.issue(cn, 3600).certPem;
    auto parsed = parsePemBundle(pem);
    EXPECT_TRUE(parsed && !parsed->empty());
    std::string serial = parsed->front().serial;
    std::string vaultSpelling = serial;
    std::replace(vaultSpelling.begin(), vaultSpelling.end(), ':', '-');
    vault_->certs[vaultSpelling] = pem;
    return serial;
  }

  Result<void> refresh(IssuanceIndex& index, const ScanSerials& s, TimePoint now) {
    asio::io_context io;
    auto f = asio::co_spawn(io, index.refresh("pki-int", s, now), asio::use_future);
    io.run();
    return f.get();
  }

  testing::TestPki pki_;
  std::shared_ptr<FakeVault> vault_;
};

TEST_F(IssuanceIndexTest, AScanWithNothingNewDoesNotListAgain) {
  IssuanceIndex index(vault_, kEvery);
  const std::string served = add("web.service.consul");
  add("db.service.consul");
  ASSERT_TRUE(refresh(index, seen({served}), kT0));
  EXPECT_EQ(vault_->lists, 1);
  EXPECT_EQ(vault_->reads, 2);
  EXPECT_EQ(index.certificates("pki-int").size(), 2u);

  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(refresh(index, seen({served}), kT0 + i * 1s));
  EXPECT_EQ(vault_->lists, 1) << "ten scans with nothing new";
  EXPECT_EQ(index.listings("pki-int"), 1u);

  // Vault issued a certificate nobody serves yet: learned at the cadence.
  add("web.service.consul");
  ASSERT_TRUE(refresh(index, seen({served}), kT0 + 20s));
  EXPECT_EQ(index.certificates("pki-int").size(), 2u);
  ASSERT_TRUE(refresh(index, seen({served}), kT0 + 300s));
  EXPECT_EQ(vault_->lists, 2);
  EXPECT_EQ(vault_->reads, 3) << "only the new serial is read";
  EXPECT_EQ(index.certificates("pki-int").size(), 3u);
}

TEST_F(IssuanceIndexTest, ANewServedSerialOrAnOverdueRowListsEarly) {
  IssuanceIndex index(vault_, kEvery);
  const std::string first = add("web.service.consul");
  ASSERT_TRUE(refresh(index, seen({first}), kT0));
  // A restart re-issued: the allocation serves a serial the last listing did not see.
  const std::string second = add("web.service.consul");
  ASSERT_TRUE(refresh(index, seen({second}), kT0 + 1s));
  EXPECT_EQ(vault_->lists, 2);
  EXPECT_EQ(index.certificates("pki-int").size(), 2u);
  // Vault issued a newer certificate the allocation does not serve; when its row passes its
  // renewal, one LIST finds it.
  add("web.service.consul");
  ASSERT_TRUE(refresh(index, seen({second}, {second}), kT0 + 2s));
  EXPECT_EQ(vault_->lists, 3);
  EXPECT_EQ(index.certificates("pki-int").size(), 3u);
  ASSERT_TRUE(refresh(index, seen({second}, {second}), kT0 + 3s));
  EXPECT_EQ(vault_->lists, 3) << "once per overdue serial";
}

TEST_F(IssuanceIndexTest, FailuresKeepWhatWasKnownAndRetryOnSchedule) {
  IssuanceIndex index(vault_, kEvery);
  const std::string served = add("web.service.consul");
  ASSERT_TRUE(refresh(index, seen({served}), kT0));
  vault_->listError = Error(errc::permission_denied, "permission denied");
  const std::string renewed = add("web.service.consul");
  auto failed = refresh(index, seen({renewed}), kT0 + 1s);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("permission denied"), std::string::npos);
  EXPECT_EQ(index.certificates("pki-int").size(), 1u) << "what was known stays";
  ASSERT_TRUE(refresh(index, seen({renewed}), kT0 + 2s)) << "no retry before the cadence";
  EXPECT_EQ(vault_->lists, 2);
  vault_->listError.reset();
  ASSERT_TRUE(refresh(index, seen({renewed}), kT0 + 301s));
  EXPECT_EQ(vault_->lists, 3);
  EXPECT_EQ(index.certificates("pki-int").size(), 2u);

  // A transient read error: the serial is read again at the next refresh, which lists at once.
  add("web.service.consul");
  vault_->readError = Error(errc::connection_failed, "connection reset");
  ASSERT_FALSE(refresh(index, seen({renewed}), kT0 + 602s));
  EXPECT_EQ(index.pending("pki-int"), 1u);
  vault_->readError.reset();
  ASSERT_TRUE(refresh(index, seen({renewed}), kT0 + 603s));
  EXPECT_EQ(index.certificates("pki-int").size(), 3u);
  EXPECT_EQ(index.pending("pki-int"), 0u);

  // Tidied serials are forgotten at the next listing.
  vault_->certs.clear();
  ASSERT_TRUE(refresh(index, seen({renewed}), kT0 + 904s));
  EXPECT_TRUE(index.certificates("pki-int").empty());
}

TEST_F(IssuanceIndexTest, ALargeStoreIsLearnedOverRefreshes) {
  IssuanceIndex index(vault_, kEvery, 2);
  std::vector<std::string> serials;
  for (int i = 0; i < 5; ++i) serials.push_back(add("web.service.consul"));
  ASSERT_TRUE(refresh(index, seen({serials[0]}), kT0));
  EXPECT_EQ(index.pending("pki-int"), 3u);
  ASSERT_TRUE(refresh(index, seen({serials[0]}), kT0 + 1s)) << "pending: lists again";
  ASSERT_TRUE(refresh(index, seen({serials[0]}), kT0 + 2s));
  EXPECT_EQ(index.pending("pki-int"), 0u);
  EXPECT_EQ(index.certificates("pki-int").size(), 5u);
  EXPECT_EQ(vault_->reads, 5);
  ASSERT_TRUE(refresh(index, seen({serials[0]}), kT0 + 3s));
  EXPECT_EQ(vault_->lists, 3);
}

}  // namespace
}  // namespace nc::certs
