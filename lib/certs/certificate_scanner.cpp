// CertificateScanner: gathering (Nomad reads) separated from deciding (checkCertificate).
#include "certs/certificate_scanner.hpp"

#include "certs/scan_job_group.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_set>

namespace nc::certs {
namespace asio = boost::asio;

namespace {

void templateFailures(const nomad::Allocation& alloc, const CertificateSpec& spec,
                      std::vector<events::Alert>& out) {
  for (const auto& [task, state] : alloc.taskStates) {
    for (auto it = state.events.rbegin(); it != state.events.rend(); ++it) {
      const std::string& msg = it->displayMessage.empty() ? it->message : it->displayMessage;
      if (it->type == "Started" || it->type == "Signaling" || it->type == "Restart Signaled")
        break;  // a later success supersedes an older failure
      if (!msg.starts_with("Template failed")) continue;
      events::Alert a;
      a.name = events::alertname::kTemplateRenderFailed;
      a.severity = events::Severity::critical;
      a.labels = {{"job", spec.job},
                  {"namespace", spec.nomadNamespace},
                  {"task", task},
                  {"alloc_id", alloc.id}};
      a.annotations["summary"] = "template render failed in " + spec.job + "/" + task;
      a.annotations["description"] = msg;
      out.push_back(std::move(a));
      break;
    }
  }
}

}  // namespace

std::string allocPath(const CertificateSpec& spec) {
  std::string p = spec.path;
  while (p.starts_with("/")) p.erase(0, 1);
  if (p.starts_with("alloc/")) return p;
  return spec.task + "/" + p;
}

std::vector<CertificateRowPtr> rowsOfUnlistedJobs(const std::vector<CertificateRowPtr>& current,
                                                  const std::vector<CertificateRowPtr>& previous,
                                                  const std::vector<CertificateRowPtr>& kept,
                                                  const std::vector<std::string>& failedJobs) {
  std::vector<CertificateRowPtr> out;
  if (failedJobs.empty()) return out;
  const std::set<std::string_view> failed(failedJobs.begin(), failedJobs.end());
  std::set<std::string_view> listed;
  for (const auto& row : current) listed.insert(row->job());
  for (const auto* rows : {&previous, &kept})
    for (const auto& row : *rows)
      if (failed.contains(row->job()) && !listed.contains(row->job())) out.push_back(row);
  return out;
}

bool needsExec(const std::string& path) {
  std::string p = path;
  while (p.starts_with("/")) p.erase(0, 1);
  return p.starts_with("secrets/") || p.starts_with("private/");
}

namespace {

void collectItems(CertificateScanner::JobGroup& group,
                  const std::vector<nomad::Allocation>& allocs) {
  std::unordered_set<std::string_view> templateSeen;
  for (const CertificateSpec* spec : group.specs) {
    for (const auto& alloc : allocs) {
      if (alloc.desiredStatus != "run") continue;
      if (templateSeen.insert(alloc.id).second)
        templateFailures(alloc, *spec, group.templateAlerts);
      if (alloc.clientStatus != "running") continue;
      auto ts = alloc.taskStates.find(spec->task);
      if (ts != alloc.taskStates.end() && ts->second.state == "dead") continue;  // prestart done
      group.items.push_back({spec, alloc.id});
    }
  }
  group.allocations = templateSeen.size();
}

/// After a read a file waits between half and all of the recheck interval, by a share fixed by
/// its key, so the files one scan read come due over several later scans instead of all in one;
/// after a stat it waits the full interval, which keeps those phases apart and stats each file
/// once per interval (waits of 50–100 % every time would stat each ~1.4 times per interval).
Clock::MonoTime::duration recheckWait(std::size_t keyHash, Duration recheck, bool afterRead) {
  const auto full = recheck.as<Clock::MonoTime::duration>();
  if (!afterRead) return full;
  const auto share = static_cast<std::int64_t>(keyHash % 1024);
  return full - full / 2 * share / 1024;
}

std::uint64_t digestOf(std::string_view modTime) {
  return std::hash<std::string_view>{}(modTime);
}

}  // namespace

struct CertificateScanner::Work {
  std::vector<JobGroup> groups;
  std::size_t nextGroup = 0;
  std::deque<std::pair<std::size_t, std::size_t>> ready;  // (group, item) not yet observed
  std::size_t running = 0;
  ScanResult* result;
  std::unique_ptr<asio::steady_timer> done;
  // Per spec, by index from `specs`: what every file of the spec needs, looked up once a scan.
  const CertificateSpec* specs = nullptr;
  std::vector<std::uint32_t> pathIds;    // pathId(allocPath())
  std::vector<TrustAnchorsPtr> anchors;  // anchorsFor(caMount)
  bool sameSpecs = false;                // the previous scan had the same specs: rows may stand

