// LeaderElector: acquire / renew / release of the Nomad variable lock with the SDK's timings.
#include "reconcile/leader.hpp"

#include <spdlog/spdlog.h>

namespace nc::reconcile {
namespace {
Clock::MonoTime::duration scaled(Duration d, double f) {
  return std::chrono::duration_cast<Clock::MonoTime::duration>(
      std::chrono::duration<double, std::nano>(static_cast<double>(d.nanos().count()) * f));
}
}  // namespace

LeaderElector::LeaderElector(nomad::NomadApiPtr nomad, std::string path, Duration ttl,
                             ClockPtr clock, unsigned seed)
    : nomad_(std::move(nomad)), path_(std::move(path)), ttl_(ttl), clock_(std::move(clock)) {
  std::mt19937 rng(seed);
  next_ = clock_->monotonic() + std::chrono::milliseconds(rng() % 100);
}

bool LeaderElector::isLeader() const {
  return leader_ && clock_->monotonic() < validUntil_;
}

boost::asio::awaitable<bool> LeaderElector::tick() {
  const auto now = clock_->monotonic();
  if (now < next_) co_return false;
  if (!leader_) {
    ++acquires_;
    auto r = co_await nomad_->acquireLock(path_, ttl_, ttl_);
    const auto after = clock_->monotonic();
    if (r && r->lock) {
      leader_ = true;
      lockId_ = r->lock->id;
      validUntil_ = now + ttl_.as<Clock::MonoTime::duration>();
      next_ = after + scaled(ttl_, 0.7);
      spdlog::info("event=leadership_acquired lock={}", path_);
      co_return true;
    }
    if (r)
      spdlog::warn("event=leadership_error lock={} message=\"acquire returned no lock\"", path_);
    else if (!r.error().is(errc::conflict))
      spdlog::warn("event=leadership_error lock={} message=\"{}\"", path_, r.error().message);
    next_ = after + scaled(ttl_, 1.1);
    co_return false;
  }
  ++renewals_;
  auto r = co_await nomad_->renewLock(path_, lockId_);
  const auto after = clock_->monotonic();
  if (r) {
    validUntil_ = now + ttl_.as<Clock::MonoTime::duration>();
    next_ = after + scaled(ttl_, 0.7);
    co_return false;
  }
  leader_ = false;  // stop writing at once: the lock may already belong to someone else
  lockId_.clear();
  next_ = after + scaled(ttl_, 1.1);
  spdlog::warn("event=leadership_lost lock={} message=\"{}\"", path_, r.error().message);
  co_return true;
}

boost::asio::awaitable<Result<bool>> LeaderElector::watch(Duration wait) {
  if (leader_) co_return false;
  nomad::QueryOptions q;
  q.index = watchIndex_;
  if (q.index > 0) q.wait = wait;
  ++watchReads_;
  auto r = co_await nomad_->readVariable(path_, q);
  if (!r) co_return r.error();
  const std::uint64_t index = r->meta.index > 0 ? r->meta.index : r->value.modifyIndex;
  if (index == 0) co_return Error(errc::protocol_error, "lock variable read without an index");
  if (index == watchIndex_) co_return false;  // the wait ran out: still held
  watchIndex_ = index;
  if (leader_) co_return false;  // acquired by tick() meanwhile
  next_ = clock_->monotonic();
  co_return true;
}

boost::asio::awaitable<void> LeaderElector::release() {
  if (!leader_) co_return;
  leader_ = false;
  const std::string id = std::exchange(lockId_, std::string());
  auto r = co_await nomad_->releaseLock(path_, id);
  if (!r)
    spdlog::warn("event=leadership_release_failed lock={} message=\"{}\"", path_,
                 r.error().message);
  else
    spdlog::info("event=leadership_released lock={}", path_);
}

}  // namespace nc::reconcile
