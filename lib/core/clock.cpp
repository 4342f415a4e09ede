// The process-wide system clock.
#include "core/clock.hpp"

namespace nc {

ClockPtr SystemClock::shared() {
  static const ClockPtr clock = std::make_shared<SystemClock>();
  return clock;
}

}  // namespace nc
