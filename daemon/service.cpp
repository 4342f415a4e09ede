// `nomad-certd run`: start-up (config, logging, clients, event queue, health server), signals
// (SIGHUP reload, SIGTERM/SIGINT drain) and the systemd notifications around them.
#include <csignal>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cert_watch.hpp"
#include "http/client.hpp"
#include "service.hpp"
#include "vault/token_manager.hpp"

namespace nc::cli {
namespace asio = boost::asio;
namespace {

constexpr auto kDrainLimit = std::chrono::seconds(20);  // below the unit's TimeoutStopSec

std::optional<std::filesystem::path> desiredOverride(const CommonOptions& opts) {
  if (opts.desiredState) return std::filesystem::path(*opts.desiredState);
  return std::nullopt;
}

void setLogging(const config::LogConfig& log) {
  logging::setup({log.format, log.level});
}

/// Disabled TLS verification (config or VAULT_/NOMAD_SKIP_VERIFY) is never silent.
void warnInsecureTls(const config::DaemonConfig& c) {
  auto warn = [](const std::string& peer) {
    spdlog::warn(
        "TLS verification of {} server certificates is DISABLED (insecure_skip_verify): "
        "use only for testing",
        peer);
  };
  if (c.vault.tls.insecureSkipVerify) warn("vault");
  if (c.nomad.tls.insecureSkipVerify) warn("nomad");
  for (const auto& s : c.alerts.sinks)
    if (s.tls.insecureSkipVerify) warn("sink " + s.name);
}

/// The daemon loads without the job files' text (read again when a job is planned or
/// registered, job_source.hpp): 10k jobs' texts are ~10 MB.
const config::LoadOptions kDaemonLoad{.keepJobTexts = false};

/// The controller keeps the desired state for the daemon's life, but not the declared
/// certificates: d.specs holds them for the scanner (~0.5 KB per job).
void keepForController(config::DesiredState& desired) {
  for (auto& job : desired.nomad.jobs)
    std::vector<config::CertificateSpec>().swap(job.certificates);
}

void reload(Daemon& d, const CommonOptions& opts) {
  d.notifier.reloading();
  spdlog::info("reload: re-reading {}", opts.configPath);
  auto loaded =
      config::loadConfiguration(opts.configPath, desiredOverride(opts), d.cmdIo.env, kDaemonLoad);
  if (!loaded.ok()) {
    for (const auto& item : loaded.diagnostics.items())
      if (item.severity == config::Severity::error)
        spdlog::error("reload rejected: {}", item.toString());
    spdlog::error(
        "reload rejected: {} error(s) in the configuration; the running desired state ({}) "
        "stays in force",
        loaded.diagnostics.errorCount(), d.desiredPath.string());
    d.health->setProblem(
        "config", "last reload rejected: " + std::to_string(loaded.diagnostics.errorCount()) +
                      " configuration error(s)");
    d.notifier.ready(d.statusLine.empty() ? "reload rejected" : d.statusLine);
    return;
  }
  // Addresses, sinks, the spool and the health listener are bound at start; the rest applies.
  d.config.certificates = loaded.config.certificates;
  d.config.log = loaded.config.log;
  setLogging(d.config.log);
  d.desiredPath = loaded.desired.path;
  d.specs = certificateSpecs(d.config, loaded.desired);
  const std::size_t jobs = loaded.desired.nomad.jobs.size();
  keepForController(loaded.desired);
  if (d.controller) d.controller->updateDesired(std::move(loaded.desired));
  d.health->clearProblem("config");
  spdlog::info("reload: desired state {} in force ({} jobs, {} declared certificates)",
               d.desiredPath.string(), jobs, d.specs->size());
  d.wake.cancel();  // scan with the new state now
  d.notifier.ready(d.statusLine.empty() ? "reloaded" : d.statusLine);
}

asio::awaitable<void> drain(Daemon& d, asio::signal_set& signals) {
  const auto deadline = std::chrono::steady_clock::now() + kDrainLimit;
  asio::steady_timer t(d.io);
  boost::system::error_code ec;
  while (!d.loopDone && std::chrono::steady_clock::now() < deadline) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  // The controller releases the leader lock as run() ends (its transports still work here).
  while (!d.controllerDone && std::chrono::steady_clock::now() < deadline) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!d.controllerDone) spdlog::warn("reconcile loop did not end in time; the lock will expire");
  // Give the sinks a moment to take what is queued; the rest stays in the spool.
  const auto flushUntil =
      std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(3));
  auto pending = [&d] {
    std::size_t n = 0;
    for (const auto& s : d.queue->stats()) n += s.lastError.empty() ? s.depth : 0;
    return n;
  };
  while (pending() > 0 && std::chrono::steady_clock::now() < flushUntil) {
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  std::size_t left = 0;
  for (const auto& s : d.queue->stats()) left += s.depth;
  d.queue->stop();
  if (d.server) d.server->stop();
  d.clients.shutdown();
  signals.cancel();
  spdlog::info("stopped; {} undelivered event(s) kept in the spool", left);
  d.io.stop();
}

void beginStop(Daemon& d, asio::signal_set& signals, asio::cancellation_signal& tokenStop,
               const char* why) {
  if (d.stopping) return;
  d.stopping = true;
  spdlog::info("{}: stopping", why);
  d.notifier.stopping(std::string("stopping: ") + why);
  d.wake.cancel();
  if (d.allocStream) d.allocStream->close();
  tokenStop.emit(asio::cancellation_type::terminal);
  if (d.controller) d.controller->stop();
  asio::co_spawn(d.io, drain(d, signals), asio::detached);
}

asio::awaitable<void> signalLoop(Daemon& d, asio::signal_set& signals,
                                 asio::cancellation_signal& tokenStop, const CommonOptions& opts) {
  while (true) {
    boost::system::error_code ec;
    const int sig = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (sig == SIGHUP) {
      if (!d.stopping) reload(d, opts);
    } else {
      beginStop(d, signals, tokenStop, sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
  }
}

asio::awaitable<void> startLoops(Daemon& d, asio::cancellation_signal& tokenStop) {
  if (d.clients.tokens) {
    auto started = co_await d.clients.tokens->start();
    if (!started) spdlog::warn("vault token: {}", started.error().message);
    asio::co_spawn(d.io, d.clients.tokens->run(),
                   asio::bind_cancellation_slot(tokenStop.slot(), asio::detached));
  }
  d.queue->start();
  co_await probeBackends(d);
  if (d.stopping) {
    d.loopDone = true;  // stopped during start-up: the watch loop never runs
    co_return;
  }
  d.notifier.ready(fmt::format("started; {}; watching {} declared certificates", backendSummary(d),
                               d.specs->size()));
  spdlog::info("started: {}; {} declared certificates, scan every {}", backendSummary(d),
               d.specs->size(), d.config.certificates.scanInterval.toString());
  // The allocation stream first: the first scan keeps its lists once the stream stands.
  asio::co_spawn(d.io, allocationEvents(d), asio::detached);
  asio::co_spawn(d.io, watchLoop(d), asio::detached);
  if (d.controller) {
    d.controllerDone = false;
    asio::co_spawn(
        d.io,
        [&d]() -> asio::awaitable<void> {
          co_await d.controller->run();
          d.controllerDone = true;
        },
        asio::detached);
  }
  asio::co_spawn(d.io, housekeeping(d), asio::detached);
}

}  // namespace

int runRun(const CommonOptions& opts, CommandIo io) {
  auto loaded =
      config::loadConfiguration(opts.configPath, desiredOverride(opts), io.env, kDaemonLoad);
  for (const auto& item : loaded.diagnostics.items()) io.err << item.toString() << "\n";
  if (!loaded.ok()) {
    io.err << "nomad-certd run: the configuration has errors; not starting\n";
    return kExitError;
  }
  setLogging(loaded.config.log);
  warnInsecureTls(loaded.config);

  asio::io_context ioc;
  Daemon d(ioc, io, SystemClock::shared());
  d.config = std::move(loaded.config);
  d.desiredPath = loaded.desired.path;
  d.specs = certificateSpecs(d.config, loaded.desired);

  auto fail = [&](const std::string& what) {
    spdlog::critical("not starting: {}", what);
    io.err << "nomad-certd run: " << what << "\n";
    return kExitError;
  };
  auto clients = makeClients(ioc, d.config, d.clock);
  if (!clients) return fail(clients.error().message);
  d.clients = std::move(*clients);

  const std::string generatorUrl = "http://" + d.config.health.listen + "/status";
  auto sinks = makeSinks(ioc, d.config, d.clock, d.clients, generatorUrl);
  if (!sinks) return fail(sinks.error().message);
  events::DispatchOptions dispatch;
  for (std::size_t i = 0; i < d.config.alerts.sinks.size(); ++i) {
    const auto& s = d.config.alerts.sinks[i];
    if (i == 0 || s.initialBackoff < dispatch.initialBackoff)
      dispatch.initialBackoff = s.initialBackoff;
    if (i == 0 || dispatch.maxBackoff < s.maxBackoff) dispatch.maxBackoff = s.maxBackoff;
  }
  std::error_code fsErr;
  std::filesystem::create_directories(d.config.alerts.spoolDir, fsErr);
  if (fsErr) return fail("spool_dir " + d.config.alerts.spoolDir + ": " + fsErr.message());
  auto queue = events::EventQueue::open(ioc, d.config.alerts.spoolDir, *sinks, dispatch);
  if (!queue) return fail("event spool: " + queue.error().message);
  d.queue = std::move(*queue);

  keepForController(loaded.desired);
  d.controller = std::make_unique<reconcile::Controller>(
      d.clients.vault, d.clients.nomad, std::move(loaded.desired),
      reconcile::ControllerOptions::fromConfig(d.config), d.clock, &d.metrics);

  certs::ScanOptions so;
  so.concurrency = static_cast<std::size_t>(std::max(1, d.config.certificates.concurrency));
  so.observationInterval = d.config.certificates.scanInterval;
  so.recheckInterval = d.config.certificates.recheckInterval;
  d.scanner = std::make_unique<certs::CertificateScanner>(
      certs::makeNomadAllocationReader(d.clients.nomad, d.config.nomad.requestTimeout), d.clock,
      so);

  d.issuance = std::make_unique<certs::IssuanceIndex>(d.clients.vault,
                                                      d.config.certificates.issuanceRefresh);

  d.health = std::make_unique<health::HealthState>(d.clock, d.config.certificates.scanInterval);
  health::EndpointOptions eo;
  auto bearer = loadSecret(d.config.health.bearerToken, "health bearer token");
  if (!bearer) return fail(bearer.error().message);
  if (*bearer) eo.bearerToken = (*bearer)->reveal();
  d.endpoint = std::make_unique<health::Endpoint>(
      *d.health, d.metrics, [&d] { return statusDocument(d); }, eo);
  if (d.config.health.enabled) {
    http::ServerOptions so2;
    so2.listen = d.config.health.listen;
    // Probes and scrapes send small GETs: tight limits, so slow or hostile clients cannot
    // hold the endpoint (beyond the cap new connections are closed at once).
    so2.maxBodyBytes = 4 * 1024;
    so2.maxHeaderBytes = 16 * 1024;
    so2.headerTimeout = Duration::seconds(5);
    so2.bodyTimeout = Duration::seconds(5);
    so2.idleTimeout = Duration::seconds(30);
    so2.maxConnections = 128;
    auto server = http::startServer(ioc, so2, d.endpoint->handler());
    if (!server)
      return fail("health listener " + d.config.health.listen + ": " + server.error().message);
    d.server = std::move(*server);
    spdlog::info("health endpoint listening on {}", d.server->url());
  }

  asio::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
  asio::cancellation_signal tokenStop;
  asio::co_spawn(ioc, signalLoop(d, signals, tokenStop, opts), asio::detached);
  asio::co_spawn(ioc, startLoops(d, tokenStop), asio::detached);
  ioc.run();
  return kExitOk;
}

}  // namespace nc::cli
