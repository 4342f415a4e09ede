// The simulated scheduler and client: placement, task lifecycles, stops, alloc dirs, identities.
#include "client_sim.hpp"

#include <fmt/format.h>

#include <optional>

#include "client_sim_impl.hpp"
#include "vault_agent.hpp"

namespace nc::nomadsim {

void ClientSim::Impl::after(int ms, std::function<void()> f) {
  auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(ms));
  timers.insert(t);
  t->async_wait([this, t, f = std::move(f)](boost::system::error_code ec) {
    timers.erase(t);
    if (!ec) f();
  });
}

void ClientSim::Impl::publish(const std::string& type, const std::vector<std::string>& ids,
                              std::uint64_t index) {
  std::vector<Event> events;
  for (const auto& id : ids) {
    Allocation& a = allocs.at(id);
    a.modifyIndex = index;
    a.modifyTime = now();
    Allocation noJob = a;
    noJob.job.reset();
    events.push_back({"Allocation",
                      type,
                      a.id,
                      a.nameSpace,
                      {a.jobId, ""},
                      index,
                      "{\"Allocation\":" + allocJson(noJob, opt.nodeId, opt.nodeName) + "}"});
  }
  state.publish(index, std::move(events));
  state.setTableIndex("allocs", index);
}

std::vector<Allocation*> ClientSim::Impl::jobAllocs(const std::string& ns, const std::string& job) {
  std::vector<Allocation*> out;
  auto it = byJob.find({ns, job});
  if (it == byJob.end()) return out;
  for (const auto& id : it->second) out.push_back(&allocs.at(id));
  return out;
}

void ClientSim::Impl::updateJob(const std::string& ns, const std::string& jobId,
                                std::uint64_t index) {
  const JobRecord* rec = state.job(ns, jobId);
  if (rec == nullptr) return;
  std::map<std::string, GroupSummary> summary;
  for (const auto& [g, c] : rec->groups) summary[g];
  bool live = false, any = false;
  for (Allocation* a : jobAllocs(ns, jobId)) {
    GroupSummary& s = summary[a->group];
    any = true;
    if (a->clientStatus == "pending")
      s.starting++, live = true;
    else if (a->clientStatus == "running")
      s.running++, live = true;
    else if (a->clientStatus == "complete")
      s.complete++;
    else if (a->clientStatus == "failed")
      s.failed++;
    else if (a->clientStatus == "lost")
      s.lost++;
  }
  state.setSummary(ns, jobId, std::move(summary), index);
  std::string status = live ? "running" : (rec->stop || any) ? "dead" : "pending";
  state.setJobStatus(ns, jobId, status, index);
}

// A batch of allocation updates may span jobs (the start queue mixes them): every job touched
// gets its summary and status recomputed, not only the last one's.
void ClientSim::Impl::updateJobsOf(const std::vector<std::string>& allocIds, std::uint64_t index) {
  std::set<std::pair<std::string, std::string>> jobs;
  for (const auto& id : allocIds) {
    if (auto it = allocs.find(id); it != allocs.end())
      jobs.emplace(it->second.nameSpace, it->second.jobId);
  }
  for (const auto& [ns, jobId] : jobs) updateJob(ns, jobId, index);
}

void ClientSim::Impl::allocationsUpdated(const std::vector<std::string>& allocIds,
                                         std::uint64_t index) {
  if (allocIds.empty()) return;
  publish("AllocationUpdated", allocIds, index);
  updateJobsOf(allocIds, index);
  state.changed();
}

void ClientSim::Impl::stopDesired(Allocation& a, const std::string& why) {
  a.desiredStatus = "stop";
  a.desiredDescription = why;
}

