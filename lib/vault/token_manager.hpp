// TokenManager: keeps the daemon's own Vault token alive (renew at ~2/3 of its TTL, AppRole
// re-login when renewal is impossible), with the timing decision as a pure function.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "vault/token_source.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {

/// What is known about the current token (from login, renew or lookup-self).
struct TokenLease {
  Clock::MonoTime obtainedAt{};
  std::int64_t ttlSeconds = 0;  ///< 0 = never expires (root / no TTL)
  bool renewable = false;
  int consecutiveFailures = 0;
  Clock::MonoTime lastFailureAt{};
};

enum class TokenAction { none, renew, login };
const char* toString(TokenAction a);

struct TokenPlan {
  TokenAction action = TokenAction::none;
  Clock::MonoTime at = Clock::MonoTime::max();
};

/// Pure decision: renew a renewable token at obtainedAt + 2/3·TTL; a token that cannot be
/// renewed (or whose TTL came back below 10 s, i.e. capped by its max TTL) is replaced by a
/// fresh login at the same point when `canLogin`; a failed attempt is retried with
/// exponential backoff (1 s doubling to 60 s) but never later than the expiry; once expired
/// only a login can help.
TokenPlan planTokenRefresh(const TokenLease& lease, bool canLogin, Clock::MonoTime now);

struct TokenManagerOptions {
  std::string appRoleMount = "approle";
  std::string roleIdFile, secretIdFile;    ///< both set = AppRole login available
  std::int64_t renewIncrementSeconds = 0;  ///< 0 = let Vault choose
};

class TokenManager {
 public:
  /// `slot` receives tokens from AppRole logins (the client's TokenSource when AppRole is
  /// used; may be null otherwise). `file` is the client's token file source, if any, so a
  /// changed file triggers a fresh lookup-self.
  TokenManager(std::shared_ptr<VaultClient> client, ClockPtr clock, TokenManagerOptions options,
               std::shared_ptr<MemoryTokenSource> slot = nullptr,
               std::shared_ptr<FileTokenSource> file = nullptr);

  bool canLogin() const;
  /// Logs in (AppRole) or looks the current token up. Errors: login/lookup failures.
  boost::asio::awaitable<Result<void>> start();
  /// Performs the planned action if it is due; returns what was done.
  boost::asio::awaitable<Result<TokenAction>> refreshIfDue();
  /// Loops until the coroutine is cancelled: sleeps until the plan, then acts. Failures are
  /// logged (never the token) and retried by the plan's backoff.
  boost::asio::awaitable<void> run();

  const TokenLease& lease() const { return lease_; }
  TokenPlan plan() const { return planTokenRefresh(lease_, canLogin(), clock_->monotonic()); }

 private:
  boost::asio::awaitable<Result<void>> login();
  boost::asio::awaitable<Result<void>> lookup();
  void recordFailure();

  std::shared_ptr<VaultClient> client_;
  ClockPtr clock_;
  TokenManagerOptions options_;
  std::shared_ptr<MemoryTokenSource> slot_;
  std::shared_ptr<FileTokenSource> file_;
  int seenFileLoads_ = -1;
  TokenLease lease_;
};

}  // namespace nc::vault
