// Blocking-query helpers (pure).
#include "nomad/blocking.hpp"

#include <algorithm>

namespace nc::nomad {

std::string waitParam(Duration wait) {
  wait = std::clamp(wait, Duration(), kMaxBlockingWait);
  auto ms = wait.as<std::chrono::milliseconds>().count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Duration blockingTimeout(Duration wait) {
  wait = std::clamp(wait, Duration(), kMaxBlockingWait);
  return Duration(wait.nanos() + wait.nanos() / 16 + std::chrono::seconds(10));
}

bool BlockingIndex::update(std::uint64_t observed) {
  reset_ = false;
  const bool first = !seen_;
  seen_ = true;
  if (observed < index_) {
    index_ = 0;
    reset_ = true;
    return true;
  }
  if (observed == index_) return first;
  index_ = observed;
  return true;
}

}  // namespace nc::nomad
