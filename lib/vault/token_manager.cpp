// TokenManager: renewal timing (pure) and the renew / login / lookup loop.
#include "vault/token_manager.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nc::vault {
namespace {

using std::chrono::seconds;
constexpr std::int64_t kMinUsefulTtl = 10;  // seconds; below this a renewal buys nothing

}  // namespace

const char* toString(TokenAction a) {
  switch (a) {
    case TokenAction::none:
      return "none";
    case TokenAction::renew:
      return "renew";
    case TokenAction::login:
      return "login";
  }
  return "none";
}

TokenPlan planTokenRefresh(const TokenLease& lease, bool canLogin, Clock::MonoTime now) {
  if (lease.ttlSeconds <= 0) {
    // Unknown or non-expiring token: only a failed login/lookup needs another attempt.
    if (lease.consecutiveFailures > 0 && canLogin) {
      auto backoff =
          seconds(std::min<std::int64_t>(60, 1LL << std::min(lease.consecutiveFailures - 1, 6)));
      return {TokenAction::login, lease.lastFailureAt + backoff};
    }
    return {};
  }
  const auto expiry = lease.obtainedAt + seconds(lease.ttlSeconds);
  const bool renewUseful = lease.renewable && lease.ttlSeconds >= kMinUsefulTtl;
  TokenAction action = renewUseful       ? TokenAction::renew
                       : canLogin        ? TokenAction::login
                       : lease.renewable ? TokenAction::renew
                                         : TokenAction::none;
  if (action == TokenAction::none) return {};
  if (now >= expiry) {
    // Renewing an expired token fails for sure; a login is the only way back.
    if (canLogin)
      action = TokenAction::login;
    else if (lease.consecutiveFailures > 0)
      return {};
  }
  if (lease.consecutiveFailures > 0) {
    auto backoff =
        seconds(std::min<std::int64_t>(60, 1LL << std::min(lease.consecutiveFailures - 1, 6)));
    auto at = lease.lastFailureAt + backoff;
    if (action == TokenAction::renew)
      at = std::min(at, std::max(expiry - seconds(1), lease.lastFailureAt));
    return {action, at};
  }
  return {action, lease.obtainedAt + seconds(lease.ttlSeconds * 2 / 3)};
}

TokenManager::TokenManager(std::shared_ptr<VaultClient> client, ClockPtr clock,
                           TokenManagerOptions options, std::shared_ptr<MemoryTokenSource> slot,
                           std::shared_ptr<FileTokenSource> file)
    : client_(std::move(client)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      slot_(std::move(slot)),
      file_(std::move(file)) {}

bool TokenManager::canLogin() const {
  return slot_ && !options_.roleIdFile.empty() && !options_.secretIdFile.empty();
}

void TokenManager::recordFailure() {
  ++lease_.consecutiveFailures;
  lease_.lastFailureAt = clock_->monotonic();
}

boost::asio::awaitable<Result<void>> TokenManager::login() {
  auto roleId = readSecretFile(options_.roleIdFile);
  if (!roleId) co_return Error(roleId.error().code, "approle role-id: " + roleId.error().message);
  auto secretId = readSecretFile(options_.secretIdFile);
  if (!secretId)
    co_return Error(secretId.error().code, "approle secret-id: " + secretId.error().message);
  auto auth = co_await client_->loginAppRole(options_.appRoleMount, *roleId, *secretId);
  if (!auth) co_return auth.error();
  slot_->set(auth->clientToken);
  lease_ = TokenLease{clock_->monotonic(), auth->leaseDuration, auth->renewable, 0, {}};
  spdlog::info("vault: approle login ok (ttl {}s, renewable {})", auth->leaseDuration,
               auth->renewable);
  co_return Result<void>();
}

boost::asio::awaitable<Result<void>> TokenManager::lookup() {
  if (file_) seenFileLoads_ = file_->loads();
  auto info = co_await client_->lookupSelf();
  if (!info) co_return info.error();
  if (file_) seenFileLoads_ = file_->loads();  // the lookup itself may have (re)loaded the file
  lease_ = TokenLease{clock_->monotonic(), info->ttl, info->renewable, 0, {}};
  spdlog::info("vault: token looked up (ttl {}s, renewable {})", info->ttl, info->renewable);
  co_return Result<void>();
}

boost::asio::awaitable<Result<void>> TokenManager::start() {
  Result<void> r;
  if (canLogin())
    r = co_await login();
  else
    r = co_await lookup();
  if (!r) recordFailure();
  co_return r;
}

boost::asio::awaitable<Result<TokenAction>> TokenManager::refreshIfDue() {
  if (file_) (void)file_->token();  // notices a rewritten file (cheap stat, rate-limited)
  if (file_ && file_->loads() != seenFileLoads_) {
    // The token file changed: whatever we knew about the old token is void.
    auto r = co_await lookup();
    if (!r) {
      recordFailure();
      co_return r.error();
    }
  }
  auto plan = planTokenRefresh(lease_, canLogin(), clock_->monotonic());
  if (plan.action == TokenAction::none || clock_->monotonic() < plan.at)
    co_return TokenAction::none;
  if (plan.action == TokenAction::login) {
    auto r = co_await login();
    if (!r) {
      recordFailure();
      co_return r.error();
    }
    co_return TokenAction::login;
  }
  auto auth = co_await client_->renewSelf(options_.renewIncrementSeconds);
  if (!auth) {
    recordFailure();
    co_return auth.error();
  }
  lease_ = TokenLease{clock_->monotonic(), auth->leaseDuration, auth->renewable, 0, {}};
  spdlog::debug("vault: token renewed (ttl {}s)", auth->leaseDuration);
  co_return TokenAction::renew;
}

boost::asio::awaitable<void> TokenManager::run() {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    auto plan = planTokenRefresh(lease_, canLogin(), clock_->monotonic());
    // Wake at least every 30 s so a rewritten token file is noticed.
    auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(seconds(30));
    if (plan.action != TokenAction::none)
      wait = std::clamp<std::chrono::steady_clock::duration>(
          plan.at - clock_->monotonic(), std::chrono::steady_clock::duration::zero(), wait);
    timer.expires_after(wait);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;  // cancelled: shutting down
    auto r = co_await refreshIfDue();
    if (!r) spdlog::warn("vault: token refresh failed: {}", r.error().describe());
  }
}

}  // namespace nc::vault
