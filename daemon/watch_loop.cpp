// The certificate watch of `run`: a scan every scan_interval (earlier on allocation events),
// alerts through the tracker into the event queue, certificate and queue metrics, watchdog.
#include <malloc.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cert_watch.hpp"
#include "core/logging.hpp"
#include "service.hpp"

namespace nc::cli {
namespace asio = boost::asio;
namespace {

asio::awaitable<void> sleepFor(Daemon& d, Duration span) {
  asio::steady_timer t(d.io);
  t.expires_after(span.as<std::chrono::nanoseconds>());
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

events::Alert backendAlert(const Daemon& d, const std::string& backend, const std::string& why) {
  events::Alert a;
  a.name = std::string(events::alertname::kBackendUnavailable);
  a.severity = events::Severity::critical;
  a.labels["resource"] = backend;
  a.annotations["summary"] = backend + " is unavailable";
  a.annotations["description"] = why;
  a.startsAt = d.clock->now();
  return a;
}

void backendResult(Daemon& d, const std::string& backend, bool up, const std::string& why) {
  const bool was = backend == "vault" ? d.vaultUp : d.nomadUp;
  (backend == "vault" ? d.vaultUp : d.nomadUp) = up;
  d.metrics.setBackendUp(backend, up);
  const events::Alert a = backendAlert(d, backend, why);
  if (up) {
    d.health->clearProblem(backend);
    if (auto r = d.tracker.resolve(a.fingerprint())) publishAlert(d, *r);
    if (!was) {
      logging::event(logging::Level::info, backend + " answers", {{"resource", backend}});
      // Resources that failed during the outage are repaired now, not after their backoff.
      if (d.controller) d.controller->retryFailedNow();
    }
  } else {
    d.health->setProblem(backend, why);
    if (auto f = d.tracker.fire(a)) publishAlert(d, *f);
    if (was || d.cycles == 0)
      logging::event(logging::Level::warn, backend + " unavailable: " + why,
                     {{"resource", backend}});
  }
}

void checkSpool(Daemon& d) {
  // A full disk still passes access(W_OK): the spool is healthy only once nothing is held back.
  const bool drained = republishUnqueued(d);
  if (::access(d.config.alerts.spoolDir.c_str(), W_OK) != 0)
    d.health->setProblem("spool",
                         "spool directory " + d.config.alerts.spoolDir + " is not writable");
  else if (drained)
    d.health->clearProblem("spool");
}

void applyScan(Daemon& d, certs::ScanResult result) {
  std::vector<std::string> still;
  for (const events::Alert& a : result.alerts) {
    still.push_back(a.fingerprint());
    if (auto ev = d.tracker.fire(a)) publishAlert(d, *ev);
  }
  const std::set<std::string> failed(result.failedJobs.begin(), result.failedJobs.end());
  auto resolved = d.tracker.resolveAbsent(
      [&failed](const events::Alert& a) {
        auto job = a.labels.find("job");
        return job != a.labels.end() && !failed.contains(job->second);
      },
      still);
  for (const auto& r : resolved) publishAlert(d, r);

  std::map<certs::CertState, int> counts;
  for (const auto& row : result.rows) ++counts[row->state];
  d.unlistedRows =
      certs::rowsOfUnlistedJobs(result.rows, d.statusRows, d.unlistedRows, result.failedJobs);
  for (auto s : {certs::CertState::ok, certs::CertState::warning, certs::CertState::critical,
                 certs::CertState::missing, certs::CertState::invalid})
    d.metrics.setCertificates(certs::toString(s), counts[s]);
  const std::size_t rowCount = result.rows.size();
  d.statusRows = std::move(result.rows);

  for (const auto& e : result.errors) spdlog::warn("certificate scan: {}", e);
  if (result.warnings != d.lastScanWarnings)
    for (const auto& w : result.warnings) spdlog::warn("certificate scan: {}", w);
  d.lastScanWarnings = result.warnings;
  for (const auto& j : result.failedJobs)
    logging::event(logging::Level::warn,
                   "certificate scan: allocations of job " + j + " could not be listed",
                   {{"job", j}});
  d.statusLine = fmt::format(
      "{}; {} certificates in {} allocations: {} ok, {} warning, {} critical, {} missing, {} "
      "invalid; {} alerts firing",
      backendSummary(d), rowCount, result.allocations, counts[certs::CertState::ok],
      counts[certs::CertState::warning], counts[certs::CertState::critical],
      counts[certs::CertState::missing], counts[certs::CertState::invalid],
      d.tracker.firing().size());
}

}  // namespace

std::string backendSummary(const Daemon& d) {
  return fmt::format("vault {}, nomad {}", d.vaultUp ? "up" : "down", d.nomadUp ? "up" : "down");
}

namespace {

// Held refused events are bounded: past this many, the oldest is dropped (and logged).
constexpr std::size_t kMaxUnqueued = 10000;

void holdUnqueued(Daemon& d, const events::Alert& alert, const std::string& why) {
  d.metrics.spoolError();
  d.unqueued.push_back(alert);
  if (d.unqueued.size() > kMaxUnqueued) {
    const events::Alert& lost = d.unqueued.front();
    spdlog::error("alert {} {} dropped: {} refused events held in memory already", lost.name,
                  events::toString(lost.state), kMaxUnqueued);
    d.unqueued.pop_front();
  }
  d.health->setProblem("spool", fmt::format("event spool: {} ({} alert event(s) held in memory)",
                                            why, d.unqueued.size()));
}

}  // namespace

void publishAlert(Daemon& d, const events::Alert& alert) {
  d.metrics.alert(alert.name, events::toString(alert.state));
  if (!d.unqueued.empty() && !republishUnqueued(d)) {  // keep the order of events
    holdUnqueued(d, alert, "earlier events not stored yet");
    return;
  }
  auto seq = d.queue->publish(alert);
  if (!seq) {
    spdlog::error("alert {} {} not queued (held, appended again next cycle): {}", alert.name,
                  events::toString(alert.state), seq.error().message);
    holdUnqueued(d, alert, seq.error().message);
  }
}

bool republishUnqueued(Daemon& d) {
  while (!d.unqueued.empty()) {
    auto seq = d.queue->publish(d.unqueued.front());
    if (!seq) {
      d.health->setProblem("spool",
                           fmt::format("event spool: {} ({} alert event(s) held in memory)",
                                       seq.error().message, d.unqueued.size()));
      return false;
    }
    d.unqueued.pop_front();
  }
  return true;
}

void updateQueueMetrics(Daemon& d) {
  for (const events::SinkStats& s : d.queue->stats()) {
    d.metrics.setQueueDepth(s.name, static_cast<double>(s.depth));
    auto& [ok, failed] = d.sinkCounts[s.name];
    for (; ok < s.delivered; ++ok) d.metrics.delivery(s.name, "ok");
    for (; failed < s.failures; ++failed) d.metrics.delivery(s.name, "error");
  }
}

asio::awaitable<void> probeBackends(Daemon& d) {
  vault::HealthQuery q;
  auto vh = co_await d.clients.vault->health(q);
  if (!vh)
    backendResult(d, "vault", false, vh.error().message);
  else if (vh->sealed || !vh->initialized)
    backendResult(d, "vault", false, vh->sealed ? "vault is sealed" : "vault is not initialized");
  else
    backendResult(d, "vault", true, "");
  auto nh = co_await d.clients.nomad->agentHealth();
  if (!nh)
    backendResult(d, "nomad", false, nh.error().message);
  else
    backendResult(d, "nomad", nh->ok, nh->ok ? "" : "nomad agent reports unhealthy");
}

// The scanner reuses a job's allocation list only while the allocation event stream has been
// live without a break since the list was requested: a reconnect may have skipped events (Nomad
// keeps few), so it drops every kept list. Called before each scan and when a connection of the
// stream delivers its first line.
void syncListingTrust(Daemon& d) {
  const bool live = d.allocStream && d.allocStream->live();
  const int reconnects = d.allocStream ? d.allocStream->reconnects() : 0;
  if (reconnects != d.allocStreamReconnects) {
    d.scanner->trustListings(false);
    d.allocStreamReconnects = reconnects;
  }
  d.scanner->trustListings(live);
}

asio::awaitable<void> watchLoop(Daemon& d) {
  // The certificate gauges are read from the table at each scrape, never copied.
  d.metrics.setCertificateSource([&d](const auto& visit) {
    const auto secs = [](events::TimePoint t) {
      return std::chrono::duration<double>(t.time_since_epoch()).count();
    };
    for (const auto* rows : {&d.statusRows, &d.unlistedRows})
      for (const auto& row : *rows) {
        const certs::CertificateRow& r = *row;
        if (!r.notAfter()) continue;
        const std::string allocId = r.allocId.str();
        visit({r.job(), r.task(), allocId, r.path(), r.commonName(),
               r.notBefore() ? secs(*r.notBefore()) : 0, secs(*r.notAfter())});
      }
  });
  while (!d.stopping) {
    const auto started = std::chrono::steady_clock::now();
    co_await probeBackends(d);
    checkSpool(d);
    if (d.stopping) break;
    IssuanceCheck issuance;
    issuance.index = d.issuance.get();
    issuance.policy.churnThreshold = d.config.certificates.churnThreshold;
    issuance.now = d.clock->now();
    syncListingTrust(d);
    auto result = co_await scanOnce(*d.clients.vault, *d.scanner, d.specs, &issuance);
    if (d.stopping) break;
    d.lastScanSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    d.lastScanAt = d.clock->now();
    const std::string reads =
        fmt::format("{} jobs listed, {} lists reused, {} files read, {} unchanged, {} not due",
                    result.jobsListed, result.listingsReused, result.filesRead, result.cacheHits,
                    result.statsSkipped);
    applyScan(d, std::move(result));
#ifdef __GLIBC__
    // A scan's transient memory (list bodies, JSON documents, the full rows) is freed by now;
    // hand the pages back so the resident size between scans is what the daemon holds.
    ::malloc_trim(0);
#endif
    updateQueueMetrics(d);
    ++d.cycles;
    d.health->tick();
    d.notifier.status(d.statusLine);
    spdlog::debug("certificate cycle {} took {:.3f}s ({}): {}", d.cycles, d.lastScanSeconds, reads,
                  d.statusLine);
    // Sleep until the next interval, or until an allocation event / reload cancels the wait.
    d.wake.expires_after(d.config.certificates.scanInterval.as<std::chrono::nanoseconds>());
    boost::system::error_code ec;
    co_await d.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  d.loopDone = true;
}

asio::awaitable<void> allocationEvents(Daemon& d) {
  std::set<std::string> jobs;
  for (const auto& s : *d.specs) jobs.insert(s.job);
  if (jobs.empty()) co_return;
  nomad::EventStreamOptions o;
  o.topics = {"Allocation"};
  o.nomadNamespace.emplace(1, '*');  // not = "*": g++ 12 -O2 raises a false -Wrestrict
  // Lists requested from the moment the stream stands are kept, even in the scan running then
  // (the first one, at start): waiting for the next scan to notice had it list every job twice.
  o.onLive = [&d] { syncListingTrust(d); };
  d.allocStream = d.clients.nomad->subscribe(o);
  while (!d.stopping) {
    auto batch = co_await d.allocStream->next();
    if (d.stopping) break;
    if (!batch) {
      spdlog::debug("allocation events: {}", batch.error().message);
      co_await sleepFor(d, Duration::seconds(30));
      continue;
    }
    bool ours = false;
    for (const auto& e : batch->events) {
      // Allocation events are keyed by alloc ID; the job is among the filter keys. Every key
      // is invalidated, watched or not: a reload may have added the job since `jobs` was made.
      for (const auto& k : e.filterKeys) {
        d.scanner->invalidateJob(k);
        if (jobs.contains(k) && !ours) {
          ours = true;
          spdlog::debug("allocation event {} for a watched job: scanning early", e.type);
        }
      }
    }
    if (ours) d.wake.cancel();
  }
}

asio::awaitable<void> housekeeping(Daemon& d) {
  const Duration tick = d.notifier.watchdogInterval().value_or(Duration::seconds(2));
  const Duration step = tick < Duration::seconds(2) ? tick : Duration::seconds(2);
  while (!d.stopping) {
    if (d.notifier.watchdogInterval() && d.health->alive()) d.notifier.watchdog();
    updateQueueMetrics(d);
    if (d.controller) {
      const std::size_t errors = d.controller->errorCount();
      if (errors)
        d.health->setProblem("reconcile",
                             std::to_string(errors) + " resource(s) failed their last reconcile");
      else
        d.health->clearProblem("reconcile");
    }
    co_await sleepFor(d, step);
  }
}

}  // namespace nc::cli
