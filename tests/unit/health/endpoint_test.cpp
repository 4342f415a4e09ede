// Health routes: status codes, content types, readiness reasons, bearer token.
#include "health/endpoint.hpp"

#include <gtest/gtest.h>

namespace nc::health {
namespace {

using namespace std::chrono_literals;

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
  Endpoint ep(state, metrics, [] { return std::string("{}"); });
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
  Endpoint ep(state, metrics, [] { return std::string("{}"); });
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
  Endpoint open(state, metrics, [] { return std::string("{\"version\":\"x\"}"); });
  auto m = open.handle(get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(contentType(m), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("nomad_certd_leader 0"), std::string::npos);
  EXPECT_EQ(open.handle(get("/status")).body, "{\"version\":\"x\"}\n");

  Endpoint locked(state, metrics, [] { return std::string("{}"); }, {std::string("s3cret")});
  EXPECT_EQ(locked.handle(get("/metrics")).status, 401);
  EXPECT_EQ(locked.handle(get("/status", "Bearer wrong!")).status, 401);
  EXPECT_EQ(locked.handle(get("/status", "Bearer s3cret")).status, 200);
  EXPECT_EQ(locked.handle(get("/healthz")).status, 200);  // probes need no token
  EXPECT_EQ(locked.handle(get("/nope")).status, 404);
  auto post = get("/healthz");
  post.method = "POST";
  EXPECT_EQ(locked.handle(post).status, 405);
}

}  // namespace
}  // namespace nc::health
