// The simulated scheduler and client: placement, task lifecycles, stops, alloc dirs, identities.
#include "client_sim.hpp"

#include "template_env.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace nc::nomadsim {

namespace fs = std::filesystem;
namespace asio = boost::asio;

struct ClientSim::Impl {
  asio::io_context& io;
  SimState& state;
  const KeyRing& keys;
  const ClientOptions& opt;
  std::map<std::string, Allocation> allocs;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> byJob;  ///< alloc IDs
  std::set<std::shared_ptr<asio::steady_timer>> timers;

  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(state.clock().now().time_since_epoch()).count();
  }

  void after(int ms, std::function<void()> f) {
    auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(ms));
    timers.insert(t);
    t->async_wait([this, t, f = std::move(f)](boost::system::error_code ec) {
      timers.erase(t);
      if (!ec) f();
    });
  }

  void publish(const std::string& type, const std::vector<std::string>& ids, std::uint64_t index) {
    std::vector<Event> events;
    for (const auto& id : ids) {
      Allocation& a = allocs.at(id);
      a.modifyIndex = index;
      a.modifyTime = now();
      Allocation noJob = a;
      noJob.job.reset();
      events.push_back({"Allocation", type, a.id, a.nameSpace, {a.jobId, ""}, index,
                        "{\"Allocation\":" + allocJson(noJob, opt.nodeId, opt.nodeName) + "}"});
    }
    state.publish(index, std::move(events));
    state.setTableIndex("allocs", index);
  }

  std::vector<Allocation*> jobAllocs(const std::string& ns, const std::string& job) {
    std::vector<Allocation*> out;
    auto it = byJob.find({ns, job});
    if (it == byJob.end()) return out;
    for (const auto& id : it->second) out.push_back(&allocs.at(id));
    return out;
  }

  void updateJob(const std::string& ns, const std::string& jobId, std::uint64_t index) {
    const JobRecord* rec = state.job(ns, jobId);
    if (rec == nullptr) return;
    std::map<std::string, GroupSummary> summary;
    for (const auto& [g, c] : rec->groups) summary[g];
    bool live = false, any = false;
    for (Allocation* a : jobAllocs(ns, jobId)) {
      GroupSummary& s = summary[a->group];
      any = true;
      if (a->clientStatus == "pending") s.starting++, live = true;
      else if (a->clientStatus == "running") s.running++, live = true;
      else if (a->clientStatus == "complete") s.complete++;
      else if (a->clientStatus == "failed") s.failed++;
      else if (a->clientStatus == "lost") s.lost++;
    }
    state.setSummary(ns, jobId, std::move(summary), index);
    std::string status = live ? "running" : (rec->stop || any) ? "dead" : "pending";
    state.setJobStatus(ns, jobId, status, index);
  }

  Doc parsed(const JsonPtr& p) { return std::move(parseJson(*p).value()); }

  void stopDesired(Allocation& a, const std::string& why) {
    a.desiredStatus = "stop";
    a.desiredDescription = why;
  }

  void schedule(const std::string& ns, const std::string& jobId) {
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

  void start(const std::vector<std::string>& ids) {
    std::uint64_t index = state.nextIndex();
    std::vector<std::string> done, batch;
    std::string ns, jobId;
    for (const auto& id : ids) {
      auto it = allocs.find(id);
      if (it == allocs.end() || it->second.desiredStatus != "run") continue;
      Allocation& a = it->second;
      Doc job = parsed(a.job);
      makeDirs(a, job);
      std::int64_t t = now();
      for (const auto& task : taskList(job, a.group)) {
        TaskState& ts = a.tasks[getString(*task, "Name")];
        appendEvent(ts, taskEvent("Task Setup", t, "Building Task Directory", "Building Task Directory"));
        appendEvent(ts, taskEvent("Started", t, "", "Task started by client"));
        ts.state = "running";
        ts.startedAt = t;
        const Val* lc = member(*task, "Lifecycle");
        bool ephemeralPrestart = lc && lc->IsObject() && getString(*lc, "Hook") == "prestart" && !getBool(*lc, "Sidecar");
        if (ephemeralPrestart) terminate(ts, t);
      }
      a.clientStatus = "running";
      done.push_back(id);
      if (a.jobType == "batch" || a.jobType == "sysbatch") batch.push_back(id);
      ns = a.nameSpace;
      jobId = a.jobId;
    }
    if (done.empty()) return;
    publish("AllocationUpdated", done, index);
    updateJob(ns, jobId, index);
    state.changed();
    if (!batch.empty()) after(opt.batchRunMs, [this, batch] { finishBatch(batch); });
  }

  void terminate(TaskState& ts, std::int64_t t) {
    appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                              {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
    ts.state = "dead";
    ts.finishedAt = t;
  }

  void finishBatch(const std::vector<std::string>& ids) {
    std::uint64_t index = state.nextIndex();
    std::vector<std::string> done;
    std::string ns, jobId;
    for (const auto& id : ids) {
      auto it = allocs.find(id);
      if (it == allocs.end() || it->second.clientStatus != "running") continue;
      for (auto& [name, ts] : it->second.tasks) {
        if (ts.state == "running") terminate(ts, now());
      }
      it->second.clientStatus = "complete";
      done.push_back(id);
      ns = it->second.nameSpace;
      jobId = it->second.jobId;
    }
    if (done.empty()) return;
    publish("AllocationUpdated", done, index);
    updateJob(ns, jobId, index);
    state.changed();
  }

  void kill(const std::vector<std::string>& ids) {
    std::uint64_t index = state.nextIndex();
    std::vector<std::string> done;
    std::string ns, jobId;
    for (const auto& id : ids) {
      auto it = allocs.find(id);
      if (it == allocs.end()) continue;
      Allocation& a = it->second;
      if (a.clientStatus != "pending" && a.clientStatus != "running") continue;
      std::int64_t t = now();
      for (auto& [name, ts] : a.tasks) {
        if (ts.state == "running") {
          appendEvent(ts, taskEvent("Killing", t, "", "Sent interrupt. Waiting 5s before force killing",
                                    {{"kill_timeout", "5s"}}, false, 0, 5000000000LL));
          appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                                    {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
          appendEvent(ts, taskEvent("Killed", t, "", "Task successfully killed"));
          ts.finishedAt = t;
        }
        ts.state = "dead";
      }
      a.clientStatus = "complete";
      done.push_back(id);
      ns = a.nameSpace;
      jobId = a.jobId;
    }
    if (done.empty()) return;
    publish("AllocationUpdated", done, index);
    updateJob(ns, jobId, index);
    state.changed();
  }

  static std::vector<const Val*> taskList(const Val& job, const std::string& group) {
    std::vector<const Val*> out;
    for (const auto& g : job["TaskGroups"].GetArray()) {
      if (getString(g, "Name") != group) continue;
      for (const auto& t : g["Tasks"].GetArray()) out.push_back(&t);
    }
    return out;
  }

  void makeDirs(const Allocation& a, const Val& job);
  void renderTemplates(const Allocation& a, const Val& task, const fs::path& root);
  std::string identityJwt(const Allocation& a, const Val& task, const Val& identity);
};

void ClientSim::Impl::makeDirs(const Allocation& a, const Val& job) {
  if (opt.dataDir.empty()) return;
  fs::path root = fs::path(opt.dataDir) / "alloc" / a.id;
  std::error_code ec;
  for (auto d : {"alloc/data", "alloc/logs", "alloc/tmp"}) fs::create_directories(root / d, ec);
  for (const Val* task : taskList(job, a.group)) {
    std::string tn = getString(*task, "Name");
    for (auto d : {"local", "secrets", "tmp", "private"}) fs::create_directories(root / tn / d, ec);
    for (auto log : {"stdout", "stderr"}) std::ofstream(root / "alloc/logs" / (tn + "." + log + ".0"));
    auto write = [&](const fs::path& p, const std::string& text) {
      std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
      fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, ec);
    };
    renderTemplates(a, *task, root);
    if (const Val* id = member(*task, "Identity"); id && id->IsObject()) {
      write(root / tn / "secrets/nomad_token", identityJwt(a, *task, *id));
    }
    if (const Val* ids = member(*task, "Identities"); ids && ids->IsArray()) {
      for (const auto& id : ids->GetArray()) {
        std::string name = getString(id, "Name");
        if (getBool(id, "File") || name.rfind("vault_", 0) == 0) {
          write(root / tn / "secrets" / ("nomad_" + name + ".jwt"), identityJwt(a, *task, id));
        }
      }
    }
  }
}

// Env-only templates are rendered into the task's view of the alloc dir; templates that need
// Vault (or other functions) are not evaluated by this simulator yet and are left unwritten.
void ClientSim::Impl::renderTemplates(const Allocation& a, const Val& task, const fs::path& root) {
  const Val* tmpls = member(task, "Templates");
  if (tmpls == nullptr || !tmpls->IsArray()) return;
  std::string tn = getString(task, "Name");
  std::string index = a.name.substr(a.name.rfind('[') + 1);
  index.pop_back();
  std::map<std::string, std::string> env = {
      {"NOMAD_JOB_NAME", a.jobId}, {"NOMAD_JOB_ID", a.jobId}, {"NOMAD_ALLOC_ID", a.id},
      {"NOMAD_ALLOC_NAME", a.name}, {"NOMAD_ALLOC_INDEX", index}, {"NOMAD_TASK_NAME", tn},
      {"NOMAD_GROUP_NAME", a.group}, {"NOMAD_NAMESPACE", a.nameSpace}, {"NOMAD_REGION", opt.region},
      {"NOMAD_DC", opt.datacenter}, {"NOMAD_ALLOC_DIR", "/alloc"}, {"NOMAD_TASK_DIR", "/local"},
      {"NOMAD_SECRETS_DIR", "/secrets"}, {"VAULT_ADDR", opt.vaultAddr}};
  if (const Val* e = member(task, "Env"); e && e->IsObject()) {
    for (const auto& m : e->GetObject()) env[m.name.GetString()] = getString(*e, m.name.GetString());
  }
  for (const auto& t : tmpls->GetArray()) {
    auto text = renderEnvTemplate(getString(t, "EmbeddedTmpl"), getString(t, "LeftDelim", "{{"),
                                  getString(t, "RightDelim", "}}"), env);
    if (!text) continue;
    std::string dest = getString(t, "DestPath");
    const std::string allocVar = "${NOMAD_ALLOC_DIR}";
    fs::path path = dest.rfind(allocVar, 0) == 0 ? root / "alloc" / fs::path(dest.substr(allocVar.size())).relative_path()
                                                 : root / tn / fs::path(dest).relative_path();
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << *text;
    int mode = 0644;
    try {
      mode = std::stoi(getString(t, "Perms", "0644"), nullptr, 8);
    } catch (...) {
    }
    fs::permissions(path, static_cast<fs::perms>(mode), ec);
  }
}

std::string ClientSim::Impl::identityJwt(const Allocation& a, const Val& task, const Val& identity) {
  Doc c(rapidjson::kObjectType);
  auto& al = c.GetAllocator();
  std::int64_t iat = now() / 1000000000LL;
  Val aud(identity["Audience"], al);
  setMember(c, "aud", std::move(aud), al);
  setMember(c, "iat", Val(iat), al);
  setMember(c, "nbf", Val(iat), al);
  std::int64_t ttl = getInt(identity, "TTL");
  if (ttl > 0) setMember(c, "exp", Val(static_cast<std::int64_t>(iat + ttl / 1000000000LL)), al);
  setMember(c, "jti", SimState::uuid(), al);
  setMember(c, "nomad_allocation_id", a.id, al);
  setMember(c, "nomad_job_id", a.jobId, al);
  setMember(c, "nomad_namespace", a.nameSpace, al);
  std::string tn = getString(task, "Name");
  setMember(c, "nomad_task", tn, al);
  setMember(c, "sub", fmt::format("{}:{}:{}:{}:{}:{}", opt.region, a.nameSpace, a.jobId, a.group, tn,
                                  getString(identity, "Name")), al);
  if (const Val* v = member(task, "Vault"); v && v->IsObject()) {
    if (!getString(*v, "Role").empty()) setMember(c, "vault_role", getString(*v, "Role"), al);
    if (!getString(*v, "Namespace").empty()) setMember(c, "vault_namespace", getString(*v, "Namespace"), al);
  }
  auto jwt = keys.signJwt(toJson(c));
  return jwt.has_value() ? jwt.value() : "";
}

ClientSim::ClientSim(asio::io_context& io, SimState& state, const KeyRing& keys, ClientOptions options)
    : opt_(std::move(options)) {
  impl_ = std::make_unique<Impl>(Impl{io, state, keys, opt_, {}, {}, {}});
}

ClientSim::~ClientSim() {
  for (const auto& t : impl_->timers) t->cancel();
}

void ClientSim::jobChanged(const std::string& ns, const std::string& id) { impl_->schedule(ns, id); }

void ClientSim::reset() {
  for (const auto& t : impl_->timers) t->cancel();
  impl_->allocs.clear();
  impl_->byJob.clear();
}

const Allocation* ClientSim::alloc(const std::string& id) const {
  auto it = impl_->allocs.find(id);
  return it == impl_->allocs.end() ? nullptr : &it->second;
}

std::vector<const Allocation*> ClientSim::allocs(const std::string& ns, const std::string& prefix) const {
  std::vector<const Allocation*> out;
  for (auto it = impl_->allocs.lower_bound(prefix); it != impl_->allocs.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (ns == "*" || it->second.nameSpace == ns) out.push_back(&it->second);
  }
  return out;
}

std::vector<const Allocation*> ClientSim::jobAllocs(const std::string& ns, const std::string& jobId) const {
  std::vector<const Allocation*> out;
  for (Allocation* a : impl_->jobAllocs(ns, jobId)) out.push_back(a);
  return out;
}

std::string ClientSim::allocDir(const std::string& id) const {
  if (opt_.dataDir.empty()) return "";
  return (fs::path(opt_.dataDir) / "alloc" / id).string();
}

}  // namespace nc::nomadsim
