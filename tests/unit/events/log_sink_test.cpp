// The log sink's structured fields in each log format: journald entries (captured through the
// journal writer hook), JSON lines and text; journal detection through $JOURNAL_STREAM.
#include "events/log_sink.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/logging.hpp"

namespace nc::events {
namespace {

Alert sample() {
  Alert a;
  a.name = std::string(alertname::kRenewalDue);
  a.severity = Severity::critical;
  a.labels = {{"job", "web"},
              {"namespace", "default"},
              {"task", "app"},
              {"alloc_id", "0b6c0a1e"},
              {"path", "secrets/cert.pem"},
              {"common_name", "web.service.consul"}};
  a.annotations = {{"summary", "RenewalOverdue: web/app"},
                   {"not_after", "2026-11-29T10:00:00.000Z"},
                   {"remaining", "5m"}};
  return a;
}

bool has(const std::vector<std::string>& entry, const std::string& field) {
  return std::find(entry.begin(), entry.end(), field) != entry.end();
}

class LogSinkTest : public ::testing::Test {
 protected:
  void TearDown() override {
    logging::setJournalWriterForTest({});
    ::unsetenv("JOURNAL_STREAM");
    logging::setup({logging::Format::text, "info"});
  }
};

TEST_F(LogSinkTest, JournalEntriesCarryTheAlertAsFields) {
  std::vector<std::vector<std::string>> entries;
  logging::setJournalWriterForTest(
      [&](const std::vector<std::string>& e) { entries.push_back(e); });
  logging::setup({logging::Format::journal, "info"});
  LogSink sink("log");
  boost::asio::io_context io;
  std::vector<Alert> batch = {sample()};
  auto done = boost::asio::co_spawn(io, sink.deliver(batch), boost::asio::use_future);
  io.run();
  ASSERT_TRUE(done.get());
  ASSERT_EQ(entries.size(), 1u);
  const auto& e = entries[0];
  EXPECT_TRUE(e[0].starts_with("MESSAGE=alert CertificateRenewalDue firing")) << e[0];
  EXPECT_TRUE(has(e, "PRIORITY=3"));  // critical firing -> err
  EXPECT_TRUE(has(e, "SYSLOG_IDENTIFIER=nomad-certd"));
  EXPECT_TRUE(has(e, "ALERT=CertificateRenewalDue"));
  EXPECT_TRUE(has(e, "ALERT_STATE=firing"));
  EXPECT_TRUE(has(e, "SEVERITY=critical"));
  EXPECT_TRUE(has(e, "FINGERPRINT=" + sample().fingerprint()));
  EXPECT_TRUE(has(e, "JOB=web"));
  EXPECT_TRUE(has(e, "NAMESPACE=default"));
  EXPECT_TRUE(has(e, "TASK=app"));
  EXPECT_TRUE(has(e, "ALLOC_ID=0b6c0a1e"));
  EXPECT_TRUE(has(e, "CERT_PATH=secrets/cert.pem"));
  EXPECT_TRUE(has(e, "COMMON_NAME=web.service.consul"));
  EXPECT_TRUE(has(e, "NOT_AFTER=2026-11-29T10:00:00.000Z"));
  EXPECT_TRUE(has(e, "REMAINING=5m"));

  // A resolved alert is informational.
  Alert r = sample();
  r.state = AlertState::resolved;
  logging::event(logging::Level::info, LogSink::format(r), LogSink::fields(r));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(has(entries[1], "PRIORITY=6"));
  EXPECT_TRUE(has(entries[1], "ALERT_STATE=resolved"));
  // Lines without fields are plain entries.
  spdlog::warn("plain {}", 1);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2], (std::vector<std::string>{"MESSAGE=plain 1", "PRIORITY=4",
                                                  "SYSLOG_IDENTIFIER=nomad-certd"}));
}

