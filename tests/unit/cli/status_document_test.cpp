// The /status document as the daemon writes it: pieces that join into one valid JSON document of
// the announced size, the certificate rows last, from a snapshot of the table.
#include <rapidjson/document.h>

#include <gtest/gtest.h>

#include <sstream>

#include "service.hpp"

namespace nc::cli {
namespace {

class StatusDocumentTest : public ::testing::Test {
 protected:
  StatusDocumentTest() {
    d_.health = std::make_unique<health::HealthState>(clock_, Duration::seconds(60));
    auto queue = events::EventQueue::open(io_, spool_.path, {});
    EXPECT_TRUE(queue) << queue.error().message;
    d_.queue = std::move(*queue);
    auto spec = std::make_shared<certs::CertificateSpec>();
    spec->job = "web";
    spec->task = "server";
    spec->path = "secrets/cert.pem";
    spec_ = spec;
  }

  /// `n` ok rows, each with its own facts, as a scan leaves them.
  void rows(std::size_t n) {
    d_.statusRows.clear();
    for (std::size_t i = 0; i < n; ++i) {
      auto facts = std::make_shared<certs::CertificateFacts>();
      facts->commonName = "web.service.consul";
      facts->serialBytes = std::to_string(i);
      facts->notAfter = clock_->now() + std::chrono::hours(24);
      auto row = std::make_shared<certs::CertificateRow>();
      row->spec = spec_;
      row->allocId = "alloc-" + std::to_string(i);
      row->facts = std::move(facts);
      row->reason = "Valid";
      d_.statusRows.push_back(std::move(row));
    }
  }

  static std::vector<std::string> take(health::StatusDocument& doc) {
    std::vector<std::string> pieces;
    for (bool more = true; more;) {
      std::string piece;
      more = doc.next(piece);
      pieces.push_back(std::move(piece));
    }
    return pieces;
  }

  struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("nc-status-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
  };

  boost::asio::io_context io_;
  std::shared_ptr<ManualClock> clock_ =
      std::make_shared<ManualClock>(std::chrono::system_clock::now());
  TempDir spool_;
  std::ostringstream out_, err_;
  config::Environment env_;
  Daemon d_{io_, CommandIo{out_, err_, env_}, clock_};
  std::shared_ptr<const certs::CertificateSpec> spec_;
};

TEST_F(StatusDocumentTest, PiecesJoinIntoTheAnnouncedDocumentWithEveryRow) {
  rows(2000);  // ~0.4 MB: several pieces
  health::StatusDocument doc = statusDocument(d_);
  const std::vector<std::string> pieces = take(doc);
  EXPECT_GT(pieces.size(), 3u);
  std::string joined;
  for (const auto& p : pieces) {
    EXPECT_LE(p.size(), 80u * 1024) << "a piece is bounded, whatever the table's size";
    joined += p;
  }
  EXPECT_EQ(joined.size(), doc.size);
  rapidjson::Document parsed;
  parsed.Parse(joined.data(), joined.size());
  ASSERT_FALSE(parsed.HasParseError())
      << parsed.GetParseError() << " at " << parsed.GetErrorOffset();
  const auto& table = parsed["certificates"]["rows"];
  ASSERT_EQ(table.Size(), 2000u);
  EXPECT_STREQ(table[0]["alloc_id"].GetString(), "alloc-0");
  EXPECT_STREQ(table[1999]["alloc_id"].GetString(), "alloc-1999");
  EXPECT_STREQ(table[5]["job"].GetString(), "web");
  EXPECT_STREQ(table[5]["common_name"].GetString(), "web.service.consul");
  for (const char* key : {"version", "ready", "reconcile", "backends", "alerts", "sinks"})
    EXPECT_TRUE(parsed.HasMember(key)) << key;
}

TEST_F(StatusDocumentTest, RowsComeFromTheTableAsItWasWhenTheRequestCame) {
  rows(1500);
  health::StatusDocument doc = statusDocument(d_);
  rows(3);  // a scan ends while the response is being written
  std::string joined;
  for (const auto& p : take(doc)) joined += p;
  EXPECT_EQ(joined.size(), doc.size);
  rapidjson::Document parsed;
  parsed.Parse(joined.data(), joined.size());
  ASSERT_FALSE(parsed.HasParseError());
  EXPECT_EQ(parsed["certificates"]["rows"].Size(), 1500u);
}

TEST_F(StatusDocumentTest, AnEmptyTableIsOnePiece) {
  health::StatusDocument doc = statusDocument(d_);
  const auto pieces = take(doc);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].size(), doc.size);
  rapidjson::Document parsed;
  parsed.Parse(pieces[0].data(), pieces[0].size());
  ASSERT_FALSE(parsed.HasParseError());
  EXPECT_EQ(parsed["certificates"]["rows"].Size(), 0u);
}

}  // namespace
}  // namespace nc::cli
