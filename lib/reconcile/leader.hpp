// Leader election on a Nomad variable lock (nomad-api.md §7.2), as a clock-driven state machine.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "nomad/nomad_api.hpp"

namespace nc::reconcile {

/// Follows the Go SDK's LockLeaser: first attempt after a random 0-99 ms; as follower try to
/// acquire, on conflict (or any error) again after 1.1×TTL; as leader renew every 0.7×TTL.
/// A failed renew ends leadership at once. isLeader() is also false once TTL has passed since
/// the last successful acquire/renew (a stalled renew never lets a stale leader write).
/// tick() performs whatever is due at the clock's time; the caller sleeps until nextAt().
///
/// Takeover: a dead holder's lock is removed by the server 2×TTL after its last renew plus
/// LockDelay, which changes the variable's ModifyIndex (so does a release). A follower also
/// runs watch() in a loop, a blocking read of the lock variable: when its index moves, the
/// next acquire is due at once. The takeover after a holder dies is then bounded by
/// 2×TTL + LockDelay (plus one round trip) instead of that plus up to 1.1×TTL; the 1.1×TTL
/// retry stays as the fallback when the read fails (e.g. no read permission on the path).
class LeaderElector {
 public:
  LeaderElector(nomad::NomadApiPtr nomad, std::string path, Duration ttl, ClockPtr clock,
                unsigned seed = std::random_device{}());

  bool isLeader() const;
  /// Holds (or believes it holds) the lock: true from acquire until a failed renew or release,
  /// even while isLeader() is false because a renew is overdue.
  bool holdsLock() const { return leader_; }
  Clock::MonoTime nextAt() const { return next_; }
  /// Acquire or renew when due; returns true when leadership changed.
  boost::asio::awaitable<bool> tick();
  /// Releases the lock when held (shutdown). Leadership ends before the request is sent.
  boost::asio::awaitable<void> release();
  /// Follower: one read of the lock variable, blocking for up to `wait` once its index is known
  /// (the first read answers at once). Returns true when the index moved (the lock was released,
  /// expired or taken): the next acquire is then due now. Does nothing as leader (false).
  boost::asio::awaitable<Result<bool>> watch(Duration wait);

  int acquireAttempts() const { return acquires_; }
  int renewals() const { return renewals_; }
  int watchReads() const { return watchReads_; }

 private:
  nomad::NomadApiPtr nomad_;
  std::string path_;
  Duration ttl_;
  ClockPtr clock_;
  bool leader_ = false;
  std::string lockId_;
  Clock::MonoTime next_, validUntil_;
  std::uint64_t watchIndex_ = 0;  ///< the lock variable's index as last read (0 = unknown)
  int acquires_ = 0, renewals_ = 0, watchReads_ = 0;
};

}  // namespace nc::reconcile
