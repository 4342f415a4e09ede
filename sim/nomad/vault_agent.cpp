// The simulated Vault Agent's configuration: which task runs the agent and what its HCL config
// asks for (auto-auth method, templates, exit_on_retry_failure).
#include "vault_agent.hpp"

#include <fmt/format.h>

#include "hcl.hpp"

namespace nc::nomadsim {

namespace {

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// A literal value as text; ${...} sequences are kept verbatim (the agent's HCL has no variables).
std::string text(const hcl::Expr& e) {
  switch (e.kind) {
    case hcl::Expr::Kind::Bool:
      return e.boolValue ? "true" : "false";
    case hcl::Expr::Kind::Number:
      return e.number;
    case hcl::Expr::Kind::Template: {
      std::string out;
      for (const auto& p : e.parts) out += p.text;
      return out;
    }
    case hcl::Expr::Kind::Reference:
      return e.traversal.empty() ? "" : e.traversal[0];
    default:
      return e.source;
  }
}

std::map<std::string, std::string> attrs(const hcl::Body& b) {
  std::map<std::string, std::string> out;
  for (const auto& a : b.attributes) {
    if (a.expr->kind == hcl::Expr::Kind::Object) continue;
    out[a.name] = text(*a.expr);
  }
  return out;
}

std::string get(const std::map<std::string, std::string>& m, const std::string& k,
                std::string dflt = "") {
  auto it = m.find(k);
  return it == m.end() ? dflt : it->second;
}

}  // namespace

std::string vaultAgentConfigPath(const Val& task) {
  const Val* cfg = member(task, "Config");
  if (cfg == nullptr || !cfg->IsObject()) return "";
  std::string image = getString(*cfg, "image"), command = getString(*cfg, "command");
  std::string base =
      command.substr(command.rfind('/') == std::string::npos ? 0 : command.rfind('/') + 1);
  bool vaultBinary =
      base == "vault" || (command.empty() && image.find("vault") != std::string::npos);
  const Val* args = member(*cfg, "args");
  if (!vaultBinary || args == nullptr || !args->IsArray() || args->Empty() ||
      !(*args)[0].IsString() || std::string((*args)[0].GetString()) != "agent") {
    return "";
  }
  std::string path;
  for (rapidjson::SizeType i = 1; i < args->Size(); ++i) {
    if (!(*args)[i].IsString()) continue;
    std::string a = (*args)[i].GetString();
    for (const std::string flag : {"-config=", "--config="}) {
      if (a.rfind(flag, 0) == 0) path = a.substr(flag.size());
    }
    if ((a == "-config" || a == "--config") && i + 1 < args->Size() && (*args)[i + 1].IsString()) {
      path = (*args)[i + 1].GetString();
    }
  }
  for (auto [var, dir] :
       {std::pair{"NOMAD_TASK_DIR", "/local"}, std::pair{"NOMAD_SECRETS_DIR", "/secrets"},
        std::pair{"NOMAD_ALLOC_DIR", "/alloc"}}) {
    path = replaceAll(path, fmt::format("${{{}}}", var), dir);
  }
  return path;
}

Result<AgentConfig> parseAgentConfig(std::string_view source) {
  hcl::Diagnostics diags;
  hcl::Body root = hcl::parse(source, diags);
  if (!diags.empty())
    return Error(errc::parse_error,
                 "error parsing config: " + hcl::joinDiagnostics(diags, "agent.hcl"));
  AgentConfig c;
  for (const auto& blk : root.blocks) {
    if (blk.type == "vault") {
      c.address = get(attrs(blk.body), "address");
    } else if (blk.type == "template_config") {
      c.exitOnRetryFailure = get(attrs(blk.body), "exit_on_retry_failure") == "true";
    } else if (blk.type == "template") {
      auto a = attrs(blk.body);
      AgentTemplate t;
      t.destination = get(a, "destination");
      t.contents = get(a, "contents");
      t.source = get(a, "source");
      t.perms = get(a, "perms");
      t.left = get(a, "left_delimiter", "{{");
      t.right = get(a, "right_delimiter", "}}");
      if (t.destination.empty())
        return Error(errc::invalid_argument, "template: missing destination");
      c.templates.push_back(std::move(t));
    } else if (blk.type == "auto_auth") {
      for (const auto& m : blk.body.blocks) {
        if (m.type != "method") continue;
        auto a = attrs(m.body);
        c.authType = get(a, "type", m.labels.empty() ? "" : m.labels[0]);
        c.mountPath = get(a, "mount_path");
        for (const auto& at : m.body.attributes) {
          if (at.name != "config" || at.expr->kind != hcl::Expr::Kind::Object) continue;
          for (const auto& [k, v] : at.expr->entries) c.authConfig[text(*k)] = text(*v);
        }
        for (const auto& cb : m.body.blocks) {
          if (cb.type == "config") {
            for (const auto& [k, v] : attrs(cb.body)) c.authConfig[k] = v;
          }
        }
      }
    }
  }
  return c;
}

}  // namespace nc::nomadsim
