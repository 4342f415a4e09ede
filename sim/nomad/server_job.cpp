// Server-side job admission: canonicalize, implied constraints, implicit identities, validation.
#include "server_job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "jobspec.hpp"

namespace nc::nomadsim {

namespace {

Val constraint(std::string_view l, std::string_view r, std::string_view op, Alloc& a) {
  Val c(rapidjson::kObjectType);
  setMember(c, "LTarget", l, a);
  setMember(c, "RTarget", r, a);
  setMember(c, "Operand", op, a);
  return c;
}

Val& arrayMember(Val& obj, std::string_view name, Alloc& a) {
  Val* v = member(obj, name);
  if (v == nullptr || !v->IsArray()) {
    setMember(obj, name, Val(rapidjson::kArrayType), a);
    v = member(obj, name);
  }
  return *v;
}

// mutateConstraint with constraintMatcherLeft (same LTarget) or Full (identical).
void addConstraint(Val& tg, Val c, bool matchLeftOnly, Alloc& a) {
  Val& list = arrayMember(tg, "Constraints", a);
  for (const auto& e : list.GetArray()) {
    if (matchLeftOnly ? getString(e, "LTarget") == getString(c, "LTarget") : e == c) return;
  }
  list.PushBack(c, a);
}

Val identity(std::string_view name, const std::vector<std::string>& aud, std::int64_t ttl,
             Alloc& a) {
  Val id(rapidjson::kObjectType);
  setMember(id, "Name", name, a);
  Val audience(rapidjson::kArrayType);
  for (const auto& s : aud) audience.PushBack(str(s, a), a);
  setMember(id, "Audience", std::move(audience), a);
  setMember(id, "ChangeMode", "", a);
  setMember(id, "ChangeSignal", "", a);
  setMember(id, "Env", Val(false), a);
  setMember(id, "File", Val(false), a);
  setMember(id, "Filepath", "", a);
  setMember(id, "ServiceName", "", a);
  setMember(id, "TTL", Val(ttl), a);
  setMember(id, "ExtraClaims", Val(), a);
  return id;
}

void canonicalIdentity(Val& id, Alloc& a) {
  if (getString(id, "Name").empty()) setMember(id, "Name", "default", a);
  if (getString(id, "Name") == "default") {
    Val aud(rapidjson::kArrayType);
    aud.PushBack(str("nomadproject.io", a), a);
    setMember(id, "Audience", std::move(aud), a);
  }
  std::string sig = getString(id, "ChangeSignal");
  for (auto& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  setMember(id, "ChangeSignal", sig, a);
}

std::string multiError(const std::vector<std::string>& errs) {
  std::string out =
      errs.size() == 1 ? "1 error occurred:\n" : fmt::format("{} errors occurred:\n", errs.size());
  for (const auto& e : errs) out += "\t* " + e + "\n";
  return out + "\n";
}

void serverTask(Val& t, Val& tg, const AdmitOptions& o, std::set<std::string>& signals,
                bool& hasVault, bool& hasIdentities, Alloc& a) {
  if (Val* v = member(t, "Vault"); v != nullptr && v->IsObject()) {
    removeMember(*v, "Policies");  // not in the server struct since 1.10
    hasVault = true;
    if (getString(*v, "ChangeMode") == "signal") signals.insert(getString(*v, "ChangeSignal"));
  }
  if (Val* ts = member(t, "Templates"); ts != nullptr && ts->IsArray()) {
    for (const auto& tmpl : ts->GetArray()) {
      if (getString(tmpl, "ChangeMode") == "signal")
        signals.insert(getString(tmpl, "ChangeSignal"));
    }
  }
  if (!getString(t, "KillSignal").empty()) signals.insert(getString(t, "KillSignal"));
  // Task.Canonicalize: the default identity lives in Task.Identity and always exists.
  Val& ids = arrayMember(t, "Identities", a);
  for (rapidjson::SizeType i = 0; i < ids.Size(); ++i) {
    canonicalIdentity(ids[i], a);
    if (getString(ids[i], "Name") == "default") {
      Val id(ids[i], a);
      setMember(t, "Identity", std::move(id), a);
      ids.Erase(ids.Begin() + i);
      break;
    }
  }
  if (isNull(t, "Identity")) {
    setMember(t, "Identity", identity("default", {"nomadproject.io"}, 0, a), a);
  } else {
    canonicalIdentity(*member(t, "Identity"), a);
  }
  Val& ids2 = *member(t, "Identities");  // adding members may have moved the array
  // jobImplicitIdentitiesHook.handleVault: vault_<cluster> from vault.default_identity.
  if (const Val* v = member(t, "Vault"); v != nullptr && v->IsObject() && o.vaultDefaultIdentity) {
    std::string cluster = getString(*v, "Cluster", "default");
    std::string name = "vault_" + (cluster.empty() ? std::string("default") : cluster);
    bool present = std::any_of(ids2.Begin(), ids2.End(),
                               [&](const Val& id) { return getString(id, "Name") == name; });
    if (!present) ids2.PushBack(identity(name, o.vaultAudience, o.vaultIdentityTtlNs, a), a);
  }
  if (ids2.Empty())
    ids2 = Val();
  else
    hasIdentities = true;
  (void)tg;
}

}  // namespace

bool isPeriodicOrParameterized(const Val& job) {
  return !isNull(job, "Periodic") || !isNull(job, "ParameterizedJob");
}

Result<Doc> admitJob(const Val& apiJob, const AdmitOptions& o) {
  Doc doc;
  doc.CopyFrom(apiJob, doc.GetAllocator());
  Alloc& a = doc.GetAllocator();
  if (!doc.IsObject()) return makeError(errc::invalid_argument, "Job must be specified");
  setMember(doc, "Namespace", o.nameSpace, a);
  if (getString(doc, "Region").empty()) setMember(doc, "Region", o.region, a);
  canonicalizeApiJob(doc, a);

  std::vector<std::string> errs;
  std::string type = getString(doc, "Type");
  if (type != "service" && type != "batch" && type != "system" && type != "sysbatch") {
    errs.push_back(fmt::format("Invalid job type: \"{}\"", type));
  }
  // jobCanonicalizer / structs.Job.Canonicalize.
  if (getInt(doc, "Priority") == 0) setMember(doc, "Priority", Val(50), a);
  std::int64_t prio = getInt(doc, "Priority");
  if (prio < 1 || prio > 100) errs.push_back("job priority must be between [1, 100]");
  Val* dcs = member(doc, "Datacenters");
  if (dcs == nullptr || !dcs->IsArray() || dcs->Empty()) {
    Val star(rapidjson::kArrayType);
    star.PushBack(str("*", a), a);
    setMember(doc, "Datacenters", std::move(star), a);
  }
  if (getString(doc, "NodePool").empty()) setMember(doc, "NodePool", "default", a);
  static const std::regex kId("^[^\\s\\x00]{1,128}$");
  std::string id = getString(doc, "ID");
  if (id.empty())
    errs.push_back("Missing job ID");
  else if (!std::regex_match(id, kId) || id.find(' ') != std::string::npos) {
    errs.push_back("Job ID contains a space");
  }
  if (getString(doc, "Name").empty()) errs.push_back("Missing job name");

  Val* tgs = member(doc, "TaskGroups");
  if (tgs == nullptr || !tgs->IsArray() || tgs->Empty()) {
    errs.push_back("Missing job task groups");
  } else {
    std::set<std::string> names;
    for (auto& tg : tgs->GetArray()) {
      std::string gname = getString(tg, "Name");
      if (!names.insert(gname).second) {
        errs.push_back(
            fmt::format("Job task group {} redefines '{}' from group 1", names.size(), gname));
      }
      if (getInt(tg, "Count") < 0) {
        errs.push_back(fmt::format(
            "Task group {} validation failed: Task group count can't be negative", gname));
      }
      Val* tasks = member(tg, "Tasks");
      if (tasks == nullptr || !tasks->IsArray() || tasks->Empty()) {
        errs.push_back(
            fmt::format("Task group {} validation failed: Missing tasks for task group", gname));
        continue;
      }
      std::set<std::string> signals;
      bool hasVault = false, hasIdentities = false;
      for (auto& t : tasks->GetArray()) {
        std::string tname = getString(t, "Name");
        if (getString(t, "Driver").empty()) {
          errs.push_back(fmt::format(
              "Task group {} validation failed: Task {} validation failed: Missing task driver",
              gname, tname));
        }
        if (const Val* lc = member(t, "Lifecycle"); lc != nullptr && lc->IsObject()) {
          std::string hook = getString(*lc, "Hook");
          if (hook != "prestart" && hook != "poststart" && hook != "poststop") {
            errs.push_back(fmt::format(
                "Task group {} validation failed: Task {} validation failed: invalid hook: {}",
                gname, tname, hook));
          }
        }
        serverTask(t, tg, o, signals, hasVault, hasIdentities, a);
      }
      // jobImpliedConstraints, then jobImplicitIdentitiesHook's client version constraint.
      if (hasVault)
        addConstraint(tg, constraint("${attr.vault.version}", ">= 0.6.1", "semver", a), true, a);
      signals.erase("");
      if (!signals.empty()) {
        std::string joined;
        for (const auto& s : signals) joined += (joined.empty() ? "" : ",") + s;
        addConstraint(tg, constraint("${attr.os.signals}", joined, "set_contains", a), false, a);
      }
      if (hasIdentities) {
        addConstraint(tg, constraint("${attr.nomad.version}", ">= 1.7.0-a", "semver", a), false, a);
      }
    }
  }
  if (!errs.empty()) return makeError(errc::invalid_argument, multiError(errs));
  return doc;
}

}  // namespace nc::nomadsim
