// nomad-sim's state store: indexes, jobs with versions and evaluations (variables: state_vars.cpp).
#include "state.hpp"

#include <fmt/format.h>

#include <random>

#include "server_job.hpp"
#include "state_vars.hpp"

namespace nc::nomadsim {

SimState::SimState(ClockPtr clock) : clock_(std::move(clock)) {}
SimState::~SimState() = default;

std::string SimState::uuid() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFFULL);
}

std::uint64_t SimState::tableIndex(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? 0 : it->second;
}

std::uint64_t SimState::nextIndex() {
  return ++index_;
}

std::int64_t SimState::nowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_->now().time_since_epoch())
      .count();
}

void SimState::publish(std::uint64_t index, std::vector<Event> events) {
  events_.publish(index, std::move(events));
}

void SimState::changed() {
  if (onChange_) onChange_();
}

std::uint64_t SimState::jobsIndex() const {
  return std::max(tableIndex("jobs"), tableIndex("job_summary"));
}

void SimState::refreshStub(JobRecord& r, const Val& job) {
  r.name = getString(job, "Name");
  r.type = getString(job, "Type");
  r.status = getString(job, "Status");
  r.statusDescription = getString(job, "StatusDescription");
  r.nodePool = getString(job, "NodePool");
  r.parentId = getString(job, "ParentID");
  r.priority = getInt(job, "Priority", 50);
  r.submitTime = getInt(job, "SubmitTime");
  r.periodic = !isNull(job, "Periodic");
  r.parameterized = !isNull(job, "ParameterizedJob");
  r.stop = getBool(job, "Stop");
  r.createIndex = getUint(job, "CreateIndex");
  r.modifyIndex = getUint(job, "ModifyIndex");
  r.jobModifyIndex = getUint(job, "JobModifyIndex");
  r.version = getUint(job, "Version");
  const Val* dcs = member(job, "Datacenters");
  r.datacentersJson = dcs ? toJson(*dcs) : "null";
  const Val* meta = member(job, "Meta");
  r.metaJson = meta && meta->IsObject() ? toJson(*meta) : "{}";
  r.groups.clear();
  if (const Val* tgs = member(job, "TaskGroups"); tgs && tgs->IsArray()) {
    for (const auto& g : tgs->GetArray())
      r.groups.emplace_back(getString(g, "Name"), getInt(g, "Count"));
  }
}

std::string SimState::createEval(const Val& job, const std::string& triggeredBy,
                                 std::uint64_t index, const std::string& eventType,
                                 std::vector<Event>& events) {
  std::string id = uuid();
  Doc e(rapidjson::kObjectType);
  Alloc& a = e.GetAllocator();
  std::int64_t now = nowNs();
  setMember(e, "ID", id, a);
  setMember(e, "Namespace", getString(job, "Namespace"), a);
  setMember(e, "Priority", Val(getInt(job, "Priority", 50)), a);
  setMember(e, "Type", getString(job, "Type"), a);
  setMember(e, "TriggeredBy", triggeredBy, a);
  setMember(e, "JobID", getString(job, "ID"), a);
  setMember(e, "JobModifyIndex", Val(getUint(job, "JobModifyIndex")), a);
  setMember(e, "Status", "pending", a);
  setMember(e, "CreateIndex", Val(index), a);
  setMember(e, "ModifyIndex", Val(index), a);
  setMember(e, "CreateTime", Val(now), a);
  setMember(e, "ModifyTime", Val(now), a);
  std::string json = toJson(e);
  evals_[id] = json;
  evalOrder_.push_back(id);
  if (evalOrder_.size() > 20000) {
    evals_.erase(evalOrder_.front());
    evalOrder_.erase(evalOrder_.begin());
  }
  tables_["evals"] = index;
  events.push_back({"Evaluation",
                    eventType,
                    id,
                    getString(job, "Namespace"),
                    {getString(job, "ID")},
                    index,
                    "{\"Evaluation\":" + json + "}"});
  return id;
}

