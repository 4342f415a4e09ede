// The scanner hands back the previous scan's row while its decision stands, and only then.
#include <gtest/gtest.h>

#include "certs/certificate_scanner.hpp"
#include "scanner_fakes.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

class ScannerReuseTest : public ScannerTestBase {
 protected:
  ScannerReuseTest() : ScannerTestBase(ScanOptions{2, Duration::seconds(60)}) {}

  void serveTwoAllocations(const std::string& pem) {
    reader_->allocs["web"] = {running("a1", "web"), running("a2", "web")};
    reader_->files["a1/server/local/cert.pem"] = {pem};
    reader_->files["a2/server/local/cert.pem"] = {pem};
  }
  const std::vector<CertificateSpec> specs_ = {spec("web", "local/cert.pem")};
};

TEST_F(ScannerReuseTest, ASettledRowIsHandedBackUntilItsNextChange) {
  serveTwoAllocations(pki_.issue("web.service.consul", 86400).certPem);
  const ScanResult first = scan(specs_);
  ASSERT_EQ(first.rows.size(), 2u);
  EXPECT_EQ(first.rowsReused, 0u);
  const CertificateRowPtr row = first.rows[0];
  EXPECT_EQ(row->reason, "Valid");
  // The row holds nothing that goes stale while it is reused: no time left in its message.
  EXPECT_EQ(row->message().find("left"), std::string::npos) << row->message();
  EXPECT_NE(row->message().find("valid until"), std::string::npos) << row->message();

  clock_->advance(10min);
  const ScanResult second = scan(specs_);
  EXPECT_EQ(second.rowsReused, 2u);
  EXPECT_EQ(second.rows[0], first.rows[0]);
  EXPECT_EQ(second.rows[1], first.rows[1]);
  // The time left is the reader's: ten minutes less at the second scan.
  EXPECT_EQ(
      remainingAt(*row, first.decidedAt)->nanos() - remainingAt(*row, second.decidedAt)->nanos(),
      std::chrono::minutes(10));

  // At its next change the renewal window opens: a new row says so, then stands in turn.
  ASSERT_TRUE(row->nextChange);
  clock_->setWall(*row->nextChange);
  const ScanResult third = scan(specs_);
  EXPECT_EQ(third.rowsReused, 0u);
  EXPECT_NE(third.rows[0], row);
  EXPECT_EQ(third.rows[0]->reason, "RenewalWindow");
  EXPECT_EQ(third.rows[0]->message().find("left"), std::string::npos) << third.rows[0]->message();
  const ScanResult fourth = scan(specs_);
  EXPECT_EQ(fourth.rowsReused, 2u);
  EXPECT_EQ(fourth.rows[0], third.rows[0]);
}

TEST_F(ScannerReuseTest, ANewFileAChangedSpecOrAnotherChainGiveANewRow) {
  serveTwoAllocations(pki_.issue("web.service.consul", 86400).certPem);
  const CertificateRowPtr row = scan(specs_).rows.at(0);

  // Re-rendered file: the row is decided from the new certificate.
  const auto renewed = pki_.issue("web.service.consul", 86400);
  reader_->files["a1/server/local/cert.pem"] = {renewed.certPem, "2026-01-02T00:00:00Z"};
  const ScanResult reread = scan(specs_);
  EXPECT_EQ(reread.rowsReused, 1u);  // a2 is unchanged
  EXPECT_NE(reread.rows.at(0), row);
  EXPECT_NE(reread.rows.at(0)->serial(), row->serial());
  EXPECT_EQ(reread.rows.at(1)->allocId, "a2");

  // A changed expectation: no row of the old spec list stands.
  auto strict = specs_;
  strict[0].commonName = "api.service.consul";
  const ScanResult renamed = scan(strict);
  EXPECT_EQ(renamed.rowsReused, 0u);
  EXPECT_EQ(renamed.rows.at(0)->reason, "NameMismatch");
  EXPECT_EQ(renamed.rows.at(1)->reason, "NameMismatch");

  // Back to the first spec, then without Vault's chain: the note about the chain is new.
  const ScanResult back = scan(specs_);
  EXPECT_EQ(back.rowsReused, 0u);
  EXPECT_EQ(scan(specs_).rowsReused, 2u);
  const ScanResult unchecked = scanWith(specs_, {});
  EXPECT_EQ(unchecked.rowsReused, 0u);
  EXPECT_NE(unchecked.rows.at(0)->message().find("issuer chain not checked"), std::string::npos);
}

TEST_F(ScannerReuseTest, TwoSpecsOnOneSharedFileKeepTheirOwnRows) {
  // Two tasks of a job declare the same alloc/data file: one kept entry, two specs.
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/alloc/data/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem};
  auto server = spec("web", "alloc/data/cert.pem");
  auto sidecar = server;
  sidecar.task = "sidecar";
  for (int i = 0; i < 3; ++i) {
    const ScanResult r = scan({server, sidecar});
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0]->task(), "server") << "scan " << i;
    EXPECT_EQ(r.rows[1]->task(), "sidecar") << "scan " << i;
  }
}

