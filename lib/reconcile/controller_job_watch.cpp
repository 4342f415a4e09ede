// Controller's job watch: the blocking job list, and which listed jobs moved since last seen
// (JobModifyIndex and Stop, not status updates; our own confirmed writes are not changes).
#include <spdlog/spdlog.h>

#include "reconcile/controller.hpp"

namespace nc::reconcile {

boost::asio::awaitable<Result<void>> Controller::pollJobs(Duration wait) {
  nomad::QueryOptions q;
  q.index = listIndex_.index();
  if (q.index > 0) q.wait = wait;
  q.nomadNamespace = options_.reconciler.nomadNamespace;
  auto r = co_await nomad_->listJobs(q);
  if (!r) {
    // The next list answers at once: a restarted or restored server may be behind our index,
    // and a query above its index would wait out the whole (long) wait.
    listIndex_.reset();
    co_return r.error();
  }
  if (!listIndex_.update(r->meta.index)) co_return Result<void>();
  // O(stubs) hash look-ups; only jobs whose JobModifyIndex or Stop moved are queued.
  ++listGen_;
  const auto now = clock_->monotonic();
  std::size_t listed = 0;
  std::string name;
  for (const auto& stub : r->value) {
    name.assign(stub.nomadNamespace).append("/").append(stub.id);
    auto it = jobSeen_.find(name);
    if (it == jobSeen_.end()) continue;  // not declared
    ++listed;
    noteJob(name, it->second, stub.jobModifyIndex, stub.stop, r->meta.index, now);
  }
  if (listed < jobSeen_.size())  // declared jobs the list no longer holds
    for (auto& [n, seen] : jobSeen_)
      if (seen.listed != listGen_) noteJob(n, seen, 0, false, r->meta.index, now);
  co_return Result<void>();
}

void Controller::trackJobs() {
  for (const auto& k : reconciler_.keys())
    if (k.kind == Kind::job) jobSeen_.try_emplace(k.name);
}

void Controller::noteJob(const std::string& name, JobSeen& seen, std::uint64_t index, bool stop,
                         std::uint64_t listIndex, MonoTime now) {
  seen.listed = listGen_;
  if (seen.ownWrite) {
    // A list generated before our write landed (its index is lower) shows the job as it was:
    // not a change. Once the lists reach our write, they are compared as usual.
    if (listIndex < seen.index) return;
    seen.ownWrite = false;
  }
  if (seen.known && seen.index == index && seen.stop == stop) return;
  const bool first = !seen.known, stopMoved = seen.known && seen.stop != stop;
  seen = JobSeen{index, listGen_, stop, true, false};
  if (first) return;  // every key starts queued: the first list only records
  ResourceKey key{Kind::job, name};
  spdlog::debug("event=job_changed resource={} job_modify_index={} stop={}", key.toString(), index,
                stop);
  if (inFlight_ && *inFlight_ == key) {  // settleJob() decides once the pass ends
    inFlightMoved_ = true;
    inFlightStopMoved_ = inFlightStopMoved_ || stopMoved;
    return;
  }
  schedule(key, now);
}

void Controller::settleJob(const ResourceKey& key, const ResourceStatus& s, MonoTime now) {
  const bool moved = inFlightMoved_, stopMoved = inFlightStopMoved_;
  inFlight_.reset();
  inFlightMoved_ = inFlightStopMoved_ = false;
  auto it = jobSeen_.find(key.name);
  if (it == jobSeen_.end() || s.state == State::error) return;  // errors are retried anyway
  JobSeen& seen = it->second;
  // The pass's last plan saw the job at s.liveIndex: a list change at or below it is covered.
  if (moved && (stopMoved || seen.index > s.liveIndex)) {
    schedule(key, now);
    return;
  }
  if (s.changed && s.confirmed && s.liveIndex >= seen.index) {
    // Our own (confirmed) write: when the list shows this index, there is nothing to plan.
    seen.index = s.liveIndex;
    seen.stop = false;
    seen.known = true;
    seen.ownWrite = true;
  }
}

}  // namespace nc::reconcile