void SimState::upsertJob(Doc& job, JobRecord* existing, std::uint64_t index) {
  Alloc& a = job.GetAllocator();
  if (existing != nullptr) {
    setMember(job, "CreateIndex", Val(existing->createIndex), a);
    std::uint64_t v = getUint(job, "Version");
    if (v <= existing->version) setMember(job, "Version", Val(existing->version + 1), a);
  } else {
    setMember(job, "CreateIndex", Val(index), a);
    setMember(job, "Version", Val(std::uint64_t{0}), a);
  }
  setMember(job, "ModifyIndex", Val(index), a);
  setMember(job, "JobModifyIndex", Val(index), a);
  setMember(job, "Stable", Val(false), a);
  setMember(job, "Status", getBool(job, "Stop") ? "dead" : "pending", a);
  setMember(job, "StatusDescription", "", a);
  std::string ns = getString(job, "Namespace");
  std::string id = getString(job, "ID");
  JobRecord& r = jobs_[{ns, id}];
  r.nameSpace = ns;
  r.id = id;
  if (existing == nullptr) r.summaryCreateIndex = index;
  r.summaryModifyIndex = index;
  r.json = std::make_shared<const std::string>(toJson(job));
  r.versions.insert(r.versions.begin(), r.json);
  if (r.versions.size() > kTrackedVersions) r.versions.resize(kTrackedVersions);
  refreshStub(r, job);
  tables_["jobs"] = index;
  tables_["job_summary"] = index;
}

Result<RegisterReply> SimState::registerJob(const Val& submitted, bool enforce, std::uint64_t jmi) {
  std::string ns = getString(submitted, "Namespace", "default");
  std::string id = getString(submitted, "ID");
  auto it = jobs_.find({ns, id});
  JobRecord* existing = it == jobs_.end() ? nullptr : &it->second;
  if (enforce) {
    if (jmi == 0 && existing) {
      return makeError(errc::conflict, "Enforcing job modify index 0: job already exists");
    }
    if (jmi != 0 && !existing) {
      return makeError(errc::conflict,
                       fmt::format("Enforcing job modify index {}: job does not exist", jmi));
    }
    if (jmi != 0 && existing->jobModifyIndex != jmi) {
      return makeError(errc::conflict,
                       fmt::format("Enforcing job modify index {}: job exists with conflicting job "
                                   "modify index: {}",
                                   jmi, existing->jobModifyIndex));
    }
  }
  Doc job;
  job.CopyFrom(submitted, job.GetAllocator());
  Alloc& a = job.GetAllocator();
  RegisterReply reply;
  bool changed = true;
  if (existing) {
    // Job.SpecChanged: compare with the server-populated fields copied from the stored job.
    auto stored = parseJson(*existing->json);
    Doc cmp;
    cmp.CopyFrom(job, cmp.GetAllocator());
    for (auto f : {"Status", "StatusDescription", "Stable", "Version", "CreateIndex", "ModifyIndex",
                   "JobModifyIndex", "SubmitTime", "VersionTag"}) {
      if (const Val* v = member(stored.value(), f))
        setMember(cmp, f, Val(*v, cmp.GetAllocator()), cmp.GetAllocator());
      else
        removeMember(cmp, f);
    }
    changed = !(cmp == stored.value());
  }
  std::uint64_t index = nextIndex();
  std::vector<Event> events;
  if (!changed) {
    // No new version; a new evaluation all the same, in its own raft entry.
    auto stored = parseJson(*existing->json);
    if (!isPeriodicOrParameterized(stored.value())) {
      reply.evalId = createEval(stored.value(), "job-register", index, "EvaluationUpdated", events);
      reply.evalCreateIndex = index;
    }
    reply.jobModifyIndex = existing->modifyIndex;
    reply.index = index;
    publish(index, std::move(events));
    SimState::changed();
    return reply;
  }
  setMember(job, "SubmitTime", Val(nowNs()), a);
  upsertJob(job, existing, index);
  events.push_back(
      {"Job", "JobRegistered", id, ns, {}, index, "{\"Job\":" + *jobs_[{ns, id}].json + "}"});
  if (!isPeriodicOrParameterized(job)) {
    reply.evalId = createEval(job, "job-register", index, "JobRegistered", events);
    reply.evalCreateIndex = index;
  }
  reply.jobModifyIndex = index;
  reply.index = index;
  publish(index, std::move(events));
  SimState::changed();
  if (onJobWrite_) onJobWrite_(ns, id);
  return reply;
}

