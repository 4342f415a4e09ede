// HealthState: liveness from tick age, readiness from the set of open problems.
#include "health/health_state.hpp"

namespace nc::health {

HealthState::HealthState(ClockPtr clock, Duration tickInterval, int missedTicksAllowed)
    : clock_(std::move(clock)),
      interval_(tickInterval),
      allowed_(missedTicksAllowed),
      lastTick_(clock_->monotonic()) {}

void HealthState::tick() {
  lastTick_ = clock_->monotonic();
}

Duration HealthState::sinceLastTick() const {
  return Duration(std::chrono::duration_cast<Duration::Rep>(clock_->monotonic() - lastTick_));
}

bool HealthState::alive() const {
  return sinceLastTick().nanos() <= interval_.nanos() * allowed_;
}

void HealthState::setProblem(const std::string& key, std::string message) {
  problems_[key] = std::move(message);
}

void HealthState::clearProblem(const std::string& key) {
  problems_.erase(key);
}

}  // namespace nc::health
