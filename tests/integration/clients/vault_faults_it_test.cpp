// VaultClient over the real transport against a misbehaving vault-sim (its /_sim/ fault rules
// and standby mode): 503 -> retry -> success, 403 not retried, dropped connections, a slow
// server, 429, and a standby's 307 followed only to an allowed active node.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/client.hpp"
#include "sim_process.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {
namespace {

using nc::testing::runOn;
using nc::testing::SimProcess;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kRoot = "root-faults-token";
constexpr int kAttempts = 8;

SimProcess* startVault() {
  return new SimProcess(nc::testing::binaryPath("vault-sim"),
                        {"--listen", "127.0.0.1:0", "--root-token", kRoot});
}

class VaultFaultsIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = startVault(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    transport_ = makeTransport(sim_->url(), {});
    client_ = std::make_unique<VaultClient>(transport_, std::make_shared<StaticTokenSource>(kRoot));
    ASSERT_TRUE(admin("DELETE", "/_sim/faults", ""));
    ASSERT_TRUE(admin("DELETE", "/_sim/counters", ""));
  }
  void TearDown() override {
    admin("DELETE", "/_sim/faults", "");
    transport_->shutdown();
  }

  http::HttpTransportPtr makeTransport(const std::string& url, std::vector<std::string> allow,
                                       Duration timeout = Duration::seconds(10)) {
    http::ClientOptions o;
    o.baseUrl = url;
    o.name = "vault";
    o.retry.baseDelay = Duration::milliseconds(40);
    o.retry.maxDelay = Duration::milliseconds(200);
    o.retry.maxAttempts = kAttempts;
    o.retry.budgetTokens = 1000;  // the default budget (10) would end a storm after 5 attempts
    o.requestTimeout = timeout;
    o.redirectAllowList = std::move(allow);
    auto t = http::makeTransport(io_, o);
    EXPECT_TRUE(t) << t.error().describe();
    return *t;
  }
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return runOn(io_, std::move(task));
  }
  /// A /_sim/ admin call on the simulator (not retried); true when it answered 2xx.
  bool admin(const std::string& method, const std::string& target, const std::string& body) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.idempotent = false;
    auto res = run(transport_->send(std::move(r)));
    EXPECT_TRUE(res) << res.error().describe();
    EXPECT_TRUE(!res || (res->status >= 200 && res->status < 300)) << target << ": " << res->body;
    return res && res->status >= 200 && res->status < 300;
  }
  /// Requests the simulator received for a path and method.
  int count(const std::string& path, const std::string& method) {
    http::Request r;
    r.target = "/_sim/counters?prefix=" + path;
    auto res = run(transport_->send(std::move(r)));
    if (!res) return -1;
    rapidjson::Document d;
    d.Parse(res->body.c_str());
    if (!d.IsObject() || !d.HasMember("paths") || !d["paths"].HasMember(path.c_str())) return 0;
    const auto& p = d["paths"][path.c_str()];
    return p.HasMember(method.c_str()) ? p[method.c_str()].GetInt() : 0;
  }

  static SimProcess* sim_;
  boost::asio::io_context io_;
  http::HttpTransportPtr transport_;
  std::unique_ptr<VaultClient> client_;
};
SimProcess* VaultFaultsIt::sim_ = nullptr;

// Removes every fault rule once the simulator has counted a request under `prefix`, while
// the client is busy retrying (its backoff over kAttempts is far longer than this loop).
boost::asio::awaitable<void> clearFaultsAfterFirstHit(http::TransportPtr t, std::string prefix) {
  for (int i = 0; i < 400; ++i) {
    http::Request c;
    c.target = "/_sim/counters?prefix=" + prefix;
    auto r = co_await t->send(std::move(c));
    if (r && r->body.find(prefix) != std::string::npos) break;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                    std::chrono::milliseconds(5));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  http::Request d;
  d.method = "DELETE";
  d.target = "/_sim/faults";
  (void)co_await t->send(std::move(d));
}

TEST_F(VaultFaultsIt, Retries503UntilTheServerRecovers) {
  ASSERT_TRUE(admin("POST", "/_sim/faults", R"({"prefix":"/v1/sys/mounts","status":503})"));
  boost::asio::co_spawn(io_, clearFaultsAfterFirstHit(transport_, "/v1/sys/mounts"),
                        boost::asio::detached);
  auto mounts = run(client_->listMounts());
  ASSERT_TRUE(mounts) << mounts.error().describe();
  EXPECT_FALSE(mounts->empty());
  EXPECT_GE(count("/v1/sys/mounts", "GET"), 2);
}

