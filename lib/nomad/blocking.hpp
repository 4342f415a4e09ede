// Blocking-query helpers: the `wait` parameter, client timeouts, and index tracking.
#pragma once

#include <cstdint>
#include <string>

#include "core/duration.hpp"

namespace nc::nomad {

/// Nomad's server-side cap on `wait`.
inline constexpr Duration kMaxBlockingWait = Duration::seconds(300);

/// The `wait` value with a unit, as Nomad requires ("300s", "1500ms"); clamped to 300 s.
std::string waitParam(Duration wait);

/// A client timeout that outlives the server's wait: wait + wait/16 (jitter) + 10 s.
Duration blockingTimeout(Duration wait);

/// Tracks the index of one watched resource across blocking queries.
class BlockingIndex {
 public:
  /// The index to send next (0 = immediate answer).
  std::uint64_t index() const { return index_; }
  /// Feeds the index of a reply. Returns true when the result is worth processing: the
  /// first reply, the index moved forward, or it went backwards (server restore / leader with an
  /// older snapshot), in which case the tracked index resets to 0 so the next query answers at
  /// once.
  bool update(std::uint64_t observed);
  bool lastWasReset() const { return reset_; }
  void reset() {
    index_ = 0;
    seen_ = false;
  }

 private:
  std::uint64_t index_ = 0;
  bool reset_ = false;
  bool seen_ = false;
};

}  // namespace nc::nomad
