// The state of `nomad-certd run` shared by its loops (service.cpp: start, signals, reload and
// stop; watch_loop.cpp: certificate cycles, alerts and metrics; status_json.cpp: /status).
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "certs/certificate_scanner.hpp"
#include "certs/issuance_index.hpp"
#include "cli.hpp"
#include "clients.hpp"
#include "config/load.hpp"
#include "events/alert_tracker.hpp"
#include "events/event_queue.hpp"
#include "health/endpoint.hpp"
#include "health/health_state.hpp"
#include "health/metrics.hpp"
#include "health/systemd_notifier.hpp"
#include "reconcile/controller.hpp"

namespace nc::cli {

struct Daemon {
  Daemon(boost::asio::io_context& ioc, CommandIo cio, ClockPtr clk)
      : io(ioc),
        cmdIo(cio),
        clock(std::move(clk)),
        tracker(clock, Duration::seconds(900)),
        wake(ioc) {}

  boost::asio::io_context& io;
  CommandIo cmdIo;
  ClockPtr clock;
  config::DaemonConfig config;
  /// The desired state itself lives in the controller (one copy: job sources are large).
  std::filesystem::path desiredPath;
  certs::CertificateSpecs specs;  ///< never null once loaded

  Clients clients;
  std::unique_ptr<events::EventQueue> queue;
  std::unique_ptr<certs::CertificateScanner> scanner;
  std::unique_ptr<certs::IssuanceIndex> issuance;  ///< Vault's issued certificates
  std::vector<std::string> lastScanWarnings;       ///< logged when they change
  events::AlertTracker tracker;
  health::Metrics metrics;
  std::unique_ptr<health::HealthState> health;
  health::SystemdNotifier notifier;
  std::unique_ptr<health::Endpoint> endpoint;
  http::ServerPtr server;
  std::unique_ptr<nomad::EventStream> allocStream;
  int allocStreamReconnects = 0;  // as of the last scan: a change means events may be lost

  std::unique_ptr<reconcile::Controller> controller;  ///< reconcile loop (leader writes)
  bool controllerDone = true;                         ///< false while run() is active

  boost::asio::steady_timer wake;  ///< the watch loop sleeps on it; cancel() = scan now
  bool stopping = false;
  bool loopDone = false;
  bool vaultUp = false, nomadUp = false;
  std::uint64_t cycles = 0;
  /// The last scan's certificates, for /status and the gauges: shared with the scanner, which
  /// hands back the same row while its decision stands.
  std::vector<certs::CertificateRowPtr> statusRows;
  /// The last known rows of jobs whose allocations the last scan could not list: their gauges
  /// stay as they were (as their alerts do) until a scan lists the job again.
  std::vector<certs::CertificateRowPtr> unlistedRows;
  std::optional<events::TimePoint> lastScanAt;
  double lastScanSeconds = 0;
  std::string statusLine;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> sinkCounts;  ///< ok, failed
  /// Alert events the spool refused (disk full…), in order: the tracker counts them as sent,
  /// so they are held here and appended again each cycle until the spool takes them.
  std::deque<events::Alert> unqueued;
};

// watch_loop.cpp
boost::asio::awaitable<void> watchLoop(Daemon& d);
boost::asio::awaitable<void> probeBackends(Daemon& d);
boost::asio::awaitable<void> allocationEvents(Daemon& d);
boost::asio::awaitable<void> housekeeping(Daemon& d);
void publishAlert(Daemon& d, const events::Alert& alert);
/// Appends the held (refused) alert events again; true when none is left.
bool republishUnqueued(Daemon& d);
void updateQueueMetrics(Daemon& d);
std::string backendSummary(const Daemon& d);

// status_json.cpp
/// The /status document, its rows written piece by piece as the response goes out.
health::StatusDocument statusDocument(const Daemon& d);

}  // namespace nc::cli
