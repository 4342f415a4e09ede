// HealthState: what /healthz and /readyz decide from — the loop's last tick and the current
// readiness problems, each under a stable key so they can be set and cleared independently.
#pragma once

#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/duration.hpp"

namespace nc::health {

class HealthState {
 public:
  HealthState(ClockPtr clock, Duration tickInterval, int missedTicksAllowed = 3);

  /// The main loop calls this every cycle.
  void tick();
  /// Alive: the loop has ticked within missedTicksAllowed intervals (or has not started yet
  /// and was created less than that long ago).
  bool alive() const;

  /// Marks a reason not to be ready ("vault", "spool", "config", "reconcile"…), or clears it.
  void setProblem(const std::string& key, std::string message);
  void clearProblem(const std::string& key);
  bool ready() const { return problems_.empty(); }
  const std::map<std::string, std::string>& problems() const { return problems_; }

  Duration sinceLastTick() const;

 private:
  ClockPtr clock_;
  Duration interval_;
  int allowed_;
  Clock::MonoTime lastTick_;
  std::map<std::string, std::string> problems_;
};

}  // namespace nc::health