void ClientSim::Impl::schedule(const std::string& ns, const std::string& jobId) {
  const JobRecord* rec = state.job(ns, jobId);
  std::vector<std::string> changed, created, stopped;
  std::uint64_t index = state.nextIndex();
  auto live = jobAllocs(ns, jobId);
  std::erase_if(live, [](Allocation* a) { return a->desiredStatus != "run"; });
  if (rec == nullptr || rec->stop) {
    for (Allocation* a : live) {
      stopDesired(*a, "alloc not needed due to job update");
      stopped.push_back(a->id);
    }
  } else {
    Doc job = parsed(rec->json);
    for (const auto& g : job["TaskGroups"].GetArray()) {
      std::string group = getString(g, "Name");
      std::int64_t count = getInt(g, "Count");
      std::vector<Allocation*> keep;
      std::set<std::int64_t> usedIdx;
      for (Allocation* a : live) {
        if (a->group != group) continue;
        Doc old = parsed(a->job);
        const Val* oldGroup = nullptr;
        for (const auto& og : old["TaskGroups"].GetArray()) {
          if (getString(og, "Name") == group) oldGroup = &og;
        }
        Val gc(g, job.GetAllocator());
        removeMember(gc, "Count");
        bool same = false;
        if (oldGroup) {
          Val oc(*oldGroup, old.GetAllocator());
          removeMember(oc, "Count");
          same = oc == gc;
        }
        if (same) {  // in-place: the allocation moves to the new job version
          a->job = rec->json;
          a->jobVersion = rec->version;
          keep.push_back(a);
          usedIdx.insert(std::stoll(a->name.substr(a->name.rfind('[') + 1)));
          changed.push_back(a->id);
        } else {
          stopDesired(*a, "alloc is being updated due to job update");
          stopped.push_back(a->id);
        }
      }
      while (static_cast<std::int64_t>(keep.size()) > count) {
        stopDesired(*keep.back(), "alloc not needed due to job update");
        stopped.push_back(keep.back()->id);
        keep.pop_back();
      }
      std::int64_t next = 0;
      for (std::int64_t n = static_cast<std::int64_t>(keep.size()); n < count; ++n) {
        while (usedIdx.count(next)) ++next;
        usedIdx.insert(next);
        Allocation a;
        a.id = SimState::uuid();
        a.evalId = SimState::uuid();
        a.name = fmt::format("{}.{}[{}]", jobId, group, next);
        a.nameSpace = ns;
        a.jobId = jobId;
        a.jobType = rec->type;
        a.group = group;
        a.job = rec->json;
        a.jobVersion = rec->version;
        a.createIndex = a.allocModifyIndex = index;
        a.createTime = now();
        for (const auto& t : g["Tasks"].GetArray()) {
          std::string tn = getString(t, "Name");
          a.taskOrder.push_back(tn);
          appendEvent(a.tasks[tn], taskEvent("Received", now(), "", "Task received by client"));
        }
        created.push_back(a.id);
        byJob[{ns, jobId}].push_back(a.id);
        allocs.emplace(a.id, std::move(a));
      }
    }
  }
  std::vector<std::string> all = created;
  all.insert(all.end(), stopped.begin(), stopped.end());
  all.insert(all.end(), changed.begin(), changed.end());
  if (all.empty()) return;
  publish("PlanResult", all, index);
  updateJob(ns, jobId, index);
  state.changed();
  if (!created.empty()) after(opt.startDelayMs, [this, created] { start(created); });
  if (!stopped.empty()) after(opt.startDelayMs, [this, stopped] { kill(stopped); });
}

// The client receives the allocations: directories, identities, then the template hook; tasks
// start once every task's first render is done (a Vault-backed render is asynchronous).
// Directories and identity signing are synchronous, so allocations start from one queue, a few
// per io turn: a burst of large jobs never holds the API for more than one slice.
void ClientSim::Impl::start(const std::vector<std::string>& ids) {
  starting.insert(starting.end(), ids.begin(), ids.end());
  if (!startScheduled) {
    startScheduled = true;
    after(0, [this] { startSome(); });
  }
}

void ClientSim::Impl::startSome() {
  constexpr std::size_t kSlice = 2;
  std::vector<std::string> ids;
  while (!starting.empty() && ids.size() < kSlice) {
    ids.push_back(std::move(starting.front()));
    starting.pop_front();
  }
  startScheduled = !starting.empty();
  if (startScheduled) after(0, [this] { startSome(); });
  std::vector<std::string> ready;
  for (const auto& id : ids) {
    auto it = allocs.find(id);
    if (it == allocs.end() || it->second.desiredStatus != "run") continue;
    Allocation& a = it->second;
    Doc job = parsed(a.job);
    makeDirs(a, job);
    std::set<std::string> pending;
    std::optional<std::pair<std::string, std::string>> failure;
    fs::path root = opt.dataDir.empty() ? fs::path() : fs::path(opt.dataDir) / "alloc" / a.id;
    for (const Val* task : taskList(job, a.group)) {
      auto r = startTemplates(a, *task, root);
      if (!r) {
        failure.emplace(getString(*task, "Name"), r.error().message);
        break;
      }
      if (!r.value()) pending.insert(getString(*task, "Name"));
    }
    if (failure) {
      failTask(id, failure->first, failure->second);
    } else if (pending.empty()) {
      ready.push_back(id);
    } else {
      waiting[id] = std::move(pending);
    }
  }
  runTasks(ready);
}

