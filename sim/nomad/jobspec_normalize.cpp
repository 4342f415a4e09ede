// jobspec2's post-decode normalisation (labels, vault copy-down, identities, ports, templates).
#include "jobspec_normalize.hpp"

namespace nc::nomadsim::jobspec {

namespace {

void setIfNull(Val& obj, std::string_view name, Val v, Alloc& a) {
  if (isNull(obj, name)) setMember(obj, name, std::move(v), a);
}

void normalizeVault(Val& v, Alloc& a) {
  if (!v.IsObject()) return;
  setIfNull(v, "Env", Val(true), a);
  setIfNull(v, "DisableFile", Val(false), a);
  setIfNull(v, "ChangeMode", str("restart", a), a);
}

void normalizePorts(Val* networks, Alloc& a) {
  if (networks == nullptr || !networks->IsArray()) return;
  for (auto& n : networks->GetArray()) {
    Val* dyn = member(n, "DynamicPorts");
    if (dyn == nullptr || !dyn->IsArray() || dyn->Empty()) continue;
    Val dynamic(rapidjson::kArrayType);
    Val reserved(rapidjson::kArrayType);
    for (auto& p : dyn->GetArray()) {
      Val copy(p, a);
      if (getInt(p, "Value") > 0)
        reserved.PushBack(copy, a);
      else
        dynamic.PushBack(copy, a);
    }
    setMember(n, "DynamicPorts", dynamic.Empty() ? Val() : std::move(dynamic), a);
    setMember(n, "ReservedPorts", reserved.Empty() ? Val() : std::move(reserved), a);
  }
}

}  // namespace

void normalizeConstraint(Val& c, Alloc& a) {
  auto shorthand = [&](std::string_view key, std::string_view op) {
    std::string field = "__" + std::string(key);
    std::string v = getString(c, field);
    if (!v.empty()) {
      setMember(c, "Operand", op, a);
      setMember(c, "RTarget", v, a);
    }
  };
  shorthand("version", "version");
  shorthand("semver", "semver");
  shorthand("regexp", "regexp");
  shorthand("set_contains", "set_contains");
  if (const Val* d = member(c, "__distinct_hosts"); d != nullptr && d->IsBool()) {
    setMember(c, "Operand", "distinct_hosts", a);
    setMember(c, "RTarget", d->GetBool() ? "true" : "false", a);
  }
  std::string prop = getString(c, "__distinct_property");
  if (!prop.empty()) {
    setMember(c, "Operand", "distinct_property", a);
    setMember(c, "LTarget", prop, a);
  }
  for (auto k : {"__version", "__semver", "__regexp", "__set_contains", "__distinct_hosts",
                 "__distinct_property"}) {
    removeMember(c, k);
  }
  if (getString(c, "Operand").empty()) setMember(c, "Operand", "=", a);
}

void normalizeJob(Val& job, const std::string& label, const Val& jobVault, Alloc& a) {
  setIfNull(job, "Name", str(label, a), a);
  setIfNull(job, "ID", str(label, a), a);
  Val* periodic = member(job, "Periodic");
  if (periodic != nullptr && periodic->IsObject() &&
      (!isNull(*periodic, "Spec") || !isNull(*periodic, "Specs"))) {
    setMember(*periodic, "SpecType", "cron", a);
  }
  Val* groups = member(job, "TaskGroups");
  if (groups == nullptr || !groups->IsArray()) return;
  for (auto& tg : groups->GetArray()) {
    normalizePorts(member(tg, "Networks"), a);
    Val groupVault;
    if (Val* gv = member(tg, "__vault")) {
      groupVault.CopyFrom(*gv, a);
      removeMember(tg, "__vault");
    }
    Val* tasks = member(tg, "Tasks");
    if (tasks == nullptr || !tasks->IsArray()) continue;
    for (auto& t : tasks->GetArray()) {
      if (Val* res = member(t, "Resources"); res != nullptr && res->IsObject()) {
        normalizePorts(member(*res, "Networks"), a);
      }
      if (Val* tmpls = member(t, "Templates"); tmpls != nullptr && tmpls->IsArray()) {
        for (auto& tmpl : tmpls->GetArray()) {
          setIfNull(tmpl, "ChangeMode", str("restart", a), a);
          setIfNull(tmpl, "Perms", str("0644", a), a);
          setIfNull(tmpl, "Splay", Val(static_cast<std::int64_t>(5000000000LL)), a);
          setIfNull(tmpl, "ErrMissingKey", Val(false), a);
          if (Val* cs = member(tmpl, "ChangeScript"); cs != nullptr && cs->IsObject()) {
            setIfNull(*cs, "Args", Val(rapidjson::kArrayType), a);
            setIfNull(*cs, "Timeout", Val(static_cast<std::int64_t>(5000000000LL)), a);
            setIfNull(*cs, "FailOnError", Val(false), a);
            setIfNull(*cs, "RunOnFirstRender", Val(false), a);
          }
        }
      }
      // A task's own vault wins; then the group's; then the job's (jobspec2 order).
      if (isNull(t, "Vault") && groupVault.IsObject()) {
        Val v(groupVault, a);
        setMember(t, "Vault", std::move(v), a);
      }
      if (isNull(t, "Vault") && jobVault.IsObject()) {
        Val v(jobVault, a);
        setMember(t, "Vault", std::move(v), a);
      }
      if (Val* tv = member(t, "Vault"); tv != nullptr && tv->IsObject()) normalizeVault(*tv, a);
      // The default identity (no name or "default") moves to Task.Identity.
      if (Val* ids = member(t, "Identities"); ids != nullptr && ids->IsArray()) {
        for (rapidjson::SizeType i = 0; i < ids->Size(); ++i) {
          std::string name = getString((*ids)[i], "Name");
          if (name.empty() || name == "default") {
            Val id((*ids)[i], a);
            setMember(t, "Identity", std::move(id), a);
            ids->Erase(ids->Begin() + i);
            break;
          }
        }
        if (ids->Empty()) *ids = Val(rapidjson::kArrayType);
      }
    }
  }
}

}  // namespace nc::nomadsim::jobspec
