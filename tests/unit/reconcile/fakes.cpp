// FakeVault / FakeNomad: just enough server behaviour (replace semantics, defaults, CAS, locks).
#include "fakes.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "vault/codec.hpp"

namespace nc::reconcile::testing {
namespace {

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<Error> FakeVault::check(const std::string& op, bool write) {
  (write ? writes : reads)++;
  if (fault) return fault(op);
  return std::nullopt;
}

vault::Task<vault::HealthStatus> FakeVault::health(vault::HealthQuery) {
  co_return vault::HealthStatus{};
}
vault::Task<vault::SealStatus> FakeVault::sealStatus() {
  co_return vault::SealStatus{};
}

vault::Task<std::vector<vault::Mount>> FakeVault::listMounts() {
  if (auto e = check("listMounts", false)) co_return *e;
  std::vector<vault::Mount> out;
  for (const auto& [k, m] : mounts) out.push_back(m);
  co_return out;
}

vault::Task<void> FakeVault::enableMount(std::string path, vault::MountSpec spec) {
  if (auto e = check("enableMount", true)) co_return *e;
  if (mounts.count(path + "/")) co_return Error(errc::invalid_argument, "path is already in use");
  vault::Mount m;
  m.path = path + "/";
  m.type = spec.type;
  m.description = spec.description;
  m.config.defaultLeaseTtl = spec.defaultLeaseTtl.value_or(0);
  m.config.maxLeaseTtl = spec.maxLeaseTtl.value_or(0);
  mounts[m.path] = m;
  tunes[path] = {spec.defaultLeaseTtl.value_or(2764800), spec.maxLeaseTtl.value_or(2764800), false,
                 spec.description};
  co_return Result<void>();
}

vault::Task<vault::MountTune> FakeVault::readMountTune(std::string path) {
  if (auto e = check("readMountTune", false)) co_return *e;
  if (!tunes.count(path)) co_return Error(errc::invalid_argument, "no mount");
  co_return tunes[path];
}

vault::Task<void> FakeVault::tuneMount(std::string path, vault::MountTuneUpdate u) {
  if (auto e = check("tuneMount", true)) co_return *e;
  auto& t = tunes[path];
  if (u.maxLeaseTtl) t.maxLeaseTtl = *u.maxLeaseTtl;
  if (u.defaultLeaseTtl) t.defaultLeaseTtl = *u.defaultLeaseTtl;
  if (u.description) mounts[path + "/"].description = *u.description;
  co_return Result<void>();
}

vault::Task<vault::PkiRole> FakeVault::readPkiRole(std::string mount, std::string name) {
  if (auto e = check("readPkiRole", false)) co_return *e;
  auto it = pkiRoles.find(mount + "/" + name);
  if (it == pkiRoles.end()) co_return Error(errc::not_found, "vault: 404");
  co_return vault::codec::decodePkiRole("{\"data\":" + it->second + "}");
}

vault::Task<void> FakeVault::writePkiRole(std::string mount, std::string name,
                                          vault::PkiRole role) {
  if (auto e = check("writePkiRole", true)) co_return *e;
  // Vault normalises key and signature bits on write (vault-api.md §3.2).
  if (role.keyBits == 0)
    role.keyBits = role.keyType == "rsa" ? 2048 : role.keyType == "ec" ? 256 : 0;
  if (role.signatureBits == 0 && role.keyType == "rsa") role.signatureBits = 256;
  pkiRoles[mount + "/" + name] = vault::codec::encodePkiRole(role);
  co_return Result<void>();
}

vault::Task<vault::PkiRole> FakeVault::patchPkiRole(std::string, std::string, std::string) {
  co_return Error(errc::not_implemented, "patch not used");
}

vault::Task<std::vector<std::string>> FakeVault::listPkiRoles(std::string mount) {
  std::vector<std::string> out;
  for (const auto& [k, v] : pkiRoles)
    if (k.rfind(mount + "/", 0) == 0) out.push_back(k.substr(mount.size() + 1));
  co_return out;
}

vault::Task<void> FakeVault::deletePkiRole(std::string mount, std::string name) {
  if (auto e = check("deletePkiRole", true)) co_return *e;
  pkiRoles.erase(mount + "/" + name);
  co_return Result<void>();
}

vault::Task<vault::IssuedCertificate> FakeVault::issue(std::string, std::string,
                                                       vault::IssueRequest) {
  co_return Error(errc::not_implemented, "issue");
}
vault::Task<std::string> FakeVault::caChain(std::string) {
  co_return std::string();
}
vault::Task<std::vector<std::string>> FakeVault::listCertificates(std::string) {
  co_return std::vector<std::string>{};
}
vault::Task<vault::CertificateRecord> FakeVault::readCertificate(std::string, std::string) {
  co_return Error(errc::not_found, "cert");
}

vault::Task<vault::AclPolicy> FakeVault::readPolicy(std::string name) {
  if (auto e = check("readPolicy", false)) co_return *e;
  auto it = policies.find(lower(name));
  if (it == policies.end()) co_return Error(errc::not_found, "vault: 404");
  co_return vault::AclPolicy{it->first, it->second};
}

vault::Task<void> FakeVault::putPolicy(std::string name, std::string text) {
  if (auto e = check("putPolicy", true)) co_return *e;
  policies[lower(name)] = text;  // stored byte for byte
  co_return Result<void>();
}

vault::Task<std::vector<std::string>> FakeVault::listPolicies() {
  std::vector<std::string> out;
  for (const auto& [k, v] : policies) out.push_back(k);
  co_return out;
}

vault::Task<void> FakeVault::deletePolicy(std::string name) {
  if (auto e = check("deletePolicy", true)) co_return *e;
  policies.erase(lower(name));
  co_return Result<void>();
}

vault::Task<std::vector<vault::Mount>> FakeVault::listAuthMounts() {
  if (auto e = check("listAuthMounts", false)) co_return *e;
  std::vector<vault::Mount> out;
  for (const auto& [k, m] : authMounts) out.push_back(m);
  co_return out;
}

vault::Task<void> FakeVault::enableAuth(std::string path, vault::MountSpec spec) {
  if (auto e = check("enableAuth", true)) co_return *e;
  vault::Mount m;
  m.path = path + "/";
  m.type = spec.type;
  m.description = spec.description;
  authMounts[m.path] = m;
  co_return Result<void>();
}

vault::Task<vault::JwtConfig> FakeVault::readJwtConfig(std::string mount) {
  if (auto e = check("readJwtConfig", false)) co_return *e;
  auto it = jwtConfigs.find(mount);
  if (it == jwtConfigs.end()) co_return Error(errc::not_found, "vault: 404");
  co_return vault::codec::decodeJwtConfig("{\"data\":" + it->second + "}");
}

vault::Task<void> FakeVault::writeJwtConfig(std::string mount, vault::JwtConfig config) {
  if (auto e = check("writeJwtConfig", true)) co_return *e;
  jwtConfigs[mount] = vault::codec::encodeJwtConfig(config);
  co_return Result<void>();
}

vault::Task<vault::JwtRole> FakeVault::readJwtRole(std::string mount, std::string name) {
  if (auto e = check("readJwtRole", false)) co_return *e;
  auto it = jwtRoles.find(mount + "/" + lower(name));
  if (it == jwtRoles.end()) co_return Error(errc::not_found, "vault: 404");
  co_return vault::codec::decodeJwtRole("{\"data\":" + it->second + "}");
}

vault::Task<void> FakeVault::writeJwtRole(std::string mount, std::string name,
                                          vault::JwtRole role) {
  if (auto e = check("writeJwtRole", true)) co_return *e;
  // Vault reads never-set lists and maps of JWT roles back as null (vault-api.md §5.3).
  rapidjson::Document d;
  d.Parse(vault::codec::encodeJwtRole(role).c_str());
  for (auto& m : d.GetObject())
    if ((m.value.IsArray() && m.value.Empty()) || (m.value.IsObject() && m.value.ObjectEmpty()))
      m.value.SetNull();
  jwtRoles[mount + "/" + lower(name)] = compact(d);
  co_return Result<void>();
}

vault::Task<std::vector<std::string>> FakeVault::listJwtRoles(std::string) {
  co_return std::vector<std::string>{};
}
vault::Task<vault::TokenInfo> FakeVault::lookupSelf() {
  co_return vault::TokenInfo{};
}

// ---- Nomad ----

void FakeNomad::putJob(const std::string& id, std::string json) {
  auto& j = jobs[id];
  j.json = std::move(json);
  j.stop = false;
  j.modifyIndex = j.jobModifyIndex = ++index;
}

nomad::Task<nomad::Indexed<std::vector<nomad::JobStub>>> FakeNomad::listJobs(
    nomad::QueryOptions q) {
  ++listJobsCalls;
  lastListIndex = q.index;
  if (listJobsError) co_return *listJobsError;
  nomad::Indexed<std::vector<nomad::JobStub>> out;
  for (const auto& [id, j] : jobs) {
    nomad::JobStub s;
    s.id = id;
    s.nomadNamespace = q.nomadNamespace.value_or("default");
    s.modifyIndex = j.modifyIndex;
    s.jobModifyIndex = j.jobModifyIndex;
    s.stop = j.stop;
    out.value.push_back(s);
  }
  out.meta.index = index;
  co_return out;
}

nomad::Task<nomad::Indexed<nomad::Job>> FakeNomad::readJob(std::string id, nomad::QueryOptions) {
  auto it = jobs.find(id);
  if (it == jobs.end()) co_return Error(errc::not_found, "job not found");
  nomad::Indexed<nomad::Job> out;
  out.value.id = id;
  out.value.json = it->second.json;
  out.value.stop = it->second.stop;
  out.value.modifyIndex = it->second.modifyIndex;
  out.meta.index = index;
  co_return out;
}

nomad::Task<nomad::RegisterResult> FakeNomad::registerJob(std::string jobJson,
                                                          nomad::RegisterOptions o) {
  ++registers;
  rapidjson::Document d;
  d.Parse(jobJson.c_str());
  const std::string id = d["ID"].GetString();
  auto it = jobs.find(id);
  const std::uint64_t current = it == jobs.end() ? 0 : it->second.jobModifyIndex;
  if (o.enforceIndex && *o.enforceIndex != current)
    co_return Error(errc::conflict, "Enforcing job modify index");
  putJob(id, jobJson);
  nomad::RegisterResult r;
  r.jobModifyIndex = jobs[id].jobModifyIndex;
  co_return r;
}

nomad::Task<nomad::PlanResult> FakeNomad::planJob(std::string jobJson, bool) {
  ++planCalls;
  rapidjson::Document want, have;
  want.Parse(jobJson.c_str());
  nomad::PlanResult r;
  r.diff = nomad::JobDiff{};
  const std::string id = want["ID"].GetString();
  r.diff->id = id;
  auto it = jobs.find(id);
  if (it == jobs.end() || it->second.stop) {
    r.diff->type = "Added";
    r.jobModifyIndex = it == jobs.end() ? 0 : it->second.jobModifyIndex;
    co_return r;
  }
  r.jobModifyIndex = it->second.jobModifyIndex;
  have.Parse(it->second.json.c_str());
  for (auto& m : want.GetObject()) {
    const std::string name = m.name.GetString();
    auto h = have.FindMember(m.name);
    if (name == "Meta" && m.value.IsObject()) {
      for (auto& k : m.value.GetObject()) {
        std::string old;
        if (h != have.MemberEnd() && h->value.IsObject() && h->value.HasMember(k.name))
          old = h->value[k.name].GetString();
        if (old != k.value.GetString())
          r.diff->fields.push_back({old.empty() ? "Added" : "Edited",
                                    "Meta[" + std::string(k.name.GetString()) + "]",
                                    old,
                                    k.value.GetString(),
                                    {}});
      }
      continue;
    }
    const std::string newText = compact(m.value);
    const std::string oldText = h == have.MemberEnd() ? "" : compact(h->value);
    if (newText != oldText) r.diff->fields.push_back({"Edited", name, oldText, newText, {}});
  }
  r.diff->type = r.diff->fields.empty() ? "None" : "Edited";
  co_return r;
}

nomad::Task<std::string> FakeNomad::parseJob(std::string hcl, bool, std::string) {
  ++parseCalls;
  co_return hcl;  // tests pass JSON as the "HCL" source
}

nomad::Task<nomad::DeregisterResult> FakeNomad::deregisterJob(std::string id, bool purge) {
  ++deregisters;
  if (purge)
    jobs.erase(id);
  else if (jobs.count(id)) {
    jobs[id].stop = true;
    jobs[id].modifyIndex = ++index;
  }
  co_return nomad::DeregisterResult{};
}

nomad::Task<nomad::Indexed<std::vector<nomad::Job>>> FakeNomad::jobVersions(std::string,
                                                                            nomad::QueryOptions) {
  co_return Error(errc::not_implemented, "versions");
}
nomad::Task<nomad::Indexed<std::vector<nomad::Allocation>>> FakeNomad::jobAllocations(
    std::string, nomad::QueryOptions) {
  co_return Error(errc::not_implemented, "allocs");
}
nomad::Task<nomad::Indexed<std::vector<nomad::Allocation>>> FakeNomad::listAllocations(
    nomad::QueryOptions) {
  co_return Error(errc::not_implemented, "allocs");
}
nomad::Task<nomad::Indexed<nomad::Allocation>> FakeNomad::readAllocation(std::string,
                                                                         nomad::QueryOptions) {
  co_return Error(errc::not_implemented, "alloc");
}
nomad::Task<nomad::FileInfo> FakeNomad::statFile(std::string, std::string) {
  co_return Error(errc::not_implemented, "fs");
}
nomad::Task<std::vector<nomad::FileInfo>> FakeNomad::listFiles(std::string, std::string) {
  co_return Error(errc::not_implemented, "fs");
}
nomad::Task<std::string> FakeNomad::catFile(std::string, std::string) {
  co_return Error(errc::not_implemented, "fs");
}
nomad::Task<std::string> FakeNomad::readFileAt(std::string, std::string, std::int64_t,
                                               std::int64_t) {
  co_return Error(errc::not_implemented, "fs");
}
nomad::Task<std::string> FakeNomad::readFile(std::string, std::string) {
  co_return Error(errc::not_implemented, "fs");
}
nomad::Task<nomad::ExecResult> FakeNomad::exec(std::string, std::string, std::vector<std::string>,
                                               nomad::ExecOptions) {
  co_return Error(errc::not_implemented, "exec");
}

nomad::Task<nomad::Indexed<nomad::Variable>> FakeNomad::readVariable(std::string path,
                                                                     nomad::QueryOptions) {
  auto it = vars.find(path);
  if (it == vars.end()) co_return Error(errc::not_found, "variable not found");
  co_return nomad::Indexed<nomad::Variable>{it->second, {}};
}

nomad::Task<nomad::Variable> FakeNomad::putVariable(std::string path,
                                                    std::map<std::string, std::string> items,
                                                    std::optional<std::uint64_t> cas) {
  auto it = vars.find(path);
  const std::uint64_t current = it == vars.end() ? 0 : it->second.modifyIndex;
  if (cas && *cas != current) co_return Error(errc::conflict, "cas conflict");
  auto& v = vars[path];
  v.path = path;
  v.items = std::move(items);
  v.modifyIndex = ++index;
  co_return v;
}

nomad::Task<void> FakeNomad::deleteVariable(std::string path, std::optional<std::uint64_t>) {
  vars.erase(path);
  co_return Result<void>();
}

nomad::Task<nomad::Variable> FakeNomad::acquireLock(std::string path, Duration, Duration) {
  ++acquireCalls;
  if (!lockHolder.empty() && lockHolder != "me") co_return Error(errc::conflict, "lock held");
  lockHolder = "me";
  nomad::Variable v;
  v.path = path;
  v.lock = nomad::VariableLock{"lock-1", "15s", "15s"};
  co_return v;
}

nomad::Task<nomad::Variable> FakeNomad::renewLock(std::string path, std::string id) {
  ++renewCalls;
  if (failRenew || lockHolder != "me" || id != "lock-1")
    co_return Error(errc::conflict, "attempting to modify locked variable");
  nomad::Variable v;
  v.path = path;
  co_return v;
}

nomad::Task<void> FakeNomad::releaseLock(std::string, std::string) {
  ++releaseCalls;
  if (lockHolder == "me") lockHolder.clear();
  co_return Result<void>();
}

nomad::Task<nomad::AgentHealth> FakeNomad::agentHealth() {
  co_return nomad::AgentHealth{};
}
nomad::Task<std::string> FakeNomad::leader() {
  co_return std::string("127.0.0.1:4647");
}

}  // namespace nc::reconcile::testing
