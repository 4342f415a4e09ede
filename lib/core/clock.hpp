// Clock: the injectable time source, so expiry and backoff logic is tested without sleeping.
#pragma once

#include <chrono>
#include <memory>

namespace nc {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  /// Wall-clock time, for certificate dates and log timestamps.
  virtual WallTime now() const = 0;
  /// Monotonic time, for intervals, timeouts and backoff.
  virtual MonoTime monotonic() const = 0;
};

using ClockPtr = std::shared_ptr<Clock>;

class SystemClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  /// Process-wide instance.
  static ClockPtr shared();
};

/// A clock that only moves when told to; both times advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime(std::chrono::seconds(1'800'000'000)))
      : wall_(start) {}
  WallTime now() const override { return wall_; }
  MonoTime monotonic() const override { return mono_; }

  template <class D>
  void advance(D d) {
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    mono_ += std::chrono::duration_cast<MonoTime::duration>(d);
  }
  void setWall(WallTime t) { wall_ = t; }

 private:
  WallTime wall_;
  MonoTime mono_{};
};

}  // namespace nc
