// WorkQueue and TokenBucket: pure, clock-driven scheduling of reconcile work and writes.
#include "reconcile/work_queue.hpp"

#include <algorithm>
#include <chrono>

namespace nc::reconcile {

WorkQueue::WorkQueue(Duration backoffBase, Duration backoffCap)
    : base_(backoffBase), cap_(backoffCap) {}

void WorkQueue::add(const ResourceKey& key, MonoTime readyAt) {
  auto [it, fresh] = items_.emplace(key, readyAt);
  if (!fresh) it->second = std::min(it->second, readyAt);
}

void WorkQueue::remove(const ResourceKey& key) {
  items_.erase(key);
}

std::optional<ResourceKey> WorkQueue::pop(MonoTime now) {
  auto best = items_.end();
  for (auto it = items_.begin(); it != items_.end(); ++it)
    if (it->second <= now && (best == items_.end() || it->second < best->second)) best = it;
  if (best == items_.end()) return std::nullopt;
  ResourceKey key = best->first;
  items_.erase(best);
  return key;
}

std::optional<MonoTime> WorkQueue::nextReady() const {
  std::optional<MonoTime> out;
  for (const auto& [k, t] : items_)
    if (!out || t < *out) out = t;
  return out;
}

int WorkQueue::failures(const ResourceKey& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

Duration WorkQueue::backoffFor(int failures) const {
  if (failures <= 0) return Duration();
  auto d = base_.nanos();
  for (int i = 1; i < failures && d < cap_.nanos(); ++i) d *= 2;
  return Duration(std::min(d, cap_.nanos()));
}

Duration WorkQueue::retryAfterFailure(const ResourceKey& key, MonoTime now) {
  const Duration d = backoffFor(++failures_[key]);
  add(key, now + d.as<MonoTime::duration>());
  return d;
}

TokenBucket::TokenBucket(double rate, double burst, MonoTime now)
    : rate_(rate > 0 ? rate : 1.0), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

void TokenBucket::refill(MonoTime now) {
  if (now <= last_) return;
  const double secs = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + secs * rate_);
  last_ = now;
}

bool TokenBucket::ready(MonoTime now) {
  return tokens(now) >= 1.0 - 1e-9;
}

MonoTime TokenBucket::readyAt(MonoTime now) {
  const double missing = 1.0 - tokens(now);
  if (missing <= 1e-9) return now;
  return now + std::chrono::duration_cast<MonoTime::duration>(
                   std::chrono::duration<double>(missing / rate_));
}

void TokenBucket::take(MonoTime now, double n) {
  refill(now);
  tokens_ -= n;
}

double TokenBucket::tokens(MonoTime now) {
  refill(now);
  return tokens_;
}

}  // namespace nc::reconcile
