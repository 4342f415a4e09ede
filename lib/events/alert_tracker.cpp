// AlertTracker: de-duplicates alert events by fingerprint and paces repeats.
#include "events/alert_tracker.hpp"

#include <algorithm>

namespace nc::events {

AlertTracker::AlertTracker(ClockPtr clock, Duration repeatInterval)
    : clock_(std::move(clock)), repeat_(repeatInterval) {}

std::optional<Alert> AlertTracker::fire(Alert alert) {
  alert.state = AlertState::firing;
  alert.endsAt.reset();
  auto fp = alert.fingerprint();
  auto now = clock_->monotonic();
  auto it = active_.find(fp);
  if (it == active_.end()) {
    alert.startsAt = clock_->now();
    active_.emplace(fp, Entry{alert, now});
    return alert;
  }
  Entry& e = it->second;
  alert.startsAt = e.alert.startsAt;  // the condition started once, however often it is re-sent
  bool escalated = alert.severity != e.alert.severity;
  bool due = now - e.lastSent >= repeat_.as<Clock::MonoTime::duration>();
  e.alert = alert;
  if (!escalated && !due) return std::nullopt;
  e.lastSent = now;
  return alert;
}

std::optional<Alert> AlertTracker::resolve(const std::string& fingerprint) {
  auto it = active_.find(fingerprint);
  if (it == active_.end()) return std::nullopt;
  Alert a = std::move(it->second.alert);
  active_.erase(it);
  a.state = AlertState::resolved;
  a.endsAt = clock_->now();
  return a;
}

std::vector<Alert> AlertTracker::resolveAbsent(const std::function<bool(const Alert&)>& inScope,
                                               const std::vector<std::string>& stillFiring) {
  std::vector<std::string> gone;
  for (const auto& [fp, e] : active_)
    if (inScope(e.alert) &&
        std::find(stillFiring.begin(), stillFiring.end(), fp) == stillFiring.end())
      gone.push_back(fp);
  std::vector<Alert> out;
  for (const auto& fp : gone)
    if (auto a = resolve(fp)) out.push_back(std::move(*a));
  return out;
}

std::vector<Alert> AlertTracker::firing() const {
  std::vector<Alert> out;
  out.reserve(active_.size());
  for (const auto& [fp, e] : active_) out.push_back(e.alert);
  return out;
}

}  // namespace nc::events
