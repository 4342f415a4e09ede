// desired-state.yaml: version, defaults and the Vault resources, read into the typed model.
#include <algorithm>
#include <cctype>
#include <set>

#include "config/load.hpp"
#include "config/loader_util.hpp"
#include "config/suggest.hpp"
#include "config/vault_fields_reader.hpp"

namespace nc::config::detail {

void readNomadJobs(MapReader& nomad, DesiredState& out, bool keepTexts);  // desired_state_jobs.cpp

namespace {

std::string trimSlashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool isLower(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

void readMounts(MapReader& vault, VaultState& out) {
  std::map<std::string, SourceRef> seen;
  forEachItem(vault, "mounts", [&](const YamlNode& item, const std::string& path) {
    MapReader r(vault.ctx(), item, path);
    if (!r.valid()) return;
    VaultMountSpec m;
    m.where = r.ctx().at(item);
    if (r.reqString("path", m.path)) {
      m.path = trimSlashes(m.path);
      if (auto [it, fresh] = seen.emplace(m.path, m.where); !fresh)
        r.ctx().error(
            *r.take("path"), r.field("path"),
            "duplicate mount \"" + m.path + "\" (first declared at " + it->second.toString() + ")");
    }
    r.reqString("type", m.type);
    r.optString("description", m.description);
    r.optBool("local", m.local);
    r.optBool("seal_wrap", m.sealWrap);
    r.optStringMap("options", m.options);
    if (auto cfg = r.take("config"))
      readVaultFields(r.ctx(), *cfg, r.field("config"), FieldSchema::mountConfig, m.config);
    readMode(r, m.mode);
    r.optStringList("ignore_differences", m.ignoreDifferences);
    r.finish();
    out.mounts.push_back(std::move(m));
  });
}

// Vault's role name pattern, \w(([\w-.@]+)?\w)?, checked without std::regex: libstdc++ matches
// recursively, one stack frame per character, and a long name overflowed the stack.
bool validRoleName(std::string_view name) {
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (name.empty() || !word(name.front()) || !word(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return word(c) || c == '-' || c == '.' || c == '@'; });
}

void readPkiRoles(MapReader& vault, VaultState& out) {
  std::map<std::string, SourceRef> seen;
  forEachItem(vault, "pki_roles", [&](const YamlNode& item, const std::string& path) {
    MapReader r(vault.ctx(), item, path);
    if (!r.valid()) return;
    PkiRoleSpec role;
    role.where = r.ctx().at(item);
    const bool hasMount = r.reqString("mount", role.mount);
    role.mount = trimSlashes(role.mount);
    if (r.reqString("name", role.name) && !validRoleName(role.name))
      r.ctx().error(*r.take("name"), r.field("name"),
                    "invalid role name \"" + role.name +
                        "\" (letters, digits, _ - . @; must start and end with a letter or digit)");
    if (hasMount && !role.name.empty()) {
      const std::string key = role.mount + "/" + role.name;
      if (auto [it, fresh] = seen.emplace(key, role.where); !fresh)
        r.ctx().error(*r.take("name"), r.field("name"),
                      "duplicate PKI role \"" + role.name + "\" on mount \"" + role.mount +
                          "\" (first declared at " + it->second.toString() + ")");
      auto m = std::find_if(out.mounts.begin(), out.mounts.end(),
                            [&](const auto& mt) { return mt.path == role.mount; });
      if (m == out.mounts.end())
        r.ctx().warning(*r.take("mount"), r.field("mount"),
                        "mount \"" + role.mount +
                            "\" is not declared in vault.mounts; it must already exist in Vault");
      else if (m->type != "pki")
        r.ctx().error(*r.take("mount"), r.field("mount"),
                      "mount \"" + role.mount + "\" has type \"" + m->type + "\", not \"pki\"");
    }
    if (auto cfg = r.take("config"))
      readVaultFields(r.ctx(), *cfg, r.field("config"), FieldSchema::pkiRole, role.config);
    readMode(r, role.mode);
    r.optStringList("ignore_differences", role.ignoreDifferences);
    r.finish();
    out.pkiRoles.push_back(std::move(role));
  });
}

void readPolicies(MapReader& vault, VaultState& out) {
  std::map<std::string, SourceRef> seen;
  forEachItem(vault, "policies", [&](const YamlNode& item, const std::string& path) {
    MapReader r(vault.ctx(), item, path);
    if (!r.valid()) return;
    PolicySpec p;
    p.where = r.ctx().at(item);
    if (r.reqString("name", p.name)) {
      const YamlNode nameNode = *r.take("name");
      if (!isLower(p.name)) {
        std::string lower = p.name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        r.ctx().error(nameNode, r.field("name"),
                      "Vault stores policy names in lower case; write \"" + lower + "\"");
      } else if (p.name == "root") {
        r.ctx().error(nameNode, r.field("name"), "the root policy cannot be managed");
      } else if (auto [it, fresh] = seen.emplace(p.name, p.where); !fresh) {
        r.ctx().error(nameNode, r.field("name"),
                      "duplicate policy \"" + p.name + "\" (first declared at " +
                          it->second.toString() + ")");
      }
    }
    auto fileNode = r.take("file");
    auto inlineNode = r.take("policy");
    if (fileNode && inlineNode) {
      r.ctx().error(*inlineNode, r.field("policy"), "set either file or policy, not both");
    } else if (inlineNode) {
      if (readString(r.ctx(), *inlineNode, r.field("policy"), p.text) && p.text.empty())
        r.ctx().error(*inlineNode, r.field("policy"), "must not be empty");
    } else if (fileNode) {
      if (readString(r.ctx(), *fileNode, r.field("file"), p.file)) {
        auto resolved = resolveRelative(r.ctx().source(), p.file);
        p.resolvedPath = resolved.path;
        FileReference ref{r.ctx().at(*fileNode), r.field("file")};
        if (auto src = readSourceFile(resolved.path, resolved.display, r.ctx().diags(), ref))
          p.text = src->text;
      }
    } else if (r.valid()) {
      r.ctx().error(item, r.field("file"), "missing required field (or an inline policy)");
    }
    r.optBool("exact_text", p.exactText);
    readMode(r, p.mode);
    r.optStringList("ignore_differences", p.ignoreDifferences);
    r.finish();
    out.policies.push_back(std::move(p));
  });
}

void readAuthRoles(MapReader& method, AuthMethodSpec& m, bool checkable) {
  std::map<std::string, SourceRef> seen;
  forEachItem(method, "roles", [&](const YamlNode& item, const std::string& path) {
    MapReader r(method.ctx(), item, path);
    if (!r.valid()) return;
    AuthRoleSpec role;
    role.where = r.ctx().at(item);
    if (r.reqString("name", role.name)) {
      if (auto [it, fresh] = seen.emplace(role.name, role.where); !fresh)
        r.ctx().error(*r.take("name"), r.field("name"),
                      "duplicate role \"" + role.name + "\" (first declared at " +
                          it->second.toString() + ")");
    }
    if (auto cfg = r.require("config"); cfg && checkable)
      readVaultFields(r.ctx(), *cfg, r.field("config"), FieldSchema::jwtRole, role.config);
    r.optStringList("ignore_differences", role.ignoreDifferences);
    r.finish();
    m.roles.push_back(std::move(role));
  });
}

void readAuth(MapReader& vault, VaultState& out) {
  std::map<std::string, SourceRef> seen;
  forEachItem(vault, "auth", [&](const YamlNode& item, const std::string& path) {
    MapReader r(vault.ctx(), item, path);
    if (!r.valid()) return;
    AuthMethodSpec m;
    m.where = r.ctx().at(item);
    if (r.reqString("path", m.path)) {
      m.path = trimSlashes(m.path);
      if (auto [it, fresh] = seen.emplace(m.path, m.where); !fresh)
        r.ctx().error(*r.take("path"), r.field("path"),
                      "duplicate auth method \"" + m.path + "\" (first declared at " +
                          it->second.toString() + ")");
    }
    const bool hasType = r.reqString("type", m.type);
    const bool jwt = m.type == "jwt" || m.type == "oidc";
    r.optString("description", m.description);
    r.optBool("local", m.local);
    if (auto cfg = r.take("config")) {
      if (jwt)
        readVaultFields(r.ctx(), *cfg, r.field("config"), FieldSchema::jwtAuthConfig, m.config);
      else if (hasType)
        r.ctx().error(
            *cfg, r.field("config"),
            "config is only managed for jwt and oidc auth methods, not \"" + m.type + "\"");
    }
    readAuthRoles(r, m, jwt);
    if (!jwt && hasType && !m.roles.empty())
      r.ctx().error(*r.take("roles"), r.field("roles"),
                    "roles are only managed for jwt and oidc auth methods, not \"" + m.type + "\"");
    if (auto def = getString(m.config, "default_role");
        def && !m.roles.empty() &&
        std::none_of(m.roles.begin(), m.roles.end(), [&](const auto& x) { return x.name == *def; }))
      r.ctx().diags().warning(m.config.at("default_role").where, r.field("config.default_role"),
                              "role \"" + *def + "\" is not declared in this auth method's roles");
    readMode(r, m.mode);
    r.optStringList("ignore_differences", m.ignoreDifferences);
    r.finish();
    out.auth.push_back(std::move(m));
  });
}

// Token policies of declared roles should name declared policies (or Vault's built-in ones).
void checkPolicyReferences(DesiredState& ds, Diagnostics& diags) {
  std::set<std::string> names{"default"};
  for (const auto& p : ds.vault.policies) names.insert(p.name);
  for (std::size_t a = 0; a < ds.vault.auth.size(); ++a)
    for (std::size_t i = 0; i < ds.vault.auth[a].roles.size(); ++i) {
      const auto& role = ds.vault.auth[a].roles[i];
      auto it = role.config.find("token_policies");
      if (it == role.config.end()) continue;
      for (const auto& pol : it->second.list)
        if (!names.count(pol))
          diags.warning(it->second.where,
                        "vault.auth[" + std::to_string(a) + "].roles[" + std::to_string(i) +
                            "].config.token_policies",
                        "policy \"" + pol + "\" is not declared in vault.policies" +
                            didYouMean(pol, {names.begin(), names.end()}));
    }
}

}  // namespace

void loadDesiredStateInto(const std::filesystem::path& path, const std::string& display,
                          const std::optional<FileReference>& ref, DesiredState& out,
                          Diagnostics& diags, const LoadOptions& options) {
  out.path = path;
  auto src = readSourceFile(path, display, diags, ref);
  if (!src || checkYamlTabs(*src, diags)) return;
  auto doc = parseYaml(*src, diags);
  if (!doc) return;
  DocContext ctx(*src, diags);
  MapReader root(ctx, doc->root(), "");
  if (!root.valid()) return;
  if (auto v = root.require("version")) {
    std::int64_t version = 0;
    if (readInt(ctx, *v, "version", version, 0, INT32_MAX) && version != 1)
      ctx.error(*v, "version",
                "unsupported version " + std::to_string(version) + " (this nomad-certd reads 1)");
    out.version = static_cast<int>(version);
  }
  if (auto d = root.take("defaults")) {
    MapReader r(ctx, *d, "defaults");
    std::optional<Mode> mode;
    if (readMode(r, mode)) out.defaults.mode = *mode;
    r.optBool("prune", out.defaults.prune);
    r.finish();
  }
  if (auto v = root.take("vault"); v && !v->IsNull()) {
    MapReader vault(ctx, *v, "vault");
    if (vault.valid()) {
      readMounts(vault, out.vault);
      readPkiRoles(vault, out.vault);
      readPolicies(vault, out.vault);
      readAuth(vault, out.vault);
      vault.finish();
    }
  }
  if (auto n = root.take("nomad"); n && !n->IsNull()) {
    MapReader nomad(ctx, *n, "nomad");
    if (nomad.valid()) {
      readNomadJobs(nomad, out, options.keepJobTexts);
      nomad.finish();
    }
  }
  root.finish();
  checkPolicyReferences(out, diags);
}

}  // namespace nc::config::detail

namespace nc::config {

Loaded<DesiredState> loadDesiredState(const std::filesystem::path& path) {
  Loaded<DesiredState> result;
  detail::loadDesiredStateInto(path, path.string(), std::nullopt, result.value, result.diagnostics);
  return result;
}

}  // namespace nc::config
