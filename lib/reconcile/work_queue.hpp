// Level-based work queue of resource keys (de-duplicated, per-key backoff) and a write token
// bucket.
#pragma once

#include <map>
#include <optional>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "reconcile/resource.hpp"

namespace nc::reconcile {

using MonoTime = Clock::MonoTime;

/// Keys waiting to be reconciled, each with the time it becomes ready. Adding a key that is
/// already queued keeps one entry at the earlier of the two times (de-duplication): the
/// reconcile reads the world fresh, so one pass covers every reason it was queued.
class WorkQueue {
 public:
  /// Backoff after the n-th consecutive failure of a key: base * 2^(n-1), at most cap.
  WorkQueue(Duration backoffBase = Duration::milliseconds(5),
            Duration backoffCap = Duration::seconds(300));

  void add(const ResourceKey& key, MonoTime readyAt);
  void remove(const ResourceKey& key);
  bool contains(const ResourceKey& key) const { return items_.count(key) > 0; }
  std::size_t size() const { return items_.size(); }

  /// The earliest-ready key whose time is <= now, removed from the queue.
  std::optional<ResourceKey> pop(MonoTime now);
  /// When the earliest key becomes ready (nothing when empty).
  std::optional<MonoTime> nextReady() const;

  /// Records a failure and re-queues the key after its backoff; returns that backoff.
  Duration retryAfterFailure(const ResourceKey& key, MonoTime now);
  /// Clears the key's failure count (after a success).
  void forget(const ResourceKey& key) { failures_.erase(key); }
  int failures(const ResourceKey& key) const;
  Duration backoffFor(int failures) const;

 private:
  std::map<ResourceKey, MonoTime> items_;
  std::map<ResourceKey, int> failures_;
  Duration base_, cap_;
};

/// Token bucket for backend writes: `rate` tokens per second, holding at most `burst`.
/// A write may take the bucket into debt (take() after the write); later writes wait until
/// it is positive again, so the long-run rate never exceeds `rate`.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst, MonoTime now);
  /// True when a write may start now.
  bool ready(MonoTime now);
  /// When the next write may start (now when ready).
  MonoTime readyAt(MonoTime now);
  void take(MonoTime now, double n = 1.0);
  double tokens(MonoTime now);

 private:
  void refill(MonoTime now);
  double rate_, burst_, tokens_;
  MonoTime last_;
};

}  // namespace nc::reconcile