void ClientSim::Impl::runTasks(const std::vector<std::string>& ids) {
  std::uint64_t index = state.nextIndex();
  std::vector<std::string> done, batch;
  for (const auto& id : ids) {
    auto it = allocs.find(id);
    if (it == allocs.end() || it->second.desiredStatus != "run") continue;
    Allocation& a = it->second;
    Doc job = parsed(a.job);  // directories and identities were written by start()
    std::int64_t t = now();
    for (const auto& task : taskList(job, a.group)) {
      TaskState& ts = a.tasks[getString(*task, "Name")];
      appendEvent(ts,
                  taskEvent("Task Setup", t, "Building Task Directory", "Building Task Directory"));
      appendEvent(ts, taskEvent("Started", t, "", "Task started by client"));
      ts.state = "running";
      ts.startedAt = t;
      const Val* lc = member(*task, "Lifecycle");
      bool ephemeralPrestart =
          lc && lc->IsObject() && getString(*lc, "Hook") == "prestart" && !getBool(*lc, "Sidecar");
      if (ephemeralPrestart) {  // its templates stop with it: nothing renews them
        terminate(ts, t);
        templates->stop(a.id, getString(*task, "Name"));
      } else if (!opt.vaultAddr.empty() &&
                 !vaultAgentConfigPath(*task).empty()) {  // the agent's own auth and templates
        after(0, [this, id = a.id, name = getString(*task, "Name")] { startAgent(id, name); });
      }
    }
    a.clientStatus = "running";
    done.push_back(id);
    if (a.jobType == "batch" || a.jobType == "sysbatch") batch.push_back(id);
  }
  if (done.empty()) return;
  allocationsUpdated(done, index);
  if (!batch.empty()) after(opt.batchRunMs, [this, batch] { finishBatch(batch); });
}

std::vector<const Val*> ClientSim::Impl::taskList(const Val& job, const std::string& group) {
  std::vector<const Val*> out;
  for (const auto& g : job["TaskGroups"].GetArray()) {
    if (getString(g, "Name") != group) continue;
    for (const auto& t : g["Tasks"].GetArray()) out.push_back(&t);
  }
  return out;
}

ClientSim::ClientSim(asio::io_context& io, SimState& state, const KeyRing& keys,
                     ClientOptions options)
    : opt_(std::move(options)) {
  impl_ = std::make_unique<Impl>(Impl{io, state, keys, opt_, {}, {}, {}, {}, {}, {}, false});
  TemplateEngineOptions to;
  to.vaultAddr = opt_.vaultAddr;
  to.jwtMount = opt_.vaultJwtMount;
  to.retryAttempts = opt_.vaultRetryAttempts;
  to.retryBaseMs = opt_.vaultRetryBaseMs;
  to.eventRateMs = opt_.templateEventRateMs;
  Impl* impl = impl_.get();
  TemplateHooks hooks;
  hooks.rendered = [impl](const std::string& a, const std::string& t) {
    impl->templatesRendered(a, t);
  };
  hooks.rerendered = [impl](const std::string& a, const std::string& t,
                            std::vector<TemplateChange> changed) {
    impl->templatesChanged(a, t, changed);
  };
  hooks.missing = [impl](const std::string& a, const std::string& t, const std::string& d) {
    impl->templateMissing(a, t, d);
  };
  hooks.agentExited = [impl](const std::string& a, const std::string& t, const std::string& e) {
    impl->agentExited(a, t, e);
  };
  hooks.failed = [impl](const std::string& a, const std::string& t, const std::string& d) {
    impl->failTask(a, t, d);
  };
  impl_->templates = std::make_unique<TemplateEngine>(io, std::move(to), std::move(hooks));
}

ClientSim::~ClientSim() {
  for (const auto& t : impl_->timers) t->cancel();
  impl_->templates->reset();
}

void ClientSim::jobChanged(const std::string& ns, const std::string& id) {
  impl_->schedule(ns, id);
}

void ClientSim::reset() {
  for (const auto& t : impl_->timers) t->cancel();
  impl_->templates->reset();
  impl_->waiting.clear();
  impl_->starting.clear();
  impl_->startScheduled = false;  // its timer was cancelled above
  impl_->allocs.clear();
  impl_->byJob.clear();
}

void ClientSim::failTemplates(const std::string& ns, const std::string& jobId,
                              const std::string& error) {
  impl_->templates->setFailure(ns, jobId, error);
}

void ClientSim::pauseRenewals(const std::string& ns, const std::string& jobId, bool paused) {
  impl_->templates->setRenewalsPaused(ns, jobId, paused);
}

void ClientSim::restartClient() {
  impl_->templates->restartAll();
}

std::string ClientSim::templateStatus(const std::string& ns, const std::string& jobId) const {
  return impl_->templates->statusJson(ns, jobId);
}

const Allocation* ClientSim::alloc(const std::string& id) const {
  auto it = impl_->allocs.find(id);
  return it == impl_->allocs.end() ? nullptr : &it->second;
}

std::vector<const Allocation*> ClientSim::allocs(const std::string& ns,
                                                 const std::string& prefix) const {
  std::vector<const Allocation*> out;
  for (auto it = impl_->allocs.lower_bound(prefix); it != impl_->allocs.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (ns == "*" || it->second.nameSpace == ns) out.push_back(&it->second);
  }
  return out;
}

std::vector<const Allocation*> ClientSim::jobAllocs(const std::string& ns,
                                                    const std::string& jobId) const {
  std::vector<const Allocation*> out;
  for (Allocation* a : impl_->jobAllocs(ns, jobId)) out.push_back(a);
  return out;
}

std::string ClientSim::allocDir(const std::string& id) const {
  if (opt_.dataDir.empty()) return "";
  return (fs::path(opt_.dataDir) / "alloc" / id).string();
}

}  // namespace nc::nomadsim
