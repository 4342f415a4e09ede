// ClientSim's Vault Agent sidecars: a task running `vault agent -config=<file>` reads the config
// Nomad rendered into the task dir, authenticates as the agent's auto_auth says (token_file:
// the token Nomad wrote; jwt: the workload identity file) and runs the agent's templates.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "client_sim_impl.hpp"
#include "task_exec.hpp"
#include "vault_agent.hpp"

namespace nc::nomadsim {

namespace {

Result<std::string> readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return Error(errc::not_found,
                 fmt::format("open {}: no such file or directory", p.filename().string()));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void ClientSim::Impl::startAgent(const std::string& allocId, const std::string& task) {
  auto it = allocs.find(allocId);
  if (it == allocs.end() || opt.dataDir.empty()) return;
  Allocation& a = it->second;
  if (!a.tasks.count(task) || a.tasks[task].state != "running") return;
  Doc job = parsed(a.job);
  const Val* spec = nullptr;
  for (const Val* t : taskList(job, a.group)) {
    if (getString(*t, "Name") == task) spec = t;
  }
  if (spec == nullptr) return;
  fs::path root = fs::path(opt.dataDir) / "alloc" / a.id;
  std::string cfgPath = vaultAgentConfigPath(*spec);
  auto text = readFile(taskPath(root.string(), task, cfgPath));
  if (!text)
    return agentExited(
        allocId, task,
        fmt::format("error loading configuration from {}: {}", cfgPath, text.error().message));
  auto cfg = parseAgentConfig(text.value());
  if (!cfg) return agentExited(allocId, task, cfg.error().message);

  TaskTemplates tt = taskTemplates(a, *spec, root);
  tt.agent = true;
  tt.exitOnRetryFailure = cfg->exitOnRetryFailure;
  tt.secretsDir.clear();  // the agent keeps its token in memory
  tt.deriveToken = false;
  tt.jwt.clear();
  const auto& ac = cfg->authConfig;
  auto conf = [&ac](const std::string& k) {
    auto i = ac.find(k);
    return i == ac.end() ? std::string() : i->second;
  };
  if (cfg->authType == "token_file") {
    auto token = readFile(taskPath(root.string(), task, conf("token_file_path")));
    if (!token || token.value().empty()) {
      return agentExited(allocId, task,
                         "auto_auth token_file: no token in " + conf("token_file_path"));
    }
    tt.token = token.value();
  } else if (cfg->authType == "jwt") {
    auto jwt = readFile(taskPath(root.string(), task, conf("path")));
    if (!jwt) return agentExited(allocId, task, "auto_auth jwt: " + jwt.error().message);
    tt.jwt = jwt.value();
    tt.vaultRole = conf("role");
    std::string mount = cfg->mountPath.empty() ? "auth/jwt" : cfg->mountPath;
    tt.jwtMount = mount.rfind("auth/", 0) == 0 ? mount.substr(5) : mount;
    tt.deriveToken = true;
  } else {
    return agentExited(allocId, task,
                       fmt::format("unsupported auto_auth method type \"{}\"", cfg->authType));
  }
  for (const auto& at : cfg->templates) {
    TemplateSpec s;
    s.data = at.contents;
    if (s.data.empty() && !at.source.empty()) {
      auto src = readFile(taskPath(root.string(), task, at.source));
      if (!src) return agentExited(allocId, task, "template source: " + src.error().message);
      s.data = src.value();
    }
    s.left = at.left;
    s.right = at.right;
    s.path = taskPath(root.string(), task, at.destination).string();
    try {
      s.perms = at.perms.empty() ? 0644 : std::stoi(at.perms, nullptr, 8);
    } catch (...) {
      return agentExited(allocId, task, fmt::format("template: invalid perms \"{}\"", at.perms));
    }
    s.changeMode = "noop";
    tt.templates.push_back(std::move(s));
  }
  auto started = templates->start(std::move(tt));
  if (!started) agentExited(allocId, task, started.error().message);
}

void ClientSim::Impl::agentExited(const std::string& allocId, const std::string& task,
                                  const std::string& error) {
  auto it = allocs.find(allocId);
  if (it == allocs.end()) return;
  Allocation& a = it->second;
  if (a.clientStatus != "running" || !a.tasks.count(task) || a.tasks[task].state != "running")
    return;
  if (!opt.dataDir.empty()) {  // the agent's last words go to the task's stderr log
    std::ofstream(fs::path(opt.dataDir) / "alloc" / allocId / "alloc/logs" / (task + ".stderr.0"),
                  std::ios::app)
        << "[ERROR] agent: " << error << "\n";
  }
  templates->stop(allocId);
  std::int64_t t = now();
  appendEvent(a.tasks[task],
              taskEvent("Terminated", t, "", "Exit Code: 1",
                        {{"exit_code", "1"}, {"signal", "0"}, {"oom_killed", "false"}}, false, 1));
  failAlloc(a, task, t);
}

}  // namespace nc::nomadsim
