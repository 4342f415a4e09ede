// NomadClient's event stream: resume after heartbeat timeouts and closes, failure reports,
// and a close while a read is pending.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "../vault/fake_transport.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {
namespace {

using nc::testing::FakeLineStream;
using nc::testing::FakeTransport;
using nc::testing::run;

/// A line stream whose read waits until close(); records a destruction in the middle of it.
class PendingLineStream final : public http::LineStream {
 public:
  struct State {
    bool reading = false, destroyedMidRead = false;
  };
  PendingLineStream(boost::asio::any_io_executor ex, std::shared_ptr<State> state)
      : timer_(ex, boost::asio::steady_timer::time_point::max()), state_(std::move(state)) {}
  ~PendingLineStream() override {
    if (state_->reading) state_->destroyedMidRead = true;
  }
  boost::asio::awaitable<Result<std::optional<std::string>>> nextLine(Duration) override {
    auto state = state_;  // the resumption must not touch a destroyed this
    state->reading = true;
    co_await timer_.async_wait(
        boost::asio::as_tuple(boost::asio::use_awaitable));  // ends at close()
    state->reading = false;
    co_return Error(errc::cancelled, "line stream closed");
  }
  void close() override { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

struct NomadEventsTest : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  NomadClient client{fake, [] { return Result<std::string>("tok"); }, Options{}};
};

using Lines = std::vector<Result<std::optional<std::string>>>;
std::optional<std::string> line(const char* s) {
  return std::string(s);
}

TEST_F(NomadEventsTest, EventStreamResumesAfterHeartbeatTimeoutAndServerClose) {
  const char* batch7 =
      R"({"Index":7,"Events":[{"Topic":"Job","Type":"JobRegistered","Key":"web","Namespace":"default",
                         "FilterKeys":null,"Index":7,"Payload":{"Job":{"ID":"web"}}}]})";
  const char* batch9 =
      R"({"Index":9,"Events":[{"Topic":"Allocation","Type":"PlanResult","Key":"a1","Namespace":"default",
                         "FilterKeys":["web",""],"Index":9,"Payload":{"Allocation":{"ID":"a1"}}}]})";
  fake->lineStreams.push_back(http::LineStreamPtr(std::make_unique<FakeLineStream>(
      Lines{line("{}"), line(batch7), Error(errc::timeout, "no data within 45s")})));
  fake->lineStreams.push_back(
      http::LineStreamPtr(std::make_unique<FakeLineStream>(Lines{line("{}"), line(batch9)})));
  fake->lineStreams.push_back(
      http::LineStreamPtr(std::make_unique<FakeLineStream>(Lines{})));  // refused
  fake->lineStreams.push_back(
      http::LineStreamPtr(std::make_unique<FakeLineStream>(Lines{line("{}"), line(batch9)})));
  EventStreamOptions o;
  o.topics = {"Job:*", "Allocation:web"};
  o.index = 5;
  o.reconnectMin = Duration::milliseconds(1);
  auto stream = client.subscribe(o);
  EXPECT_FALSE(stream->live());  // not connected yet

  auto b = run(stream->next());
  ASSERT_TRUE(b) << b.error().describe();
  EXPECT_TRUE(stream->live());
  EXPECT_EQ(fake->last().target, "/v1/event/stream?topic=Job%3A%2A&topic=Allocation%3Aweb&index=5");
  EXPECT_EQ(b->index, 7u);
  EXPECT_FALSE(b->afterReconnect);
  ASSERT_EQ(b->events.size(), 1u);
  EXPECT_EQ(b->events[0].type, "JobRegistered");
  EXPECT_EQ(b->events[0].payloadJson, R"({"Job":{"ID":"web"}})");

  b = run(stream->next());  // heartbeat timeout → reconnect from 8
  ASSERT_TRUE(b) << b.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/event/stream?topic=Job%3A%2A&topic=Allocation%3Aweb&index=8");
  EXPECT_TRUE(b->afterReconnect);
  EXPECT_EQ(b->events[0].filterKeys[0], "web");
  EXPECT_EQ(stream->lastIndex(), 9u);

  b = run(stream->next());  // server closes; next stream closes before `{}`; then resumes from 10
  ASSERT_TRUE(b) << b.error().describe();
  EXPECT_EQ(fake->last().target,
            "/v1/event/stream?topic=Job%3A%2A&topic=Allocation%3Aweb&index=10");
  EXPECT_EQ(stream->reconnects(), 3);
  EXPECT_EQ(fake->requests.size(), 4u);
  EXPECT_TRUE(stream->live());
  stream->close();
  EXPECT_FALSE(stream->live());
}

TEST_F(NomadEventsTest, EventStreamCloseEndsAPendingReadWithoutDestroyingItsStream) {
  boost::asio::io_context io;
  auto state = std::make_shared<PendingLineStream::State>();
  fake->lineStreams.push_back(
      http::LineStreamPtr(std::make_unique<PendingLineStream>(io.get_executor(), state)));
  auto stream = client.subscribe(EventStreamOptions{});
  std::optional<Result<EventBatch>> got;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { got.emplace(co_await stream->next()); },
      boost::asio::detached);
  io.poll();
  ASSERT_TRUE(state->reading);  // suspended in the stream's read, as the daemon's loop is
  stream->close();              // what a stop does
  EXPECT_FALSE(stream->live());
  io.run();
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_TRUE(got->error().is(errc::cancelled)) << got->error().describe();
  EXPECT_FALSE(state->destroyedMidRead);
  EXPECT_EQ(fake->requests.size(), 1u);  // no reconnect after a close
}

TEST_F(NomadEventsTest, EventStreamReportsRepeatedFailuresAndBadLines) {
  EventStreamOptions o;
  o.reconnectMin = Duration::milliseconds(1);
  o.reconnectMax = Duration::milliseconds(2);
  o.maxConsecutiveFailures = 2;
  auto stream = client.subscribe(o);
  auto b = run(stream->next());  // no scripted streams: every connect fails
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error().is(errc::connection_failed));
  EXPECT_EQ(fake->requests.size(), 2u);
  EXPECT_EQ(fake->last().target, "/v1/event/stream");

  fake->lineStreams.push_back(http::LineStreamPtr(
      std::make_unique<FakeLineStream>(Lines{line("{}"), line(R"({"Index":"x","Events":[]})")})));
  b = run(stream->next());
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error().is(errc::protocol_error));
  EXPECT_NE(b.error().message.find("Index"), std::string::npos);
}

}  // namespace
}  // namespace nc::nomad