TEST_F(LogSinkTest, LogfmtEventLinesBecomeFields) {
  // The reconcile logs write "event=... key=value" lines; journald gets them as fields.
  std::vector<std::vector<std::string>> entries;
  logging::setJournalWriterForTest(
      [&](const std::vector<std::string>& e) { entries.push_back(e); });
  logging::setup({logging::Format::journal, "info"});
  spdlog::warn(
      "event=drift_detected resource=vault/pki_role/pki-int/nomad-job mode=report missing=false "
      "fields=[max_ttl: desired=168h live=8760h; ttl: desired=24h live=48h]");
  spdlog::error(
      "event=reconcile_failure resource=nomad/job/default/web message=\"Vault said \\\"no\\\" x\"");
  spdlog::info("not an event=line");
  ASSERT_EQ(entries.size(), 3u);
  const auto& d = entries[0];
  EXPECT_TRUE(has(d, "EVENT=drift_detected"));
  EXPECT_TRUE(has(d, "RESOURCE=vault/pki_role/pki-int/nomad-job"));
  EXPECT_TRUE(has(d, "MODE=report"));
  EXPECT_TRUE(has(d, "MISSING=false"));
  EXPECT_TRUE(has(d, "DRIFT=max_ttl: desired=168h live=8760h; ttl: desired=24h live=48h"));
  const auto& f = entries[1];
  EXPECT_TRUE(has(f, "EVENT=reconcile_failure"));
  EXPECT_TRUE(has(f, "RESOURCE=nomad/job/default/web"));
  EXPECT_TRUE(has(f,
                  "MESSAGE=event=reconcile_failure resource=nomad/job/default/web message=\"Vault "
                  "said \\\"no\\\" x\""));
  for (const auto& field : f) EXPECT_FALSE(field.starts_with("DRIFT=")) << field;
  EXPECT_EQ(entries[2].size(), 3u);  // MESSAGE, PRIORITY, SYSLOG_IDENTIFIER only
}

TEST_F(LogSinkTest, JournalFieldNamesAreSanitized) {
  EXPECT_EQ(logging::journalFieldName("alloc_id"), "ALLOC_ID");
  EXPECT_EQ(logging::journalFieldName("common-name.x"), "COMMON_NAME_X");
  EXPECT_EQ(logging::journalFieldName("_private"), "PRIVATE");  // '_' prefixes are trusted ones
  EXPECT_EQ(logging::journalFieldName("9lives"), "LIVES");
  EXPECT_EQ(logging::journalFieldName(std::string(80, 'a')).size(), 64u);
  // A field that would overwrite the entry's own fields is dropped.
  std::vector<std::vector<std::string>> entries;
  logging::setJournalWriterForTest(
      [&](const std::vector<std::string>& e) { entries.push_back(e); });
  logging::setup({logging::Format::journal, "info"});
  logging::event(logging::Level::info, "m", {{"message", "spoof"}, {"priority", "0"}, {"ok", "1"}});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], (std::vector<std::string>{"MESSAGE=m", "PRIORITY=6",
                                                  "SYSLOG_IDENTIFIER=nomad-certd", "OK=1"}));
}

TEST_F(LogSinkTest, JsonLinesCarryTheFieldsAsKeys) {
  logging::setup({logging::Format::json, "info"});
  ::testing::internal::CaptureStderr();
  logging::event(logging::Level::warn, LogSink::format(sample()), LogSink::fields(sample()));
  spdlog::info("after");
  std::string out = ::testing::internal::GetCapturedStderr();
  auto nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos) << out;
  rapidjson::Document d;
  d.Parse(out.substr(0, nl).c_str());
  ASSERT_FALSE(d.HasParseError()) << out;
  EXPECT_STREQ(d["level"].GetString(), "warning");
  EXPECT_STREQ(d["alert"].GetString(), "CertificateRenewalDue");
  EXPECT_STREQ(d["job"].GetString(), "web");
  EXPECT_STREQ(d["cert_path"].GetString(), "secrets/cert.pem");
  EXPECT_STREQ(d["alloc_id"].GetString(), "0b6c0a1e");
  // The fields belong to that one event only.
  rapidjson::Document d2;
  d2.Parse(out.substr(nl + 1).c_str());
  ASSERT_FALSE(d2.HasParseError()) << out;
  EXPECT_FALSE(d2.HasMember("alert"));
}

TEST_F(LogSinkTest, TextLinesAppendTheFields) {
  logging::setup({logging::Format::text, "info"});
  ::testing::internal::CaptureStderr();
  logging::event(logging::Level::info, "backend answers", {{"resource", "vault"}});
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("backend answers resource=vault\n"), std::string::npos) << out;
}

TEST_F(LogSinkTest, AutomaticFormatPicksTheJournalOnlyForItsOwnStream) {
  EXPECT_TRUE(logging::parseFormat("journal"));
  EXPECT_EQ(*logging::parseFormat("journal"), logging::Format::journal);
  EXPECT_FALSE(logging::parseFormat("syslog"));
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
  EXPECT_EQ(logging::resolveFormat(logging::Format::automatic), logging::Format::journal);
  EXPECT_EQ(logging::resolveFormat(logging::Format::json), logging::Format::json);
  // Inherited from a parent whose stderr went to the journal, but ours does not.
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":1").c_str(), 1);
  EXPECT_NE(logging::resolveFormat(logging::Format::automatic), logging::Format::journal);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_NE(logging::resolveFormat(logging::Format::automatic), logging::Format::journal);
}

}  // namespace
}  // namespace nc::events
