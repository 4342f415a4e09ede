// Allocation and task-state JSON in Nomad's shapes.
#include "alloc_model.hpp"

#include <fmt/format.h>

#include <ctime>

namespace nc::nomadsim {

namespace {
std::string q(const std::string& s) {
  return toJson(Val(rapidjson::StringRef(s.c_str(), s.size())));
}
}  // namespace

std::string rfc3339(std::int64_t ns) {
  if (ns == 0) return "0001-01-01T00:00:00Z";
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000LL);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string frac = fmt::format("{:09d}", ns % 1000000000LL);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return std::string(buf) + (frac.empty() ? "" : "." + frac) + "Z";
}

std::string taskEvent(const std::string& type, std::int64_t timeNs, const std::string& message,
                      const std::string& display, const std::map<std::string, std::string>& details,
                      bool failsTask, std::int64_t exitCode, std::int64_t killTimeout) {
  std::string d = "{";
  for (const auto& [k, v] : details) d += (d.size() > 1 ? "," : "") + q(k) + ":" + q(v);
  d += "}";
  return fmt::format(
      "{{\"Type\":{},\"Time\":{},\"Message\":{},\"DisplayMessage\":{},\"Details\":{},\"FailsTask\":"
      "{},"
      "\"RestartReason\":\"\",\"SetupError\":\"\",\"DriverError\":\"\",\"ExitCode\":{},\"Signal\":"
      "0,"
      "\"KillTimeout\":{},\"KillError\":\"\",\"KillReason\":\"\",\"StartDelay\":0,"
      "\"DownloadError\":\"\","
      "\"ValidationError\":\"\",\"DiskLimit\":0,\"FailedSibling\":\"\",\"VaultError\":\"\","
      "\"TaskSignalReason\":\"\",\"TaskSignal\":\"\",\"DriverMessage\":\"\",\"GenericSource\":\"\"}"
      "}",
      q(type), timeNs, q(message), q(display), d, failsTask, exitCode, killTimeout);
}

void appendEvent(TaskState& ts, std::string eventJson) {
  ts.events.push_back(std::move(eventJson));
  while (ts.events.size() > TaskState::kMaxEvents) ts.events.pop_front();
}

std::string taskStatesJson(const Allocation& a) {
  std::string out = "{";
  for (const auto& name : a.taskOrder) {
    const TaskState& ts = a.tasks.at(name);
    std::string events = "[";
    for (std::size_t i = 0; i < ts.events.size(); ++i) events += (i ? "," : "") + ts.events[i];
    events += "]";
    out += (out.size() > 1 ? "," : "") +
           fmt::format(
               "{}:{{\"State\":{},\"Failed\":{},\"Restarts\":{},\"LastRestart\":{},"
               "\"StartedAt\":{},\"FinishedAt\":{},\"Events\":{},\"TaskHandle\":null,\"Paused\":"
               "\"\"}}",
               q(name), q(ts.state), ts.failed, ts.restarts, q(rfc3339(ts.lastRestart)),
               q(rfc3339(ts.startedAt)), q(rfc3339(ts.finishedAt)), events);
  }
  return out + "}";
}

std::string allocJson(const Allocation& a, const std::string& nodeId, const std::string& nodeName) {
  std::string out = "{\"ID\":" + q(a.id) + ",\"Namespace\":" + q(a.nameSpace);
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) out += std::string(",\"") + k + "\":" + q(v);
  };
  add("EvalID", a.evalId);
  add("Name", a.name);
  add("NodeID", nodeId);
  add("NodeName", nodeName);
  add("JobID", a.jobId);
  if (a.job) out += ",\"Job\":" + *a.job;
  add("TaskGroup", a.group);
  add("DesiredStatus", a.desiredStatus);
  add("DesiredDescription", a.desiredDescription);
  add("ClientStatus", a.clientStatus);
  add("ClientDescription", a.clientDescription);
  if (!a.tasks.empty()) out += ",\"TaskStates\":" + taskStatesJson(a);
  add("PreviousAllocation", a.previousAllocation);
  add("NextAllocation", a.nextAllocation);
  out += fmt::format(
      ",\"CreateIndex\":{},\"ModifyIndex\":{},\"AllocModifyIndex\":{},\"CreateTime\":{},"
      "\"ModifyTime\":{}}}",
      a.createIndex, a.modifyIndex, a.allocModifyIndex, a.createTime, a.modifyTime);
  return out;
}

std::string allocStubJson(const Allocation& a, const std::string& nodeId,
                          const std::string& nodeName, bool taskStates) {
  return fmt::format(
      "{{\"ID\":{},\"EvalID\":{},\"Name\":{},\"Namespace\":{},\"NodeID\":{},\"NodeName\":{},"
      "\"JobID\":{},"
      "\"JobType\":{},\"JobVersion\":{},\"TaskGroup\":{},\"AllocatedResources\":null,"
      "\"DesiredStatus\":{},"
      "\"DesiredDescription\":{},\"ClientStatus\":{},\"ClientDescription\":{},"
      "\"DesiredTransition\":"
      "{{\"Migrate\":null,\"Reschedule\":null,\"ForceReschedule\":null,\"NoShutdownDelay\":null}},"
      "\"TaskStates\":{},\"DeploymentStatus\":null,\"FollowupEvalID\":\"\",\"NextAllocation\":{},"
      "\"RescheduleTracker\":null,\"PreemptedAllocations\":null,\"PreemptedByAllocation\":\"\","
      "\"CreateIndex\":{},\"ModifyIndex\":{},\"CreateTime\":{},\"ModifyTime\":{}}}",
      q(a.id), q(a.evalId), q(a.name), q(a.nameSpace), q(nodeId), q(nodeName), q(a.jobId),
      q(a.jobType), a.jobVersion, q(a.group), q(a.desiredStatus), q(a.desiredDescription),
      q(a.clientStatus), q(a.clientDescription), taskStates ? taskStatesJson(a) : "null",
      q(a.nextAllocation), a.createIndex, a.modifyIndex, a.createTime, a.modifyTime);
}

}  // namespace nc::nomadsim
