// ClientSim's task side: allocation directories, workload identities, the template hook and
// the task events of template renders, Missing data, re-renders (change scripts) and failures,
// and the ends of tasks: batch completion and kills.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>

#include "client_sim_impl.hpp"
#include "task_exec.hpp"

namespace nc::nomadsim {

void ClientSim::Impl::makeDirs(const Allocation& a, const Val& job) {
  if (opt.dataDir.empty()) return;
  fs::path root = fs::path(opt.dataDir) / "alloc" / a.id;
  std::error_code ec;
  for (auto d : {"alloc/data", "alloc/logs", "alloc/tmp"}) fs::create_directories(root / d, ec);
  for (const Val* task : taskList(job, a.group)) {
    std::string tn = getString(*task, "Name");
    for (auto d : {"local", "secrets", "tmp", "private"}) fs::create_directories(root / tn / d, ec);
    for (auto log : {"stdout", "stderr"})
      std::ofstream(root / "alloc/logs" / (tn + "." + log + ".0"));
    auto write = [&](const fs::path& p, const std::string& text) {
      std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
      fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, ec);
    };
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

namespace {

// Go's name of a signal, as Nomad puts it in the task_signal detail.
std::string goSignalName(const std::string& sig) {
  static const std::map<std::string, std::string> names = {{"SIGHUP", "hangup"},
                                                           {"SIGINT", "interrupt"},
                                                           {"SIGQUIT", "quit"},
                                                           {"SIGKILL", "killed"},
                                                           {"SIGTERM", "terminated"},
                                                           {"SIGUSR1", "user defined signal 1"},
                                                           {"SIGUSR2", "user defined signal 2"}};
  auto it = names.find(sig);
  return it == names.end() ? sig : it->second;
}

}  // namespace

TaskTemplates ClientSim::Impl::taskTemplates(const Allocation& a, const Val& task,
                                             const fs::path& root) {
  TaskTemplates tt;
  tt.allocId = a.id;
  tt.nameSpace = a.nameSpace;
  tt.jobId = a.jobId;
  tt.task = getString(task, "Name");
  std::string index = a.name.substr(a.name.rfind('[') + 1);
  index.pop_back();
  // NOMAD_JOB_NAME is the job's Name, which may differ from its ID.
  std::string jobName = a.jobId;
  if (a.job) {
    Doc job = parsed(a.job);
    if (std::string n = getString(job, "Name"); !n.empty()) jobName = n;
  }
  tt.env = {{"NOMAD_JOB_NAME", jobName},       {"NOMAD_JOB_ID", a.jobId},
            {"NOMAD_ALLOC_ID", a.id},          {"NOMAD_ALLOC_NAME", a.name},
            {"NOMAD_ALLOC_INDEX", index},      {"NOMAD_TASK_NAME", tt.task},
            {"NOMAD_GROUP_NAME", a.group},     {"NOMAD_NAMESPACE", a.nameSpace},
            {"NOMAD_REGION", opt.region},      {"NOMAD_DC", opt.datacenter},
            {"NOMAD_ALLOC_DIR", "/alloc"},     {"NOMAD_TASK_DIR", "/local"},
            {"NOMAD_SECRETS_DIR", "/secrets"}, {"VAULT_ADDR", opt.vaultAddr}};
  if (const Val* e = member(task, "Env"); e && e->IsObject()) {
    for (const auto& m : e->GetObject())
      tt.env[m.name.GetString()] = getString(*e, m.name.GetString());
  }
  if (const Val* v = member(task, "Vault"); v && v->IsObject()) {
    tt.vaultRole = getString(*v, "Role");
    tt.deriveToken = true;  // Nomad's vault hook logs in before the template hook runs
  }
  if (const Val* ids = member(task, "Identities"); ids && ids->IsArray()) {
    for (const auto& id : ids->GetArray()) {
      if (getString(id, "Name") == "vault_default") tt.jwt = identityJwt(a, task, id);
    }
  }
  tt.secretsDir = (root / tt.task / "secrets").string();
  return tt;
}

namespace {

std::int64_t nsToMs(const Val& v, const char* name) {
  return getInt(v, name) / 1000000;
}

}  // namespace

Result<bool> ClientSim::Impl::startTemplates(const Allocation& a, const Val& task,
                                             const fs::path& root) {
  const Val* tmpls = member(task, "Templates");
  bool none = tmpls == nullptr || !tmpls->IsArray() || tmpls->Empty();
  const Val* vault = member(task, "Vault");
  if (root.empty() || (none && (vault == nullptr || !vault->IsObject()))) return true;
  TaskTemplates tt = taskTemplates(a, task, root);
  static const Val kEmpty(rapidjson::kArrayType);
  for (const auto& t : (none ? kEmpty : *tmpls).GetArray()) {
    TemplateSpec spec;
    spec.data = getString(t, "EmbeddedTmpl");
    spec.left = getString(t, "LeftDelim", "{{");
    spec.right = getString(t, "RightDelim", "}}");
    std::string dest = getString(t, "DestPath");
    const std::string allocVar = "${NOMAD_ALLOC_DIR}";
    spec.path = (dest.rfind(allocVar, 0) == 0
                     ? root / "alloc" / fs::path(dest.substr(allocVar.size())).relative_path()
                     : root / tt.task / fs::path(dest).relative_path())
                    .string();
    try {
      spec.perms = std::stoi(getString(t, "Perms", "0644"), nullptr, 8);
    } catch (...) {
    }
    spec.changeMode = getString(t, "ChangeMode", "restart");
    spec.changeSignal = getString(t, "ChangeSignal");
    spec.splayMs = nsToMs(t, "Splay");
    if (const Val* w = member(t, "Wait"); w && w->IsObject()) {
      spec.waitMinMs = nsToMs(*w, "Min");
      spec.waitMaxMs = nsToMs(*w, "Max");
    }
    if (const Val* cs = member(t, "ChangeScript"); cs && cs->IsObject()) {
      spec.script.command = getString(*cs, "Command");
      if (const Val* args = member(*cs, "Args"); args && args->IsArray()) {
        for (const auto& x : args->GetArray())
          spec.script.args.push_back(x.IsString() ? x.GetString() : "");
      }
      spec.script.failOnError = getBool(*cs, "FailOnError");
    }
    tt.templates.push_back(std::move(spec));
  }
  return templates->start(std::move(tt));
}

void ClientSim::Impl::templateMissing(const std::string& allocId, const std::string& task,
                                      const std::string& display) {
  auto it = allocs.find(allocId);
  if (it == allocs.end() || !it->second.tasks.count(task)) return;
  appendEvent(it->second.tasks[task], taskEvent("Template", now(), "", display));
  publish("AllocationUpdated", {allocId}, state.nextIndex());
  state.changed();
}

void ClientSim::Impl::templatesRendered(const std::string& allocId, const std::string& task) {
  auto it = waiting.find(allocId);
  if (it == waiting.end()) return;
  it->second.erase(task);
  if (!it->second.empty()) return;
  waiting.erase(it);
  runTasks({allocId});
}

void ClientSim::Impl::templatesChanged(const std::string& allocId, const std::string& task,
                                       const std::vector<TemplateChange>& changed) {
  auto it = allocs.find(allocId);
  if (it == allocs.end() || !it->second.tasks.count(task)) return;
  Allocation& a = it->second;
  TaskState& ts = a.tasks[task];
  if (ts.state != "running") return;
  std::int64_t t = now();
  bool restart = false;
  std::set<std::string> signals;
  std::vector<ChangeScript> scripts;
  for (const auto& c : changed) {
    if (c.mode == "restart") restart = true;
    if (c.mode == "signal") signals.insert(c.signal.empty() ? "SIGHUP" : c.signal);
    if (c.mode == "script") scripts.push_back(c.script);
  }
  if (restart) {  // restart wins over signals and scripts; no Killing event for a template restart
    appendEvent(
        ts, taskEvent("Restart Signaled", t, "", "Template with change_mode restart re-rendered",
                      {{"restart_reason", "Template with change_mode restart re-rendered"}}));
    appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                              {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
    appendEvent(ts, taskEvent("Restarting", t, "", "Task restarting in 0s",
                              {{"start_delay", "0"}, {"restart_reason", ""}}));
    appendEvent(ts, taskEvent("Started", t, "", "Task started by client"));
    ts.restarts++;
    ts.lastRestart = t;
  } else if (signals.empty() && scripts.empty()) {
    return;  // noop
  } else {
    for (const auto& sig : signals) {
      appendEvent(ts, taskEvent("Signaling", t, "", "Template re-rendered",
                                {{"task_signal", goSignalName(sig)}}));
    }
    for (const auto& sc : scripts) {
      if (!runChangeScript(a, task, sc)) {
        failTask(allocId, task, "Template script failed, task is being killed");
        return;
      }
    }
  }
  publish("AllocationUpdated", {allocId}, state.nextIndex());
  state.changed();
}

// Nomad's processScript: the script runs inside the task; its outcome is a task hook event.
bool ClientSim::Impl::runChangeScript(Allocation& a, const std::string& task,
                                      const ChangeScript& sc) {
  std::vector<std::string> argv{sc.command};
  argv.insert(argv.end(), sc.args.begin(), sc.args.end());
  std::string args = fmt::format("[{}]", fmt::join(sc.args, " "));
  ExecResult r = runCommand(argv, (fs::path(opt.dataDir) / "alloc" / a.id).string(), task);
  TaskState& ts = a.tasks[task];
  std::int64_t t = now();
  if (r.code == 0) {
    appendEvent(
        ts, taskEvent(
                "Task hook message", t, "",
                fmt::format("Template successfully ran script {} with arguments: {}. Exit code: 0",
                            sc.command, args)));
    return true;
  }
  std::string msg =
      r.code == 126
          ? fmt::format(
                "Template failed to run script {} with arguments {} on change: exec: \"{}\": "
                "executable file not found in $PATH. Exit code: {}",
                sc.command, args, sc.command, r.code)
          : fmt::format(
                "Template ran script {} with arguments {} on change but it exited with code: {}",
                sc.command, args, r.code);
  appendEvent(ts, taskEvent("Task hook failed", t, "", msg));
  return !sc.failOnError;
}

void ClientSim::Impl::failTask(const std::string& allocId, const std::string& task,
                               const std::string& display) {
  auto it = allocs.find(allocId);
  if (it == allocs.end()) return;
  Allocation& a = it->second;
  if (a.clientStatus != "pending" && a.clientStatus != "running") return;
  waiting.erase(allocId);
  templates->stop(allocId);
  std::int64_t t = now();
  TaskState& ts = a.tasks[task];
  if (a.tasks[task].state == "pending") {
    appendEvent(ts,
                taskEvent("Task Setup", t, "Building Task Directory", "Building Task Directory"));
  }
  appendEvent(ts, taskEvent("Killing", t, "", display, {{"fails_task", "true"}}, true));
  bool wasRunning = ts.state == "running";
  if (wasRunning) {
    appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                              {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
  }
  appendEvent(ts, taskEvent("Killed", t, "", "Task successfully killed"));
  failAlloc(a, task, t);
}

void ClientSim::Impl::failAlloc(Allocation& a, const std::string& task, std::int64_t t) {
  TaskState& ts = a.tasks[task];
  ts.state = "dead";
  ts.failed = true;
  ts.finishedAt = t;
  for (auto& [name, other] : a.tasks) {
    if (name == task || other.state == "dead") continue;
    appendEvent(other, taskEvent("Sibling Task Failed", t, "",
                                 fmt::format("Task's sibling \"{}\" failed", task),
                                 {{"failed_sibling", task}}));
    if (other.state == "running") {
      appendEvent(other, taskEvent("Killed", t, "", "Task successfully killed"));
      other.finishedAt = t;
    }
    other.state = "dead";
  }
  a.clientStatus = "failed";
  a.clientDescription = "Failed tasks";
  std::uint64_t index = state.nextIndex();
  publish("AllocationUpdated", {a.id}, index);
  updateJob(a.nameSpace, a.jobId, index);
  state.changed();
}

std::string ClientSim::Impl::identityJwt(const Allocation& a, const Val& task,
                                         const Val& identity) {
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
  setMember(c, "sub",
            fmt::format("{}:{}:{}:{}:{}:{}", opt.region, a.nameSpace, a.jobId, a.group, tn,
                        getString(identity, "Name")),
            al);
  if (const Val* v = member(task, "Vault"); v && v->IsObject()) {
    if (!getString(*v, "Role").empty()) setMember(c, "vault_role", getString(*v, "Role"), al);
    if (!getString(*v, "Namespace").empty())
      setMember(c, "vault_namespace", getString(*v, "Namespace"), al);
  }
  auto jwt = keys.signJwt(toJson(c));
  return jwt.has_value() ? jwt.value() : "";
}

void ClientSim::Impl::terminate(TaskState& ts, std::int64_t t) {
  appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                            {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
  ts.state = "dead";
  ts.finishedAt = t;
}

void ClientSim::Impl::finishBatch(const std::vector<std::string>& ids) {
  std::uint64_t index = state.nextIndex();
  std::vector<std::string> done;
  for (const auto& id : ids) {
    auto it = allocs.find(id);
    if (it == allocs.end() || it->second.clientStatus != "running") continue;
    for (auto& [name, ts] : it->second.tasks) {
      if (ts.state == "running") terminate(ts, now());
    }
    it->second.clientStatus = "complete";
    templates->stop(id);
    done.push_back(id);
  }
  allocationsUpdated(done, index);
}

void ClientSim::Impl::kill(const std::vector<std::string>& ids) {
  std::uint64_t index = state.nextIndex();
  std::vector<std::string> done;
  for (const auto& id : ids) {
    auto it = allocs.find(id);
    if (it == allocs.end()) continue;
    Allocation& a = it->second;
    if (a.clientStatus != "pending" && a.clientStatus != "running") continue;
    std::int64_t t = now();
    for (auto& [name, ts] : a.tasks) {
      if (ts.state == "running") {
        appendEvent(ts,
                    taskEvent("Killing", t, "", "Sent interrupt. Waiting 5s before force killing",
                              {{"kill_timeout", "5s"}}, false, 0, 5000000000LL));
        appendEvent(ts, taskEvent("Terminated", t, "", "Exit Code: 0",
                                  {{"exit_code", "0"}, {"signal", "0"}, {"oom_killed", "false"}}));
        appendEvent(ts, taskEvent("Killed", t, "", "Task successfully killed"));
        ts.finishedAt = t;
      }
      ts.state = "dead";
    }
    a.clientStatus = "complete";
    waiting.erase(id);
    templates->stop(id);
    done.push_back(id);
  }
  allocationsUpdated(done, index);
}

}  // namespace nc::nomadsim