DeregisterReply SimState::deregisterJob(const std::string& ns, const std::string& id, bool purge) {
  DeregisterReply reply;
  auto it = jobs_.find({ns, id});
  if (it == jobs_.end()) return reply;
  auto stored = parseJson(*it->second.json);
  Doc job = std::move(stored.value());
  std::uint64_t index = nextIndex();
  std::vector<Event> events;
  if (purge) {
    Alloc& a = job.GetAllocator();
    events.push_back({"Job",
                      "JobDeregistered",
                      id,
                      ns,
                      {},
                      index,
                      "{\"Job\":" + toJson(job) + ",\"Deleted\":true}"});
    (void)a;
    jobs_.erase(it);
    tables_["jobs"] = index;
    tables_["job_summary"] = index;
  } else {
    setMember(job, "Stop", Val(true), job.GetAllocator());
    upsertJob(job, &it->second, index);
    events.push_back(
        {"Job", "JobDeregistered", id, ns, {}, index, "{\"Job\":" + *jobs_[{ns, id}].json + "}"});
  }
  if (!isPeriodicOrParameterized(job)) {
    reply.evalId = createEval(job, "job-deregister", index, "JobDeregistered", events);
    reply.evalCreateIndex = index;
  }
  reply.jobModifyIndex = index;
  reply.index = index;
  publish(index, std::move(events));
  changed();
  if (onJobWrite_) onJobWrite_(ns, id);
  return reply;
}

const JobRecord* SimState::job(const std::string& ns, const std::string& id) const {
  auto it = jobs_.find({ns, id});
  return it == jobs_.end() ? nullptr : &it->second;
}

std::vector<const JobRecord*> SimState::jobs(const std::string& ns,
                                             const std::string& prefix) const {
  std::vector<const JobRecord*> out;
  auto begin = ns == "*" ? jobs_.begin() : jobs_.lower_bound({ns, prefix});
  for (auto it = begin; it != jobs_.end(); ++it) {
    if (ns != "*" && it->first.first != ns) break;
    if (it->first.second.compare(0, prefix.size(), prefix) != 0) {
      if (ns != "*") break;
      continue;
    }
    out.push_back(&it->second);
  }
  return out;
}

std::string SimState::summaryJson(const JobRecord& r) const {
  std::string groups;
  for (const auto& [name, count] : r.groups) {
    if (!groups.empty()) groups += ",";
    GroupSummary s;
    if (auto it = r.summary.find(name); r.clientSummary && it != r.summary.end())
      s = it->second;
    else if (!r.clientSummary)
      s.queued = r.stop ? 0 : count;
    groups += fmt::format(
        "\"{}\":{{\"Queued\":{},\"Complete\":{},\"Failed\":{},\"Running\":{},\"Starting\":{},"
        "\"Lost\":{},\"Unknown\":0}}",
        name, s.queued, s.complete, s.failed, s.running, s.starting, s.lost);
  }
  return fmt::format(
      "{{\"JobID\":{},\"Namespace\":{},\"Summary\":{{{}}},\"Children\":{{\"Pending\":0,"
      "\"Running\":0,\"Dead\":0}},\"CreateIndex\":{},\"ModifyIndex\":{}}}",
      toJson(Val(rapidjson::StringRef(r.id.c_str()))),
      toJson(Val(rapidjson::StringRef(r.nameSpace.c_str()))), groups, r.summaryCreateIndex,
      r.summaryModifyIndex);
}

