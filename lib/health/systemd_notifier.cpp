// SystemdNotifier over libsystemd's sd_notify.
#include "health/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>

namespace nc::health {

SystemdNotifier::SystemdNotifier() : enabled_(std::getenv("NOTIFY_SOCKET") != nullptr) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdog_ = Duration(std::chrono::microseconds(usec / 2));
}

void SystemdNotifier::send(const std::string& message) {
  if (enabled_) sd_notify(0, message.c_str());
}

void SystemdNotifier::ready(const std::string& status) {
  send("READY=1\nSTATUS=" + status);
}
void SystemdNotifier::status(const std::string& status) {
  send("STATUS=" + status);
}
void SystemdNotifier::watchdog() {
  send("WATCHDOG=1");
}

void SystemdNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
              static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping(const std::string& status) {
  send("STOPPING=1\nSTATUS=" + status);
}

}  // namespace nc::health
