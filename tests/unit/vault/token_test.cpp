// Token renewal timing (pure plan + TokenManager with a ManualClock), token files, AppRole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_transport.hpp"
#include "vault/token_manager.hpp"

namespace nc::vault {
namespace {

using nc::testing::FakeTransport;
using nc::testing::headerOr;
using nc::testing::run;
using std::chrono::seconds;

Clock::MonoTime t0() {
  return Clock::MonoTime{} + std::chrono::hours(1);
}

TEST(PlanTokenRefresh, RenewableTokenRenewsAtTwoThirdsOfTtl) {
  TokenLease l{t0(), 3600, true, 0, {}};
  auto p = planTokenRefresh(l, false, t0());
  EXPECT_EQ(p.action, TokenAction::renew);
  EXPECT_EQ(p.at, t0() + seconds(2400));
}

TEST(PlanTokenRefresh, NonExpiringTokenNeedsNothing) {
  TokenLease l{t0(), 0, false, 0, {}};
  EXPECT_EQ(planTokenRefresh(l, true, t0()).action, TokenAction::none);
}

TEST(PlanTokenRefresh, NonRenewableTokenIsReplacedByLoginOrLeftAlone) {
  TokenLease l{t0(), 600, false, 0, {}};
  auto p = planTokenRefresh(l, true, t0());
  EXPECT_EQ(p.action, TokenAction::login);
  EXPECT_EQ(p.at, t0() + seconds(400));
  EXPECT_EQ(planTokenRefresh(l, false, t0()).action, TokenAction::none);
}

TEST(PlanTokenRefresh, TtlCappedByMaxTtlSwitchesToLogin) {
  TokenLease l{t0(), 5, true, 0, {}};  // renewal returned almost nothing
  EXPECT_EQ(planTokenRefresh(l, true, t0()).action, TokenAction::login);
  EXPECT_EQ(planTokenRefresh(l, false, t0()).action, TokenAction::renew);  // best effort
}

TEST(PlanTokenRefresh, FailuresBackOffButStayBeforeExpiry) {
  TokenLease l{t0(), 3600, true, 1, t0() + seconds(2400)};
  auto p = planTokenRefresh(l, false, t0() + seconds(2400));
  EXPECT_EQ(p.action, TokenAction::renew);
  EXPECT_EQ(p.at, t0() + seconds(2401));
  l.consecutiveFailures = 4;
  EXPECT_EQ(planTokenRefresh(l, false, t0()).at, t0() + seconds(2408));
  l.consecutiveFailures = 30;
  EXPECT_EQ(planTokenRefresh(l, false, t0()).at, t0() + seconds(2460));  // capped at 60 s
  l.lastFailureAt = t0() + seconds(3590);  // close to expiry: retry no later than expiry - 1 s
  EXPECT_EQ(planTokenRefresh(l, false, t0()).at, t0() + seconds(3599));
}

TEST(PlanTokenRefresh, ExpiredTokenNeedsLogin) {
  TokenLease l{t0(), 60, true, 2, t0() + seconds(59)};
  auto p = planTokenRefresh(l, true, t0() + seconds(61));
  EXPECT_EQ(p.action, TokenAction::login);
  EXPECT_EQ(planTokenRefresh(l, false, t0() + seconds(61)).action, TokenAction::none);
}

std::string authBody(const std::string& token, int ttl, bool renewable) {
  return R"({"request_id":"1","lease_id":"","renewable":false,"lease_duration":0,"data":null,"warnings":null,)"
         R"("auth":{"client_token":")" +
         token +
         R"(","accessor":"a","policies":["certd"],"metadata":null,)"
         R"("lease_duration":)" +
         std::to_string(ttl) + R"(,"renewable":)" + (renewable ? "true" : "false") + "}}";
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("nc-vault-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name, std::ios::trunc) << content;
    return path / name;
  }
};

