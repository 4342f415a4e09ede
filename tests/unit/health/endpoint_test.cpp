// Health routes: status codes, content types, readiness reasons, bearer token.
#include "health/endpoint.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace nc::health {
namespace {

using namespace std::chrono_literals;

/// A status document served as the given pieces.
StatusDocument pieces(std::vector<std::string> parts) {
  StatusDocument doc;
  for (const auto& p : parts) doc.size += p.size();
  auto left = std::make_shared<std::vector<std::string>>(std::move(parts));
  doc.next = [left, i = std::size_t{0}](std::string& out) mutable {
    out += (*left)[i++];
    return i < left->size();
  };
  return doc;
}

struct CollectingWriter : http::StreamWriter {
  std::vector<std::string> writes;
  std::size_t attempts = 0;
  std::size_t acceptWrites = SIZE_MAX;  // later writes fail, as when the client went away
  boost::asio::awaitable<bool> write(std::string chunk) override {
    ++attempts;
    if (writes.size() == acceptWrites) co_return false;
    writes.push_back(std::move(chunk));
    co_return true;
  }
};

/// Runs a streamed response's body to the end.
void drain(const http::ServerResponse& r, CollectingWriter& out) {
  ASSERT_TRUE(r.stream);
  boost::asio::io_context io;
  boost::asio::co_spawn(io, r.stream(out), boost::asio::detached);
  io.run();
}

std::string bodyOf(const http::ServerResponse& r) {
  CollectingWriter out;
  drain(r, out);
  std::string body;
  for (const auto& w : out.writes) body += w;
  return body;
}

http::ServerRequest get(std::string path, std::string auth = "") {
  http::ServerRequest r;
  r.method = "GET";
  r.path = path;
  r.target = path;
  if (!auth.empty()) r.headers.push_back({"Authorization", auth});
  return r;
}

std::string contentType(const http::ServerResponse& r) {
  auto* h = http::findHeader(r.headers, "content-type");
  return h ? *h : "";
}

TEST(Endpoint, LivenessFollowsTheLoop) {
  auto clock = std::make_shared<ManualClock>();
  HealthState state(clock, Duration::seconds(10));
  Metrics metrics;
  Endpoint ep(state, metrics, [] { return pieces({"{}"}); });
  EXPECT_EQ(ep.handle(get("/healthz")).status, 200);
  clock->advance(31s);
  auto stale = ep.handle(get("/healthz"));
  EXPECT_EQ(stale.status, 503);
  EXPECT_NE(stale.body.find("31s"), std::string::npos);
  state.tick();
  EXPECT_EQ(ep.handle(get("/healthz")).status, 200);
}

TEST(Endpoint, ReadinessListsReasons) {
  auto clock = std::make_shared<ManualClock>();
  HealthState state(clock, Duration::seconds(10));
  Metrics metrics;
  Endpoint ep(state, metrics, [] { return pieces({"{}"}); });
  EXPECT_EQ(ep.handle(get("/readyz")).body, "{\"ready\":true,\"reasons\":{}}\n");
  state.setProblem("vault", "connection refused");
  state.setProblem("spool", "disk \"full\"");
  auto r = ep.handle(get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(contentType(r), "application/json");
  EXPECT_EQ(r.body,
            "{\"ready\":false,\"reasons\":{\"spool\":\"disk \\\"full\\\"\",\"vault\":\"connection "
            "refused\"}}\n");
  state.clearProblem("vault");
  state.clearProblem("spool");
  EXPECT_EQ(ep.handle(get("/readyz")).status, 200);
}

TEST(Endpoint, MetricsAndStatusWithAndWithoutToken) {
  auto clock = std::make_shared<ManualClock>();
  HealthState state(clock, Duration::seconds(10));
  Metrics metrics;
  Endpoint open(state, metrics, [] { return pieces({"{\"version\":\"x\"}"}); });
  auto m = open.handle(get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(contentType(m), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("nomad_certd_leader 0"), std::string::npos);
  EXPECT_EQ(bodyOf(open.handle(get("/status"))), "{\"version\":\"x\"}\n");

  Endpoint locked(state, metrics, [] { return pieces({"{}"}); }, {std::string("s3cret")});
  EXPECT_EQ(locked.handle(get("/metrics")).status, 401);
  EXPECT_EQ(locked.handle(get("/status", "Bearer wrong!")).status, 401);
  EXPECT_EQ(locked.handle(get("/status", "Bearer s3cret")).status, 200);
  EXPECT_EQ(locked.handle(get("/healthz")).status, 200);  // probes need no token
  EXPECT_EQ(locked.handle(get("/nope")).status, 404);
  auto post = get("/healthz");
  post.method = "POST";
  EXPECT_EQ(locked.handle(post).status, 405);
}

TEST(Endpoint, StatusIsWrittenPieceByPieceWithItsLength) {
  auto clock = std::make_shared<ManualClock>();
  HealthState state(clock, Duration::seconds(10));
  Metrics metrics;
  int built = 0;
  Endpoint ep(state, metrics, [&built] {
    ++built;
    return pieces({"{\"rows\":[", "1,", "2", "]}"});
  });
  const auto r = ep.handle(get("/status"));
  EXPECT_EQ(built, 1);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(contentType(r), "application/json");
  CollectingWriter out;
  drain(r, out);
  EXPECT_EQ(out.writes,
            (std::vector<std::string>{"{\"rows\":[", "1,", "2", "]}\n"}));  // never joined
  ASSERT_TRUE(r.streamLength);
  EXPECT_EQ(*r.streamLength, std::string("{\"rows\":[1,2]}\n").size());

  // A client that goes away ends the response: nothing is written after the failed write.
  const auto cut = ep.handle(get("/status"));
  CollectingWriter gone;
  gone.acceptWrites = 1;
  drain(cut, gone);
  EXPECT_EQ(gone.writes.size(), 1u);
  EXPECT_EQ(gone.attempts, 2u);
}

}  // namespace
}  // namespace nc::health
