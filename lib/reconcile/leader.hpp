// Leader election on a Nomad variable lock (nomad-api.md §7.2), as a clock-driven state machine.
#pragma once

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
class LeaderElector {
 public:
  LeaderElector(nomad::NomadApiPtr nomad, std::string path, Duration ttl, ClockPtr clock,
                unsigned seed = std::random_device{}());

  bool isLeader() const;
  Clock::MonoTime nextAt() const { return next_; }
  /// Acquire or renew when due; returns true when leadership changed.
  boost::asio::awaitable<bool> tick();
  /// Releases the lock when held (shutdown). Leadership ends before the request is sent.
  boost::asio::awaitable<void> release();

  int acquireAttempts() const { return acquires_; }
  int renewals() const { return renewals_; }

 private:
  nomad::NomadApiPtr nomad_;
  std::string path_;
  Duration ttl_;
  ClockPtr clock_;
  bool leader_ = false;
  std::string lockId_;
  Clock::MonoTime next_, validUntil_;
  int acquires_ = 0, renewals_ = 0;
};

}  // namespace nc::reconcile