TEST(TokenManager, AppRoleLoginThenRenewAtTwoThirdsThenReloginWhenNotRenewable) {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  auto fake = std::make_shared<FakeTransport>();
  auto slot = std::make_shared<MemoryTokenSource>();
  auto client = std::make_shared<VaultClient>(fake, slot, Options{});
  TokenManagerOptions o;
  o.roleIdFile = dir.write("role-id", "role-123\n").string();
  o.secretIdFile = dir.write("secret-id", "secret-456\n").string();
  TokenManager mgr(client, clock, o, slot);
  ASSERT_TRUE(mgr.canLogin());

  fake->push(200, authBody("hvs.FIRST", 3600, true));
  ASSERT_TRUE(run(mgr.start()));
  EXPECT_EQ(fake->last().target, "/v1/auth/approle/login");
  EXPECT_EQ(fake->last().body, R"({"role_id":"role-123","secret_id":"secret-456"})");
  EXPECT_EQ(*slot->token(), "hvs.FIRST");

  clock->advance(seconds(2399));
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::none);
  EXPECT_EQ(fake->requests.size(), 1u);

  clock->advance(seconds(1));
  fake->push(200, authBody("hvs.FIRST", 3600, true));
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::renew);
  EXPECT_EQ(fake->last().target, "/v1/auth/token/renew-self");
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), "hvs.FIRST");
  EXPECT_EQ(mgr.plan().at, clock->monotonic() + seconds(2400));

  // Renewal fails: retried after 1 s, then the token turns out non-renewable → login.
  clock->advance(seconds(2400));
  fake->push(400, R"({"errors":["lease is not renewable"]})");
  auto failed = run(mgr.refreshIfDue());
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("lease is not renewable"), std::string::npos);
  EXPECT_EQ(mgr.lease().consecutiveFailures, 1);
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::none);  // backoff not over
  clock->advance(seconds(1));
  fake->push(200, authBody("hvs.FIRST", 1000, false));
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::renew);
  EXPECT_EQ(mgr.plan().action, TokenAction::login);
  clock->advance(seconds(667));
  fake->push(200, authBody("hvs.SECOND", 3600, true));
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::login);
  EXPECT_EQ(*slot->token(), "hvs.SECOND");
}

TEST(TokenManager, MissingSecretIdFileIsAnErrorWithoutContent) {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  auto fake = std::make_shared<FakeTransport>();
  auto slot = std::make_shared<MemoryTokenSource>();
  TokenManagerOptions o;
  o.roleIdFile = dir.write("role-id", "role-123").string();
  o.secretIdFile = (dir.path / "absent").string();
  TokenManager mgr(std::make_shared<VaultClient>(fake, slot, Options{}), clock, o, slot);
  auto r = run(mgr.start());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::io_error));
  EXPECT_NE(r.error().message.find("absent"), std::string::npos);
  EXPECT_TRUE(fake->requests.empty());
}

TEST(TokenManager, TokenFileChangeTriggersLookup) {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  auto fake = std::make_shared<FakeTransport>();
  auto path = dir.write("token", "hvs.ONE\n");
  auto file = std::make_shared<FileTokenSource>(path, clock, std::chrono::milliseconds(0));
  auto client = std::make_shared<VaultClient>(fake, file, Options{});
  TokenManager mgr(client, clock, {}, nullptr, file);
  fake->push(200, R"({"data":{"ttl":0,"renewable":false}})");
  ASSERT_TRUE(run(mgr.start()));
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), "hvs.ONE");
  EXPECT_EQ(mgr.plan().action, TokenAction::none);

  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::none);
  EXPECT_EQ(fake->requests.size(), 1u);  // nothing changed, nothing sent

  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct mtime
  dir.write("token", "hvs.TWO-LONGER\n");
  fake->push(200, R"({"data":{"ttl":600,"renewable":true}})");
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::none);
  EXPECT_EQ(fake->requests.size(), 2u);
  EXPECT_EQ(fake->last().target, "/v1/auth/token/lookup-self");
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), "hvs.TWO-LONGER");
  EXPECT_EQ(mgr.lease().ttlSeconds, 600);
}

TEST(FileTokenSource, RereadsOnlyWhenChangedAndKeepsLastGoodToken) {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  auto path = dir.write("token", "  hvs.A \n");
  FileTokenSource src(path, clock, std::chrono::seconds(1));
  EXPECT_EQ(*src.token(), "  hvs.A");
  EXPECT_EQ(src.loads(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  dir.write("token", "hvs.B");
  EXPECT_EQ(*src.token(), "  hvs.A");  // within the recheck interval
  clock->advance(seconds(1));
  EXPECT_EQ(*src.token(), "hvs.B");
  EXPECT_EQ(src.loads(), 2);
  clock->advance(seconds(1));
  EXPECT_EQ(*src.token(), "hvs.B");
  EXPECT_EQ(src.loads(), 2);
  std::filesystem::remove(path);
  clock->advance(seconds(1));
  EXPECT_EQ(*src.token(), "hvs.B");  // briefly absent during an atomic replace

  FileTokenSource missing(dir.path / "nope", clock);
  auto r = missing.token();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::io_error));
}

}  // namespace
}  // namespace nc::vault