TEST_F(ScannerReuseTest, ARowPointsIntoTheDeclaredListAndItsFacts) {
  serveTwoAllocations(pki_.issue("web.service.consul", 86400).certPem);
  const auto declared = std::make_shared<const std::vector<CertificateSpec>>(specs_);
  const ScanResult r = scanShared(declared, {{"pki-int", pki_.caChainPem()}});
  ASSERT_EQ(r.rows.size(), 2u);
  for (const auto& row : r.rows) {
    EXPECT_EQ(row->spec.get(), &declared->front());  // shares the list's ownership
    EXPECT_EQ(row->job(), "web");
    EXPECT_EQ(row->path(), "local/cert.pem");
    EXPECT_EQ(row->expectedCommonName(), "web.service.consul");
    ASSERT_TRUE(row->facts);
    EXPECT_EQ(row->notAfter(), row->facts->notAfter);
  }
  EXPECT_NE(r.rows[0]->facts, r.rows[1]->facts);  // one file each

  // An equal list, as a reload that changed no certificate gives: the rows, standing or new,
  // keep naming the first list, and the new one is not kept.
  clock_->advance(10min);
  reader_->files["a2/server/local/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem,
                                                "2026-01-02T00:00:00Z"};
  auto equal = std::make_shared<const std::vector<CertificateSpec>>(specs_);
  const std::weak_ptr<const std::vector<CertificateSpec>> equalWatch = equal;
  const ScanResult again = scanShared(std::move(equal), {{"pki-int", pki_.caChainPem()}});
  ASSERT_EQ(again.rows.size(), 2u);
  EXPECT_EQ(again.rowsReused, 1u);      // a1 stands
  EXPECT_NE(again.rows[1], r.rows[1]);  // a2 was read again
  EXPECT_EQ(again.rows[1]->spec.get(), &declared->front());
  EXPECT_TRUE(equalWatch.expired());
}

TEST_F(ScannerReuseTest, ARowWithAProblemIsDecidedAgainOnEveryScan) {
  serveTwoAllocations(pki_.issue("other.service.consul", 86400).certPem);
  const ScanResult first = scan(specs_);
  ASSERT_EQ(first.rows.at(0)->reason, "NameMismatch");
  const ScanResult second = scan(specs_);
  EXPECT_EQ(second.rowsReused, 0u);
  EXPECT_NE(second.rows.at(0), first.rows.at(0));
  EXPECT_EQ(second.alerts.size(), 2u);  // each scan raises the alerts that hold
  // A new row, but the facts it names are the kept ones, not a copy.
  EXPECT_EQ(second.rows.at(0)->commonName(), "other.service.consul");
  EXPECT_EQ(second.rows.at(0)->facts, first.rows.at(0)->facts);

  // A warning that only changes at a later threshold: still decided (and alerted) every scan.
  serveTwoAllocations(pki_.issue("web.service.consul", 86400).certPem);
  auto warned = specs_;
  warned[0].warnBefore = *Threshold::parse("48h");
  for (int i = 0; i < 2; ++i) {
    const ScanResult r = scan(warned);
    ASSERT_EQ(r.rows.at(0)->reason, "ExpiringSoon");
    ASSERT_TRUE(r.rows.at(0)->nextChange);
    EXPECT_EQ(r.rowsReused, 0u);
    EXPECT_EQ(r.alerts.size(), 2u) << "scan " << i;
  }
}

CertificateRowPtr tableRow(const std::string& job, const std::string& alloc) {
  auto r = std::make_shared<CertificateRow>();
  auto spec = std::make_shared<CertificateSpec>();
  spec->job = job;
  r->spec = std::move(spec);
  r->allocId = alloc;
  return r;
}

std::vector<std::string> allocsOf(const std::vector<CertificateRowPtr>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r->allocId.str());
  return out;
}

TEST(CertificateTable, AnUnlistedJobKeepsItsLastKnownRowsUntilListedAgain) {
  const auto web1 = tableRow("web", "w1"), api1 = tableRow("api", "a1"), db1 = tableRow("db", "d1");
  const std::vector<CertificateRowPtr> previous = {web1, api1, db1};
  // api could not be listed: its row is kept; web's and db's are in the scan or went away.
  auto kept = rowsOfUnlistedJobs({web1}, previous, {}, {"api"});
  EXPECT_EQ(allocsOf(kept), std::vector<std::string>{"a1"});
  // Still not listed a scan later: kept from the kept rows.
  kept = rowsOfUnlistedJobs({web1}, {web1}, kept, {"api"});
  EXPECT_EQ(allocsOf(kept), std::vector<std::string>{"a1"});
  // Listed again: its rows are the scan's, nothing kept.
  EXPECT_TRUE(rowsOfUnlistedJobs({web1, tableRow("api", "a2")}, {web1}, kept, {}).empty());
  // A name with rows of its own in the scan (another namespace) keeps none.
  EXPECT_TRUE(rowsOfUnlistedJobs({tableRow("api", "a3")}, previous, {}, {"api"}).empty());
}

}  // namespace
}  // namespace nc::certs
