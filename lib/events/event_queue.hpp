// EventQueue: publishes alerts into the durable spool and runs one delivery loop per sink,
// with per-sink exponential backoff and full jitter. Single io_context thread; no locks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "events/alert.hpp"
#include "events/sink.hpp"
#include "events/spool.hpp"

namespace boost::asio {
class io_context;
}

namespace nc::events {

struct DispatchOptions {
  std::size_t batchSize = 64;
  Duration initialBackoff = Duration::seconds(1);
  Duration maxBackoff = Duration::seconds(300);
  SpoolOptions spool;
};

/// Full-jitter exponential backoff: uniform in [0, min(max, initial·2^(failures-1))].
/// `random01` in [0,1) comes from the caller so the decision stays testable.
Duration backoffDelay(int failures, Duration initial, Duration max, double random01);

struct SinkStats {
  std::string name;
  std::size_t depth = 0;
  std::uint64_t delivered = 0;  ///< events acknowledged by the receiver
  std::uint64_t failures = 0;   ///< failed delivery attempts
  std::uint64_t skipped = 0;    ///< unreadable spool records passed over
  std::string lastError;        ///< empty once a delivery succeeded again
};

class EventQueue {
 public:
  static Result<std::unique_ptr<EventQueue>> open(boost::asio::io_context& io,
                                                  std::filesystem::path spoolDir,
                                                  std::vector<AlertSinkPtr> sinks,
                                                  DispatchOptions options = {});
  ~EventQueue();

  /// Appends the alert durably; once this returns a value the alert will reach every sink,
  /// across restarts. Errors (disk full, spool full) are the caller's to report.
  Result<std::uint64_t> publish(const Alert& alert);

  /// Starts the delivery loops (also re-sends what a previous run left undelivered).
  void start();
  /// Stops the loops; undelivered events stay in the spool for the next start.
  void stop();

  std::vector<SinkStats> stats() const;
  const SpoolRecovery& recovery() const;

 private:
  struct Impl;
  explicit EventQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::events
