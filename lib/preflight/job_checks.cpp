// Preflight checks of one job file: its templates (Nomad's and embedded Vault Agent ones), the
// PKI role and names they request, the task's JWT role and policies, perms and change modes.
#include <algorithm>
#include <set>

#include "core/duration.hpp"
#include "preflight/go_template.hpp"
#include "preflight/hcl_reader.hpp"
#include "preflight/preflight.hpp"

namespace nc::preflight {
namespace {

using config::Severity;

// One rendered file that calls `secret`: a Nomad template or a Vault Agent template.
struct Use {
  std::string dest, perms, changeMode;
  bool agent = false;
  int line = 0;
  TemplateScan scan;
};

struct JobCtx {
  const std::string& file;
  const Facts& facts;
  const std::string& authPath;
  std::vector<Finding>& out;
  std::set<std::string> seen;

  void add(std::string id, Severity sev, int line, std::string msg, std::string hint) {
    std::string key = id + "|" + msg;
    if (!seen.insert(key).second) return;
    out.push_back({std::move(id), sev, {file, line, 0}, std::move(msg), std::move(hint)});
  }
};

std::string attrText(const HclBlock& b, std::string_view name, std::string def = "") {
  const auto* a = b.attr(name);
  return a ? a->text : def;
}

bool inAllocDir(const std::string& dest) {
  return dest.starts_with("${NOMAD_ALLOC_DIR}") || dest.starts_with("alloc/") ||
         dest.starts_with("/alloc/") || dest.starts_with("../alloc/");
}

bool looksLikeAgentConfig(const std::string& data) {
  return data.find("auto_auth") != std::string::npos ||
         data.find("template_config") != std::string::npos ||
         (data.find("template {") != std::string::npos &&
          data.find("contents") != std::string::npos);
}

const HclBlock* vaultBlock(const HclBlock& job, const HclBlock& group, const HclBlock& task) {
  for (const auto* b : {&task, &group, &job}) {
    auto v = b->children("vault");
    if (!v.empty()) return v.front();
  }
  return nullptr;
}

void checkSecret(JobCtx& c, const SecretCall& call, int line, const std::string& role) {
  auto pos = call.path.find("/issue/");
  if (pos == std::string::npos) return;
  std::string mount = call.path.substr(0, pos), roleName = call.path.substr(pos + 7);
  if (auto k = mount.find("/issuer/"); k != std::string::npos) mount = mount.substr(0, k);
  auto it = c.facts.pkiRoles.find({mount, roleName});
  if (it == c.facts.pkiRoles.end()) {
    c.add("role-unknown", c.facts.complete ? Severity::error : Severity::warning, line,
          "secret \"" + call.path + "\": PKI role " + mount + "/roles/" + roleName +
              (c.facts.complete ? " does not exist in Vault"
                                : " is not declared in the desired state"),
          "declare it under vault.pki_roles or fix the mount/role in the template path");
  }
  std::optional<std::string> cn;
  std::vector<std::string> names;
  std::optional<std::string> ttl;
  bool ipSans = false, unknownArg = false;
  for (const auto& a : call.args) {
    if (!a) {
      unknownArg = true;
      continue;
    }
    auto eq = a->find('=');
    if (eq == std::string::npos) continue;
    std::string k = a->substr(0, eq), v = a->substr(eq + 1);
    if (k == "common_name")
      cn = v, names.push_back(v);
    else if (k == "ttl")
      ttl = v;
    else if (k == "ip_sans" && !v.empty())
      ipSans = true;
    else if (k == "alt_names") {
      std::size_t s = 0;
      while (s <= v.size()) {
        auto e = v.find(',', s);
        std::string n = v.substr(s, e == std::string::npos ? e : e - s);
        if (!n.empty()) names.push_back(n);
        if (e == std::string::npos) break;
        s = e + 1;
      }
    }
  }
  if (it != c.facts.pkiRoles.end()) {
    const RoleRules& r = it->second;
    if (!cn && !unknownArg && r.requireCn)
      c.add("cn-missing", Severity::error, line,
            "secret \"" + call.path + "\" requests no common_name and the role requires one",
            "pass \"common_name=<name>\" (e.g. printf \"common_name=%s.service.consul\" (env "
            "\"NOMAD_JOB_NAME\"))");
    for (const auto& n : names)
      if (auto why = nameRefusal(r, n))
        c.add("name-not-allowed", Severity::error, line, "secret \"" + call.path + "\": " + *why,
              "request a name under the role's allowed_domains, or change the role's "
              "allowed_domains/allow_* flags");
    if (ipSans && !r.allowIpSans)
      c.add("ip-sans-refused", Severity::error, line,
            "secret \"" + call.path + "\" requests ip_sans but the role sets allow_ip_sans=false",
            "drop ip_sans or set allow_ip_sans on the role");
    std::int64_t max = r.maxTtl ? r.maxTtl : c.facts.mountMaxTtl;
    if (ttl && max > 0) {
      auto d = Duration::parse(*ttl);
      if (!d)
        c.add("ttl-invalid", Severity::error, line,
              "secret \"" + call.path + "\": ttl \"" + *ttl + "\" is not a duration",
              "write e.g. \"ttl=24h\"");
      else if (d->wholeSeconds() > max)
        c.add("ttl-clamped", Severity::warning, line,
              "secret \"" + call.path + "\" asks for ttl " + *ttl + " but the role's max_ttl is " +
                  Duration::seconds(max).toString() +
                  ": Vault silently issues the shorter certificate",
              "request at most " + Duration::seconds(max).toString() +
                  " or raise the role's max_ttl");
    }
  }
  if (role.empty()) return;
  auto jr = c.facts.jwtRoles.find({c.authPath, role});
  if (jr == c.facts.jwtRoles.end()) {
    c.add("jwt-role-unknown", Severity::error, line,
          "the task's Vault role \"" + role + "\" is not a role of auth/" + c.authPath +
              (c.facts.complete ? " in Vault" : " in the desired state"),
          "declare it under vault.auth[path=" + c.authPath + "].roles or fix vault { role }");
    return;
  }
  std::vector<std::vector<PolicyRule>> pols;
  for (const auto& p : jr->second) {
    auto pit = c.facts.policies.find(p);
    if (pit != c.facts.policies.end())
      pols.push_back(pit->second);
    else if (p != "default")
      c.add("policy-unknown", Severity::warning, line,
            "JWT role \"" + role + "\" names policy \"" + p + "\", which is not declared",
            "declare the policy under vault.policies or remove it from token_policies");
  }
  const std::string issuePath = call.path;
  if (!grants(capabilitiesOn(pols, issuePath), "update"))
    c.add("policy-denies", Severity::error, line,
          "the token policies of JWT role \"" + role + "\" do not grant update on " + issuePath,
          "add path \"" + issuePath +
              "\" { capabilities = [\"update\"] } to one of its token_policies");
}

std::vector<Use> collectUses(JobCtx& c, const HclBlock& task, const TemplateEnv& env) {
  std::vector<Use> uses;
  for (const auto* t : task.children("template")) {
    const auto* data = t->attr("data");
    if (!data) continue;
    std::string l = attrText(*t, "left_delimiter", "{{"), r = attrText(*t, "right_delimiter", "}}");
    Use u{attrText(*t, "destination"),
          attrText(*t, "perms", "0644"),
          attrText(*t, "change_mode", "restart"),
          false,
          data->valueLine,
          scanTemplate(data->text, env, l, r)};
    for (const auto& i : u.scan.issues)
      c.add(i.id, Severity::error, data->valueLine + i.line - 1, i.message,
            i.id == "template-list-printed" ? "use {{ range .Data.ca_chain }}{{ . }}\n{{ end }}"
            : i.id == "template-nested-action"
                ? "build the argument with printf, e.g. (printf \"common_name=%s.service.consul\" "
                  "(env \"NOMAD_JOB_NAME\"))"
                : "balance {{ }} and every if/with/range with {{ end }}");
    const bool agentCfg = looksLikeAgentConfig(data->text);
    const bool agentFile = u.dest.ends_with(".ctmpl") || u.dest.ends_with(".tpl");
    if ((agentCfg || agentFile) && l == "{{" && !u.scan.secrets.empty()) {
      c.add("agent-template-unescaped", Severity::error, t->line,
            "template " + u.dest +
                " embeds Vault Agent templates with Nomad's own delimiters: Nomad renders the "
                "secret itself and the agent gets a copy it never renews",
            "set left_delimiter = \"[[\" and right_delimiter = \"]]\" on this template (or escape "
            "the agent's actions as {{ \"{{\" }})");
    } else if (agentCfg) {
      std::string rendered = renderConstant(data->text, env, l, r, "UNKNOWN");
      auto doc = readHcl(rendered, data->valueLine);
      if (doc)
        for (const auto* at : doc->children("template")) {
          const auto* contents = at->attr("contents");
          if (!contents) continue;
          Use a{attrText(*at, "destination"), attrText(*at, "perms", "0644"),   "", true,
                contents->valueLine,          scanTemplate(contents->text, env)};
          for (const auto& i : a.scan.issues)
            c.add(i.id, Severity::error, contents->valueLine + i.line - 1, i.message,
                  "fix the Vault Agent template");
          uses.push_back(std::move(a));
        }
    }
    uses.push_back(std::move(u));
  }
  return uses;
}

void checkTask(JobCtx& c, const HclBlock& job, const HclBlock& group, const HclBlock& task,
               const std::string& jobType) {
  const std::string taskName = task.labels.empty() ? "" : task.labels[0];
  TemplateEnv env{{"NOMAD_JOB_NAME", job.labels.empty() ? "" : job.labels[0]},
                  {"NOMAD_JOB_ID", job.labels.empty() ? "" : job.labels[0]},
                  {"NOMAD_TASK_NAME", taskName},
                  {"NOMAD_GROUP_NAME", group.labels.empty() ? "" : group.labels[0]},
                  {"NOMAD_NAMESPACE", attrText(job, "namespace", "default")}};
  const HclBlock* vault = vaultBlock(job, group, task);
  if (vault && vault->attr("policies"))
    c.add("vault-policies-ignored", Severity::warning, vault->attr("policies")->line,
          "vault { policies = ... } is ignored with workload identity (Nomad >= 1.10): the token "
          "gets the JWT role's token_policies",
          "remove policies and set vault { role = \"<jwt role>\" } whose token_policies grant the "
          "issue path");
  std::string role;
  if (vault) {
    role = attrText(*vault, "role");
    if (role.empty()) {
      auto d = c.facts.jwtDefaultRole.find(c.authPath);
      if (d != c.facts.jwtDefaultRole.end()) role = d->second;
    }
  }
  auto uses = collectUses(c, task, env);
  const std::size_t tasksInGroup = group.children("task").size();
  std::map<std::string, std::pair<std::string, int>> certArgs, keyArgs;  // path -> args, line
  for (const auto& u : uses) {
    if (u.scan.secrets.empty()) continue;
    if (!vault)
      c.add("vault-missing", Severity::error, u.line,
            "task \"" + taskName +
                "\" renders secret(s) but has no vault block: it gets no Vault token",
            "add vault { role = \"<jwt role>\" } to the task");
    for (const auto& s : u.scan.secrets) checkSecret(c, s, u.line + s.line - 1, vault ? role : "");
    const auto& f = u.scan.printedFields;
    bool key = std::any_of(f.begin(), f.end(), [](auto& x) { return x.ends_with(".private_key"); });
    bool cert =
        std::any_of(f.begin(), f.end(), [](auto& x) { return x.ends_with(".certificate"); });
    const auto& s = u.scan.secrets.front();
    if (key) {
      keyArgs.emplace(s.path, std::pair(s.argsText, u.line));
      unsigned perms = 0644;
      try {
        perms = static_cast<unsigned>(std::stoul(u.perms, nullptr, 8));
      } catch (...) {
      }
      if (perms & 077)
        c.add("key-perms", Severity::error, u.line,
              "private key " + u.dest + " is rendered with perms " + u.perms +
                  " (readable by others)",
              "set perms = \"0600\" (or \"0400\") on this template");
      if (inAllocDir(u.dest) && tasksInGroup <= 1)
        c.add("key-in-alloc", Severity::warning, u.line,
              "private key " + u.dest +
                  " is written to the shared alloc/ dir, readable through Nomad's fs API, and no "
                  "other task needs it",
              "write it under secrets/ instead");
    }
    if (cert) certArgs.emplace(s.path, std::pair(s.argsText, u.line));
    if (!u.agent && jobType == "service" && u.changeMode == "restart")
      c.add("restart-on-renewal", Severity::warning, u.line,
            "template " + u.dest +
                " uses change_mode \"restart\" (the default): every renewal restarts the task",
            "use change_mode = \"signal\" with change_signal = \"SIGHUP\" (or the signal the "
            "workload reloads on)");
  }
  for (const auto& [path, k] : keyArgs) {
    auto ct = certArgs.find(path);
    if (ct != certArgs.end() && ct->second.first != k.first)
      c.add("cert-key-mismatch", Severity::error, k.second,
            "certificate and private key come from secret \"" + path +
                "\" calls with different arguments: two issuances, the key will not match the "
                "certificate",
            "write the secret call identically in every template of the certificate");
  }
}

}  // namespace

std::vector<Finding> checkJobText(const std::string& text, const std::string& file,
                                  const Facts& facts, const std::string& authPath) {
  std::vector<Finding> out;
  auto doc = readHcl(text);
  if (!doc) {
    out.push_back({"job-unreadable",
                   Severity::warning,
                   {file, 0, 0},
                   "preflight could not read the job: " + doc.error().message,
                   "check the HCL syntax (nomad job validate)"});
    return out;
  }
  JobCtx c{file, facts, authPath, out, {}};
  for (const auto* job : doc->children("job")) {
    std::string type = attrText(*job, "type", "service");
    for (const auto* group : job->children("group"))
      for (const auto* task : group->children("task")) checkTask(c, *job, *group, *task, type);
  }
  return out;
}

}  // namespace nc::preflight
