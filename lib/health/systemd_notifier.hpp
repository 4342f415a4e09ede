// SystemdNotifier: sd_notify messages for Type=notify (READY, STATUS, WATCHDOG, RELOADING,
// STOPPING). A no-op outside systemd (no NOTIFY_SOCKET).
#pragma once

#include <optional>
#include <string>

#include "core/duration.hpp"

namespace nc::health {

class SystemdNotifier {
 public:
  SystemdNotifier();

  bool enabled() const { return enabled_; }
  /// Half of WatchdogSec when the watchdog is on, as systemd recommends.
  std::optional<Duration> watchdogInterval() const { return watchdog_; }

  void ready(const std::string& status);
  void status(const std::string& status);
  void watchdog();
  /// RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload expects; ready() ends it.
  void reloading();
  void stopping(const std::string& status);

 private:
  void send(const std::string& message);
  bool enabled_;
  std::optional<Duration> watchdog_;
};

}  // namespace nc::health