TEST_F(VaultFaultsIt, Persistent503EndsAfterMaxAttemptsWithVaultsText) {
  ASSERT_TRUE(admin(
      "POST", "/_sim/faults",
      R"({"prefix":"/v1/sys/mounts","status":503,"body":"{\"errors\":[\"Vault is sealed\"]}"})"));
  auto mounts = run(client_->listMounts());
  ASSERT_FALSE(mounts);
  EXPECT_NE(mounts.error().message.find("Vault is sealed"), std::string::npos)
      << mounts.error().message;
  EXPECT_EQ(count("/v1/sys/mounts", "GET"), kAttempts);
}

TEST_F(VaultFaultsIt, Forbidden403IsNotRetried) {
  VaultClient stranger(transport_, std::make_shared<StaticTokenSource>("not-a-token"));
  auto denied = run(stranger.listMounts());
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().is(errc::permission_denied)) << denied.error().describe();
  EXPECT_EQ(count("/v1/sys/mounts", "GET"), 1);
}

TEST_F(VaultFaultsIt, DroppedConnectionsRetryIdempotentRequestsOnly) {
  ASSERT_TRUE(admin("POST", "/_sim/faults", R"({"prefix":"/v1/sys/policies/acl","reset":true})"));
  // A fresh transport: a drop on a reused keep-alive connection earns one extra replay for
  // idempotent requests, which would blur the count.
  auto fresh = makeTransport(sim_->url(), {});
  VaultClient v(fresh, std::make_shared<StaticTokenSource>(kRoot));
  auto read = run(v.readPolicy("default"));
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().is(errc::connection_failed)) << read.error().describe();
  EXPECT_EQ(count("/v1/sys/policies/acl/default", "GET"), kAttempts);

  // A POST that may have been applied is never re-sent, not even on a reused connection.
  auto write = run(client_->call("POST", "sys/policies/acl/x", R"({"policy":""})"));
  ASSERT_FALSE(write);
  EXPECT_TRUE(write.error().is(errc::connection_failed));
  EXPECT_EQ(count("/v1/sys/policies/acl/x", "POST"), 1);
  fresh->shutdown();
}

TEST_F(VaultFaultsIt, SlowServerHitsTheRequestDeadline) {
  ASSERT_TRUE(
      admin("POST", "/_sim/faults", R"({"prefix":"/v1/sys/seal-status","latency_ms":3000})"));
  auto fast = makeTransport(sim_->url(), {}, Duration::milliseconds(300));
  Options opts;
  opts.requestTimeout = Duration::milliseconds(300);  // VaultClient sets it on every request
  VaultClient v(fast, std::make_shared<StaticTokenSource>(kRoot), opts);
  auto start = SteadyClock::now();
  auto s = run(v.sealStatus());
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::timeout)) << s.error().describe();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(2000));
  fast->shutdown();
}

// (The simulator's rules send no Retry-After header; honouring it is tested against the lib/http
// server in HttpClient.HonoursRetryAfter and in retry_policy_test.)
TEST_F(VaultFaultsIt, TooManyRequests429IsRetried) {
  ASSERT_TRUE(admin("POST", "/_sim/faults", R"({"prefix":"/v1/sys/mounts","status":429})"));
  boost::asio::co_spawn(io_, clearFaultsAfterFirstHit(transport_, "/v1/sys/mounts"),
                        boost::asio::detached);
  auto mounts = run(client_->listMounts());
  ASSERT_TRUE(mounts) << mounts.error().describe();
  EXPECT_GE(count("/v1/sys/mounts", "GET"), 2);
}

/// A LIST of policies sent the way a client that wants no forwarding sends it.
http::Request noForwardingList() {
  http::Request r;
  r.method = "LIST";
  r.target = "/v1/sys/policies/acl";
  r.headers.push_back({"X-Vault-Token", kRoot});
  r.headers.push_back({"X-Vault-No-Request-Forwarding", "true"});
  return r;
}

TEST_F(VaultFaultsIt, StandbyRedirectIsFollowedOnlyToAnAllowedActiveNode) {
  std::unique_ptr<SimProcess> active(startVault());
  const std::string body = R"({"active_address":")" + active->url() + R"("})";
  ASSERT_TRUE(admin("POST", "/_sim/standby", body));

  auto strict = makeTransport(sim_->url(), {});
  auto r = run(strict->send(noForwardingList()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::unavailable)) << r.error().describe();
  EXPECT_NE(r.error().message.find(active->url()), std::string::npos) << r.error().message;
  strict->shutdown();

  auto allowed = makeTransport(sim_->url(), {active->url()});
  r = run(allowed->send(noForwardingList()));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("root"), std::string::npos) << r->body;
  allowed->shutdown();
  ASSERT_TRUE(admin("POST", "/_sim/active", "{}"));

  // Only the allowed transport reached the active node, exactly once.
  http::Request c;
  c.target = "/_sim/counters?prefix=/v1/sys/policies/acl";
  auto peer = makeTransport(active->url(), {});
  auto counters = run(peer->send(std::move(c)));
  ASSERT_TRUE(counters) << counters.error().describe();
  EXPECT_NE(counters->body.find(R"("LIST":1)"), std::string::npos) << counters->body;
  peer->shutdown();
}

}  // namespace
}  // namespace nc::vault