std::string SimState::stubJson(const JobRecord& r, bool withMeta) const {
  auto q = [](const std::string& s) {
    return toJson(Val(rapidjson::StringRef(s.c_str(), s.size())));
  };
  std::string out = fmt::format(
      "{{\"ID\":{},\"ParentID\":{},\"Name\":{},\"Namespace\":{},\"Datacenters\":{},\"NodePool\":{},"
      "\"Multiregion\":null,\"Type\":{},\"Priority\":{},\"Periodic\":{},\"ParameterizedJob\":{},"
      "\"Stop\":{},\"Status\":{},\"StatusDescription\":{},\"JobSummary\":{},\"CreateIndex\":{},"
      "\"ModifyIndex\":{},\"JobModifyIndex\":{},\"SubmitTime\":{}",
      q(r.id), q(r.parentId), q(r.name), q(r.nameSpace), r.datacentersJson, q(r.nodePool),
      q(r.type), r.priority, r.periodic, r.parameterized, r.stop, q(r.status),
      q(r.statusDescription), summaryJson(r), r.createIndex, r.modifyIndex, r.jobModifyIndex,
      r.submitTime);
  if (withMeta && r.metaJson != "{}") out += ",\"Meta\":" + r.metaJson;
  return out + "}";
}

namespace {
void mergePatch(Val& target, const Val& patch, Alloc& a) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, a);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& m : patch.GetObject()) {
    std::string k = m.name.GetString();
    if (m.value.IsNull()) {
      removeMember(target, k);
    } else if (Val* t = member(target, k); t != nullptr && m.value.IsObject()) {
      mergePatch(*t, m.value, a);
    } else {
      setMember(target, k, Val(m.value, a), a);
    }
  }
}
}  // namespace

Result<RegisterReply> SimState::editJob(const std::string& ns, const std::string& id,
                                        const Val& patch) {
  const JobRecord* r = job(ns, id);
  if (r == nullptr) return makeError(errc::not_found, "job not found");
  auto stored = parseJson(*r->json);
  Doc job = std::move(stored.value());
  mergePatch(job, patch, job.GetAllocator());
  return registerJob(job, false, 0);
}

void SimState::setJobStatus(const std::string& ns, const std::string& id, const std::string& status,
                            std::uint64_t index) {
  auto it = jobs_.find({ns, id});
  if (it == jobs_.end() || it->second.status == status) return;
  auto parsed = parseJson(*it->second.json);
  Doc job = std::move(parsed.value());
  setMember(job, "Status", status, job.GetAllocator());
  setMember(job, "ModifyIndex", Val(index), job.GetAllocator());
  auto json = std::make_shared<const std::string>(toJson(job));
  // The version history keeps the same spec; only the current object changes.
  if (!it->second.versions.empty() && it->second.versions.front() == it->second.json) {
    it->second.versions.front() = json;
  }
  it->second.json = json;
  refreshStub(it->second, job);
  tables_["jobs"] = index;
}

void SimState::setSummary(const std::string& ns, const std::string& id,
                          std::map<std::string, GroupSummary> summary, std::uint64_t index) {
  auto it = jobs_.find({ns, id});
  if (it == jobs_.end()) return;
  it->second.summary = std::move(summary);
  it->second.clientSummary = true;
  it->second.summaryModifyIndex = index;
  tables_["job_summary"] = index;
}

std::optional<std::string> SimState::evalJson(const std::string& id) const {
  auto it = evals_.find(id);
  if (it == evals_.end()) return std::nullopt;
  return it->second;
}

void SimState::reset() {
  jobs_.clear();
  evals_.clear();
  evalOrder_.clear();
  vars_.clear();
  events_.clear();
  std::uint64_t index = nextIndex();
  for (auto t : {"jobs", "job_summary", "evals", "variables"}) tables_[t] = index;
  changed();
}

}  // namespace nc::nomadsim