  FileKey keyOf(const JobGroup::Item& item) const {
    return {item.allocId, pathIds[static_cast<std::size_t>(item.spec - specs)]};
  }
};

CertificateScanner::CertificateScanner(AllocationReaderPtr reader, ClockPtr clock,
                                       ScanOptions options)
    : reader_(std::move(reader)), clock_(std::move(clock)), options_(options) {
  if (options_.concurrency == 0) options_.concurrency = 1;
}

std::uint32_t CertificateScanner::pathId(const std::string& path) {
  auto [it, added] = pathIds_.try_emplace(path, static_cast<std::uint32_t>(paths_.size()));
  if (added) paths_.push_back(path);
  return it->second;
}

CertificateScanner::CacheEntry* CertificateScanner::notDueEntry(const CertificateSpec& spec,
                                                                const FileKey& key, Work& work) {
  const Duration recheck = options_.recheckInterval;
  if (recheck <= options_.observationInterval) return nullptr;
  const auto specIndex = static_cast<std::uint32_t>(&spec - work.specs);
  auto cached = cache_.find(key);
  if (cached == cache_.end()) return nullptr;
  CacheEntry& entry = cached->second;
  if (clock_->monotonic() - entry.statAt >=
      recheckWait(FileKeyHash{}(key), recheck, entry.afterRead))
    return nullptr;
  CheckContext ctx;
  ctx.now = clock_->now();
  ctx.anchors = work.anchors[specIndex];
  if (!entry.facts->chain.holdsFor(ctx.anchors, ctx.now)) return nullptr;
  ctx.notBeforeDuration = options_.notBeforeDuration;
  ctx.observationInterval = options_.observationInterval;
  // Only a settled certificate waits: a problem's fix, and a renewal due before the next
  // threshold, must be seen at the next scan. A standing row already holds that decision.
  const auto span = recheck.as<std::chrono::system_clock::duration>();
  const CertificateRowPtr standing = work.sameSpecs ? standingRow(&entry, specIndex, ctx) : nullptr;
  if (standing ? *standing->nextChange - ctx.now <= span
               : !settledFor(spec, *entry.facts, ctx, recheck))
    return nullptr;
  ++work.result->statsSkipped;
  entry.seen = true;
  return &entry;
}

CertificateRowPtr CertificateScanner::standingRow(const CacheEntry* entry, std::uint32_t specIndex,
                                                  const CheckContext& ctx) const {
  // The row is a function of the spec, the facts, the anchors and `now` only through the
  // expiry decision, which holds until nextChange (an ok message names no time left).
  if (!entry || !entry->row || entry->rowSpec != specIndex ||
      entry->facts->chain.anchors != ctx.anchors)
    return nullptr;
  // Only ok rows stand: a row with a problem is decided, and its alert raised, on every scan.
  const auto& next = entry->row->nextChange;
  return entry->row->state == CertState::ok && next && ctx.now < *next ? entry->row : nullptr;
}

asio::awaitable<Observation> CertificateScanner::observe(const CertificateSpec& spec, FileKey key,
                                                         ScanResult& result, CacheEntry*& entry) {
  const std::string path = paths_[key.path];
  const std::string allocId = key.alloc.str();
  TrustAnchorsPtr anchors = anchorsFor(spec.caMount);
  auto info = co_await reader_->stat(allocId, path);
  if (!info) {
    if (info.error().is(errc::not_found))
      co_return Observation{Observation::Kind::missing, {}, info.error().message};
    co_return Observation{Observation::Kind::unreadable, {}, info.error().message};
  }
  if (info->isDir)
    co_return Observation{Observation::Kind::unreadable, {}, path + " is a directory"};
  // Looked up after the stat: other workers insert meanwhile, and a rehash moves iterators.
  auto cached = cache_.find(key);
  if (cached != cache_.end() && cached->second.modTimeDigest == digestOf(info->modTime) &&
      cached->second.size == info->size &&
      cached->second.facts->chain.holdsFor(anchors, clock_->now())) {
    ++result.cacheHits;
    cached->second.seen = true;
    cached->second.statAt = clock_->monotonic();
    cached->second.afterRead = false;
    entry = &cached->second;
    co_return Observation{Observation::Kind::read, {}, {}, cached->second.facts};
  }
  Result<std::string> content;  // (no co_await in a conditional expression: g++ 12 bug)
  if (needsExec(spec.path))
    content = co_await reader_->execCat(allocId, spec.task, spec.path);
  else
    content = co_await reader_->cat(allocId, path);
  if (!content) co_return Observation{Observation::Kind::unreadable, {}, content.error().message};
  ++result.filesRead;
  auto facts =
      std::make_shared<const CertificateFacts>(extractFacts(*content, anchors, clock_->now()));
  // A new entry: the row kept for the old content goes with it.
  entry = &cache_[std::move(key)];
  *entry = CacheEntry{.modTimeDigest = digestOf(info->modTime),
                      .size = info->size,
                      .facts = facts,
                      .statAt = clock_->monotonic(),
                      .afterRead = true,
                      .seen = true,
                      .row = nullptr,
                      .rowSpec = 0};
  co_return Observation{Observation::Kind::read, {}, {}, std::move(facts)};
}

void CertificateScanner::refreshAnchors(const std::map<std::string, std::string>& caChains) {
  std::erase_if(anchors_, [&](const auto& kv) { return !caChains.count(kv.first); });
  for (const auto& [mount, pem] : caChains) {
    auto& slot = anchors_[mount];
    if (pem.empty())
      slot.reset();  // Vault's chain unknown: certificates are checked without it
    else if (!slot || !slot->sameSource(pem))
      slot = TrustAnchors::fromPem(pem);
  }
}

TrustAnchorsPtr CertificateScanner::anchorsFor(const std::string& mount) const {
  auto it = anchors_.find(mount);
  return it == anchors_.end() ? nullptr : it->second;
}

// Reads what is ready before listing the next job: in-flight requests stay at `concurrency`
// and the listed-but-unread allocations stay few.
asio::awaitable<void> CertificateScanner::worker(CertificateScanner* self, Work* work) {
  while (true) {
    if (!work->ready.empty()) {
      auto [g, i] = work->ready.front();
      work->ready.pop_front();
      JobGroup& group = work->groups[g];
      const JobGroup::Item& item = group.items[i];
      // A file that is not due is decided from its kept facts without a coroutine of its own:
      // that frame and the allocation ID's copy were 8 % of a no-due scan period's samples.
      FileKey key = work->keyOf(item);
      if (CacheEntry* kept = self->notDueEntry(*item.spec, key, *work)) {
        group.entries[i] = kept;
        group.observations[i] = Observation{Observation::Kind::read, {}, {}, kept->facts};
      } else {
        group.observations[i] =
            co_await self->observe(*item.spec, std::move(key), *work->result, group.entries[i]);
      }
      continue;
    }
    if (work->nextGroup == work->groups.size()) break;
    std::size_t g = work->nextGroup++;
    JobGroup& group = work->groups[g];  // groups is sized before the workers start
    if (self->reuseListing(group)) {
      ++work->result->listingsReused;
    } else {
      auto flight = self->inFlight_.insert(self->inFlight_.end(), InFlight{group.job});
      auto list = co_await self->reader_->jobAllocations(group.job, group.nomadNamespace);
      const bool invalidated = flight->invalidated;
      self->inFlight_.erase(flight);
      if (!list) {
        group.error = list.error().message;
        continue;
      }
      ++work->result->jobsListed;
      collectItems(group, *list);
      if (!invalidated) self->keepListing(group);
    }
    group.observations.resize(group.items.size());
    group.entries.assign(group.items.size(), nullptr);
    for (std::size_t i = 0; i < group.items.size(); ++i) work->ready.emplace_back(g, i);
  }
  if (--work->running == 0) work->done->cancel();
}

asio::awaitable<ScanResult> CertificateScanner::scan(CertificateSpecs declared,
                                                     std::map<std::string, std::string> caChains) {
  if (!declared) declared = std::make_shared<const std::vector<CertificateSpec>>();
  // An equal list (a reload that changed no certificate) is scanned as the kept one: rows that
  // stand name it, and new rows naming the other would keep two copies alive.
  if (lastSpecs_ && lastSpecs_ != declared && *lastSpecs_ == *declared) declared = lastSpecs_;
  const std::vector<CertificateSpec>& specs = *declared;
  ScanResult result;
  for (auto& [key, entry] : cache_) entry.seen = false;
  for (auto& [key, listing] : listings_) listing.seen = false;
  refreshAnchors(caChains);

  // Allocations per job, listed once even when a job declares several certificates.
  Work work;
  work.result = &result;
  work.specs = specs.data();
  work.sameSpecs = lastSpecs_ == declared;
  work.pathIds.reserve(specs.size());
  work.anchors.reserve(specs.size());
  std::map<std::pair<std::string, std::string>, std::size_t> groupOf;
  for (const auto& spec : specs) {
    work.pathIds.push_back(pathId(allocPath(spec)));
    work.anchors.push_back(anchorsFor(spec.caMount));
    auto [it, added] = groupOf.try_emplace({spec.nomadNamespace, spec.job}, work.groups.size());
    if (added) {
      work.groups.emplace_back();
      work.groups.back().nomadNamespace = spec.nomadNamespace;
      work.groups.back().job = spec.job;
    }
    work.groups[it->second].specs.push_back(&spec);
  }

  if (!work.groups.empty()) {
    auto executor = co_await asio::this_coro::executor;
    work.done =
        std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
    work.running = options_.concurrency;
    for (std::size_t i = 0, n = work.running; i < n; ++i)
      asio::co_spawn(executor, worker(this, &work), asio::detached);
    // co_spawn dispatches inline, so workers whose reads never suspend may all be done already.
    if (work.running > 0) {
      boost::system::error_code ec;
      co_await work.done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  for (auto& group : work.groups) {
    if (group.error) {
      result.errors.push_back("job " + group.job + ": " + *group.error);
      result.failedJobs.push_back(group.job);
    }
    result.allocations += group.allocations;
    for (auto& alert : group.templateAlerts) result.alerts.push_back(std::move(alert));
  }

  CheckContext ctx;
  ctx.now = clock_->now();
  result.decidedAt = ctx.now;
  ctx.notBeforeDuration = options_.notBeforeDuration;
  ctx.observationInterval = options_.observationInterval;
  // Rows in declaration order: spec by spec, each spec's allocations in list order. Sized once:
  // growing by doubling held two copies of the rows at the peak (~10 MB at 10k certificates).
  std::size_t total = 0;
  for (const auto& group : work.groups) total += group.items.size();
  result.rows.reserve(total);
  std::vector<std::size_t> cursor(work.groups.size(), 0);
  for (std::uint32_t s = 0; s < specs.size(); ++s) {
    const CertificateSpec& spec = specs[s];
    std::size_t g = groupOf.at({spec.nomadNamespace, spec.job});
    JobGroup& group = work.groups[g];
    ctx.anchors = work.anchors[s];
    for (std::size_t& i = cursor[g]; i < group.items.size() && group.items[i].spec == &spec; ++i) {
      CacheEntry* entry = group.entries[i];
      if (auto standing = work.sameSpecs ? standingRow(entry, s, ctx) : nullptr) {
        ++result.rowsReused;
        result.rows.push_back(std::move(standing));
      } else {
        const Observation& obs = *group.observations[i];
        auto row = std::make_shared<const CertificateRow>(
            checkCertificate(std::shared_ptr<const CertificateSpec>(declared, &spec),
                             group.items[i].allocId, obs, ctx));
        if (auto alert = alertFor(*row, ctx.now)) result.alerts.push_back(std::move(*alert));
        if (entry && obs.facts == entry->facts) {
          const bool ok = row->state == CertState::ok;
          entry->row = ok ? row : nullptr;
          entry->rowSpec = s;
        }
        result.rows.push_back(std::move(row));
      }
      group.observations[i].reset();
    }
  }
  std::erase_if(cache_, [](const auto& kv) { return !kv.second.seen; });     // stopped allocs
  std::erase_if(listings_, [](const auto& kv) { return !kv.second.seen; });  // undeclared jobs
  lastSpecs_ = std::move(declared);
  co_return result;
}

}  // namespace nc::certs
