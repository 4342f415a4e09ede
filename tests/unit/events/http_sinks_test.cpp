// The HTTP sinks over a scripted Transport: request shape, signature, status handling.
#include "events/http_sinks.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "events/sink_payloads.hpp"

namespace nc::events {
namespace {

namespace asio = boost::asio;

class ScriptedTransport final : public http::Transport {
 public:
  std::vector<http::Request> sent;
  int status = 200;
  asio::awaitable<Result<http::Response>> send(http::Request r) override {
    sent.push_back(r);
    if (status == 0) co_return Error(errc::connection_failed, "connection refused");
    http::Response res;
    res.status = status;
    res.body = status == 200 ? "" : "bad alerts";
    co_return res;
  }
  asio::awaitable<Result<http::LineStreamPtr>> openLineStream(http::Request) override {
    co_return Error(errc::not_implemented, "unused");
  }
  asio::awaitable<Result<http::WebSocketPtr>> openWebSocket(http::Request) override {
    co_return Error(errc::not_implemented, "unused");
  }
  const std::string& baseUrl() const override { return url_; }

 private:
  std::string url_ = "http://127.0.0.1:9093";
};

template <class T>
T run(asio::awaitable<T> op) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, std::move(op), asio::use_future);
  io.run();
  return fut.get();
}

Alert sample() {
  Alert a;
  a.name = "CertificateExpired";
  a.labels = {{"job", "web"}};
  a.startsAt = TimePoint(std::chrono::seconds(1'800'000'000));
  return a;
}

TEST(AlertmanagerSink, PostsTheV2Body) {
  auto t = std::make_shared<ScriptedTransport>();
  auto clock = std::make_shared<ManualClock>();
  AlertmanagerSink sink(t, clock, {});
  ASSERT_TRUE(run(sink.deliver({sample()})));
  ASSERT_EQ(t->sent.size(), 1u);
  EXPECT_EQ(t->sent[0].method, "POST");
  EXPECT_EQ(t->sent[0].target, "/api/v2/alerts");
  EXPECT_EQ(*http::findHeader(t->sent[0].headers, "content-type"), "application/json");
  EXPECT_EQ(t->sent[0].body,
            alertmanagerBody({sample()}, clock->now(), Duration::seconds(3600), ""));
}

TEST(AlertmanagerSink, Non2xxAndTransportErrorsFail) {
  auto t = std::make_shared<ScriptedTransport>();
  AlertmanagerSink sink(t, std::make_shared<ManualClock>(), {});
  t->status = 400;
  auto bad = run(sink.deliver({sample()}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("400: bad alerts"), std::string::npos);
  t->status = 0;
  EXPECT_FALSE(run(sink.deliver({sample()})));
}

TEST(WebhookSink, SignsTheBody) {
  auto t = std::make_shared<ScriptedTransport>();
  WebhookSinkOptions o;
  o.path = "/hooks/certs";
  o.headers = {{"X-Team", "ops"}};
  o.hmacSecret = "k3y";
  WebhookSink sink(t, o);
  ASSERT_TRUE(run(sink.deliver({sample()})));
  const auto& req = t->sent.at(0);
  EXPECT_EQ(req.target, "/hooks/certs");
  EXPECT_EQ(*http::findHeader(req.headers, "x-team"), "ops");
  EXPECT_EQ(*http::findHeader(req.headers, "X-Nomad-Certd-Signature"),
            hmacSignature("k3y", req.body));
}

}  // namespace
}  // namespace nc::events
