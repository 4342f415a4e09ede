// Delivery loops over the spool: retries with backoff, at-least-once across a restart.
#include "events/event_queue.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "events/sink_payloads.hpp"

namespace nc::events {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class FakeSink final : public AlertSink {
 public:
  explicit FakeSink(int failFirst) : failFirst_(failFirst) {}
  const std::string& name() const override { return name_; }
  boost::asio::awaitable<Result<void>> deliver(std::vector<Alert> batch) override {
    ++attempts;
    if (yield)  // as a network sink would: lets the io_context run between deliveries
      co_await boost::asio::post(co_await boost::asio::this_coro::executor,
                                 boost::asio::use_awaitable);
    if (failFirst_-- > 0) co_return Error(errc::connection_failed, "receiver down");
    for (auto& a : batch) received.push_back(a);
    co_return Result<void>();
  }
  int attempts = 0;
  bool yield = false;
  std::vector<Alert> received;

 private:
  std::string name_ = "fake";
  int failFirst_;
};

Alert alert(const char* alloc) {
  Alert a;
  a.name = "CertificateExpired";
  a.severity = Severity::critical;
  a.labels = {{"alloc_id", alloc}};
  a.startsAt = TimePoint(std::chrono::seconds(1'800'000'000));
  return a;
}

class EventQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nc-queue-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    options_.initialBackoff = Duration::milliseconds(2);
    options_.maxBackoff = Duration::milliseconds(20);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  DispatchOptions options_;
};

TEST_F(EventQueueTest, RetriesUntilTheSinkAccepts) {
  boost::asio::io_context io;
  auto sink = std::make_shared<FakeSink>(3);
  auto q = EventQueue::open(io, dir_, {sink}, options_);
  ASSERT_TRUE(q) << q.error().message;
  (*q)->start();
  ASSERT_TRUE((*q)->publish(alert("a1")));
  ASSERT_TRUE((*q)->publish(alert("a2")));
  for (int i = 0; i < 200 && sink->received.size() < 2; ++i) io.run_for(5ms);
  ASSERT_EQ(sink->received.size(), 2u);
  EXPECT_EQ(sink->received[0].labels.at("alloc_id"), "a1");
  EXPECT_GE(sink->attempts, 4);
  auto stats = (*q)->stats();
  EXPECT_EQ(stats[0].depth, 0u);
  EXPECT_EQ(stats[0].failures, 3u);
  EXPECT_EQ(stats[0].delivered, 2u);
  EXPECT_TRUE(stats[0].lastError.empty());
}

TEST_F(EventQueueTest, UndeliveredAlertsAreSentAfterARestart) {
  {
    boost::asio::io_context io;
    auto down = std::make_shared<FakeSink>(1'000'000);
    auto q = EventQueue::open(io, dir_, {down}, options_);
    ASSERT_TRUE(q);
    (*q)->start();
    ASSERT_TRUE((*q)->publish(alert("a1")));
    io.run_for(20ms);
    EXPECT_EQ((*q)->stats()[0].depth, 1u);
  }  // the process "dies" with the alert undelivered
  boost::asio::io_context io;
  auto up = std::make_shared<FakeSink>(0);
  auto q = EventQueue::open(io, dir_, {up}, options_);
  ASSERT_TRUE(q);
  (*q)->start();
  for (int i = 0; i < 100 && up->received.empty(); ++i) io.run_for(5ms);
  ASSERT_EQ(up->received.size(), 1u);
  EXPECT_EQ(up->received[0].labels.at("alloc_id"), "a1");
}

// The spool directory removed under a running daemon: the cursor cannot be saved after a
// delivery. The loop backs off and retries the acknowledgement; it neither spins nor sends the
// same events again (it once re-delivered them thousands of times a second).
TEST_F(EventQueueTest, ACursorThatCannotBeSavedIsRetriedWithBackoffWithoutRedelivery) {
  boost::asio::io_context io;
  auto sink = std::make_shared<FakeSink>(0);
  sink->yield = true;
  auto q = EventQueue::open(io, dir_, {sink}, options_);
  ASSERT_TRUE(q) << q.error().message;
  (*q)->start();
  ASSERT_TRUE((*q)->publish(alert("a1")));
  fs::remove_all(dir_);  // before delivery: the open segment stays readable, no file can be made
  io.run_for(300ms);
  EXPECT_EQ(sink->attempts, 1);
  ASSERT_EQ(sink->received.size(), 1u);
  auto stats = (*q)->stats();
  EXPECT_GE(stats[0].failures, 1u);
  // Not a busy loop (that made 5,780 attempts in 300 ms). Full jitter draws each wait from
  // [0, 20 ms]: ~30 retries on average, and 42 was seen on a loaded machine, so the bound
  // leaves room for chance and still fails a loop that does not wait.
  EXPECT_LE(stats[0].failures, 100u);
  EXPECT_NE(stats[0].lastError.find("cursor"), std::string::npos) << stats[0].lastError;
  EXPECT_EQ(stats[0].depth, 1u);  // still not acknowledged
}

TEST_F(EventQueueTest, RefusesDuplicateSinkNames) {
  boost::asio::io_context io;
  auto a = std::make_shared<FakeSink>(0), b = std::make_shared<FakeSink>(0);
  EXPECT_FALSE(EventQueue::open(io, dir_, {a, b}, options_));
}

TEST(Backoff, FullJitterUnderAnExponentialCap) {
  auto ms = [](Duration d) { return d.as<std::chrono::milliseconds>().count(); };
  Duration i = Duration::seconds(1), m = Duration::seconds(300);
  EXPECT_EQ(ms(backoffDelay(0, i, m, 0.5)), 0);
  EXPECT_EQ(ms(backoffDelay(1, i, m, 0.999999)), 999);
  EXPECT_EQ(ms(backoffDelay(4, i, m, 0.5)), 4000);
  EXPECT_EQ(ms(backoffDelay(30, i, m, 0.5)), 150'000);
  EXPECT_EQ(ms(backoffDelay(30, i, m, 0.0)), 0);
}

TEST(SinkPayloads, AlertmanagerBody) {
  Alert firing = alert("a1");
  Alert resolved = alert("a2");
  resolved.state = AlertState::resolved;
  resolved.endsAt = firing.startsAt + 1h;
  auto body = alertmanagerBody({firing, resolved}, firing.startsAt + 10min, Duration::seconds(3600),
                               "http://nomad-certd/status");
  EXPECT_EQ(body,
            "[{\"labels\":{\"alertname\":\"CertificateExpired\",\"alloc_id\":\"a1\",\"severity\":"
            "\"critical\"},\"annotations\":{},\"startsAt\":\"2027-01-15T08:00:00.000Z\",\"endsAt\":"
            "\"2027-01-15T09:10:00.000Z\",\"generatorURL\":\"http://nomad-certd/status\"},"
            "{\"labels\":{\"alertname\":\"CertificateExpired\",\"alloc_id\":\"a2\",\"severity\":"
            "\"critical\"},\"annotations\":{},\"startsAt\":\"2027-01-15T08:00:00.000Z\",\"endsAt\":"
            "\"2027-01-15T09:00:00.000Z\",\"generatorURL\":\"http://nomad-certd/status\"}]");
}

TEST(SinkPayloads, WebhookSignatureIsHmacSha256) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmacSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  auto body = webhookBody({alert("a1")});
  EXPECT_NE(body.find("\"status\":\"firing\""), std::string::npos);
  EXPECT_NE(body.find("\"fingerprint\":\"" + alert("a1").fingerprint() + "\""), std::string::npos);
}

}  // namespace
}  // namespace nc::events
