// Alert lifecycle: a condition that starts fires once, is re-sent every repeat interval while it
// lasts, escalates when its severity changes, and sends `resolved` once when it clears.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "events/alert.hpp"

namespace nc::events {

class AlertTracker {
 public:
  AlertTracker(ClockPtr clock, Duration repeatInterval);

  /// The condition behind `alert` holds now. Returns the event to send, if any: the first
  /// firing, a severity change, or a repeat once repeatInterval has passed since the last send.
  std::optional<Alert> fire(Alert alert);

  /// The condition with this fingerprint no longer holds: returns the resolved event (endsAt =
  /// now) when it was firing, nothing otherwise.
  std::optional<Alert> resolve(const std::string& fingerprint);

  /// Resolves every firing alert that matches `inScope` but whose fingerprint is not in
  /// `stillFiring` — e.g. after a scan, alerts of allocations that went away.
  std::vector<Alert> resolveAbsent(const std::function<bool(const Alert&)>& inScope,
                                   const std::vector<std::string>& stillFiring);

  /// Firing alerts, for /status and metrics.
  std::vector<Alert> firing() const;
  std::size_t size() const { return active_.size(); }

 private:
  struct Entry {
    Alert alert;
    Clock::MonoTime lastSent;
  };
  ClockPtr clock_;
  Duration repeat_;
  std::map<std::string, Entry> active_;  // by fingerprint
};

}  // namespace nc::events
