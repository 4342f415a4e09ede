// recheckInterval: a settled certificate's file is statted at most once per interval, and
// every certificate that is not settled is still looked at on every scan.
#include <gtest/gtest.h>

#include <algorithm>

#include "certs/certificate_scanner.hpp"
#include "scanner_fakes.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

class RecheckTest : public ScannerTestBase {
 protected:
  RecheckTest() : ScannerTestBase(options()) {}
  static ScanOptions options() {
    ScanOptions o{3, Duration::seconds(60)};
    o.recheckInterval = Duration::seconds(600);
    return o;
  }
  long stats() const { return std::count(reader_->calls.begin(), reader_->calls.end(), "stat"); }
};

TEST_F(RecheckTest, ASettledFileIsStattedOncePerIntervalAndStillDecidedEveryScan) {
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/server/local/cert.pem"] = {
      pki_.issue("web.service.consul", 30 * 86400).certPem};
  const auto specs = std::vector{spec("web", "local/cert.pem")};
  auto first = scan(specs);
  EXPECT_EQ(first.filesRead, 1u);
  EXPECT_EQ(stats(), 1);

  // The file waits a share of 5–10 min fixed by its key; the row is decided every minute.
  int skipped = 0;
  for (int minute = 1; minute <= 10 && stats() == 1; ++minute) {
    clock_->advance(1min);
    auto r = scan(specs);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0]->state, CertState::ok);
    skipped += static_cast<int>(r.statsSkipped);
  }
  EXPECT_GE(skipped, 4);
  EXPECT_LE(skipped, 9);
  EXPECT_EQ(stats(), 2);
  // After a stat the file waits the whole interval: nine scans decide it from its facts.
  for (int minute = 1; minute < 10; ++minute) {
    clock_->advance(1min);
    EXPECT_EQ(scan(specs).statsSkipped, 1u);
  }
  EXPECT_EQ(stats(), 2);

  // Replaced meanwhile by a certificate for another name: seen once the interval is up.
  reader_->files["a1/server/local/cert.pem"] = {pki_.issue("db.service.consul", 30 * 86400).certPem,
                                                "2026-01-02T00:00:00Z"};
  clock_->advance(1min);
  auto due = scan(specs);
  EXPECT_EQ(due.statsSkipped, 0u);
  EXPECT_EQ(due.filesRead, 1u);
  EXPECT_EQ(due.rows.at(0)->reason, "NameMismatch");
  // A certificate with a problem is looked at on every scan, so its fix is seen at once.
  clock_->advance(1min);
  EXPECT_EQ(scan(specs).statsSkipped, 0u);
  EXPECT_EQ(stats(), 4);
}

TEST_F(RecheckTest, FilesReadTogetherComeDueOverSeveralScans) {
  const std::string pem = pki_.issue("web.service.consul", 30 * 86400).certPem;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "a" + std::to_string(i);
    reader_->allocs["web"].push_back(running(id, "web"));
    reader_->files[id + "/server/local/cert.pem"] = {pem};
  }
  const auto specs = std::vector{spec("web", "local/cert.pem")};
  ASSERT_EQ(scan(specs).filesRead, 200u);
  long most = 0, total = 0;
  for (int minute = 1; minute <= 10; ++minute) {
    clock_->advance(1min);
    const long before = stats();
    EXPECT_EQ(scan(specs).rows.size(), 200u);
    most = std::max(most, stats() - before);
    total += stats() - before;
  }
  EXPECT_GE(total, 200);     // each file looked at again within the interval
  EXPECT_LE(most, 200 / 3);  // but not all in the same scan

  // Later, each file is statted once per interval, and the stats stay spread.
  most = total = 0;
  for (int minute = 1; minute <= 20; ++minute) {
    clock_->advance(1min);
    const long before = stats();
    scan(specs);
    most = std::max(most, stats() - before);
    total += stats() - before;
  }
  EXPECT_EQ(total, 2 * 200);
  EXPECT_LE(most, 200 / 3);
}

TEST_F(RecheckTest, ACertificateNearItsNextThresholdIsStattedEveryScan) {
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/server/local/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem};
  const auto specs = std::vector{spec("web", "local/cert.pem")};
  const auto next = scan(specs).rows.at(0)->nextChange;  // the renewal window opens
  ASSERT_TRUE(next);
  clock_->advance(1min);
  EXPECT_EQ(scan(specs).statsSkipped, 1u);

  clock_->advance(*next - clock_->now() - 8min);  // within 10 min of it: no more waiting
  auto near = scan(specs);
  EXPECT_EQ(near.statsSkipped, 0u);
  EXPECT_EQ(near.rows.at(0)->state, CertState::ok);
  clock_->advance(1min);
  EXPECT_EQ(scan(specs).statsSkipped, 0u);

  // Renewed before the threshold: the new file is read and the wait starts again.
  reader_->files["a1/server/local/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem,
                                                "2026-01-02T00:00:00Z"};
  clock_->advance(1min);
  EXPECT_EQ(scan(specs).filesRead, 1u);
  clock_->setWall(std::chrono::system_clock::now() + 1min);  // the new certificate's timeline
  EXPECT_EQ(scan(specs).statsSkipped, 1u);
}

TEST_F(RecheckTest, ADeletedFileAndAnUncheckedChainAreNotTakenOnTrust) {
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/server/local/cert.pem"] = {
      pki_.issue("web.service.consul", 30 * 86400).certPem};
  const auto specs = std::vector{spec("web", "local/cert.pem")};
  scan(specs);
  // Vault's chain became unknown: the kept verdict was for the old anchors.
  clock_->advance(1min);
  auto unchecked = scanWith(specs, {});
  EXPECT_EQ(unchecked.statsSkipped, 0u);
  EXPECT_EQ(unchecked.filesRead, 1u);

  reader_->files.clear();
  clock_->advance(10min);
  auto gone = scan(specs);
  EXPECT_EQ(gone.rows.at(0)->state, CertState::missing);
  clock_->advance(1min);
  EXPECT_EQ(scan(specs).rows.at(0)->state, CertState::missing);
  EXPECT_EQ(stats(), 4);
}

TEST(RecheckOptions, AnIntervalNotAboveTheScanIntervalStatsEveryScan) {
  testing::TestPki pki;
  auto reader = std::make_shared<FakeReader>();
  auto clock = std::make_shared<ManualClock>(std::chrono::system_clock::now());
  ScanOptions o{3, Duration::seconds(60)};
  o.recheckInterval = Duration::seconds(60);
  CertificateScanner scanner(reader, clock, o);
  reader->allocs["web"] = {running("a1", "web")};
  reader->files["a1/server/local/cert.pem"] = {pki.issue("web.service.consul", 30 * 86400).certPem};
  for (int i = 0; i < 3; ++i) {
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(
        io,
        scanner.scan(std::make_shared<const std::vector<CertificateSpec>>(
                         std::vector<CertificateSpec>{spec("web", "local/cert.pem")}),
                     {{"pki-int", pki.caChainPem()}}),
        boost::asio::use_future);
    io.run();
    EXPECT_EQ(fut.get().statsSkipped, 0u);
    clock->advance(1min);
  }
  EXPECT_EQ(std::count(reader->calls.begin(), reader->calls.end(), "stat"), 3);
}

}  // namespace
}  // namespace nc::certs
