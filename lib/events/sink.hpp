// AlertSink: where alert events go (log, Alertmanager, webhook). Each sink is delivered to
// independently from the spool, at least once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "events/alert.hpp"

namespace nc::events {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  /// Stable name: the spool cursor file and the metric label use it.
  virtual const std::string& name() const = 0;
  /// Delivers a batch (oldest first). Success means the receiver accepted every alert; any
  /// error makes the dispatcher retry the same batch later.
  virtual boost::asio::awaitable<Result<void>> deliver(std::vector<Alert> batch) = 0;
};
using AlertSinkPtr = std::shared_ptr<AlertSink>;

}  // namespace nc::events
