// api.Job.Canonicalize() from Nomad's api package: the client-side defaults, as a JSON transform.
#include <fmt/format.h>

#include "jobspec.hpp"

namespace nc::nomadsim {

namespace {

constexpr std::int64_t kSecond = 1000000000LL;

struct Canon {
  Alloc& a;

  void dflt(Val& o, std::string_view name, Val v) {
    if (isNull(o, name)) setMember(o, name, std::move(v), a);
  }
  Val s(std::string_view v) { return str(v, a); }
  static Val i(std::int64_t v) { return Val(v); }

  // Copies non-null members of src over dst (Go's Merge of pointer structs).
  void merge(Val& dst, const Val& src) {
    if (!src.IsObject()) return;
    for (const auto& m : src.GetObject()) {
      if (!m.value.IsNull()) setMember(dst, m.name.GetString(), Val(m.value, a), a);
    }
  }

  Val defaultUpdate() {
    Val u(rapidjson::kObjectType);
    canonicalUpdate(u);
    return u;
  }
  void canonicalUpdate(Val& u) {
    dflt(u, "Stagger", i(30 * kSecond));
    dflt(u, "MaxParallel", i(1));
    dflt(u, "HealthCheck", s("checks"));
    dflt(u, "MinHealthyTime", i(10 * kSecond));
    dflt(u, "HealthyDeadline", i(300 * kSecond));
    dflt(u, "ProgressDeadline", i(600 * kSecond));
    dflt(u, "AutoRevert", Val(false));
    dflt(u, "Canary", i(0));
    dflt(u, "AutoPromote", Val(false));
  }

  void canonicalReschedule(Val& r, const std::string& type) {
    if (type == "service") {
      dflt(r, "Attempts", i(0));
      dflt(r, "Interval", i(0));
      dflt(r, "Delay", i(30 * kSecond));
      dflt(r, "DelayFunction", s("exponential"));
      dflt(r, "MaxDelay", i(3600 * kSecond));
      dflt(r, "Unlimited", Val(true));
    } else if (type == "batch") {
      dflt(r, "Attempts", i(1));
      dflt(r, "Interval", i(24 * 3600 * kSecond));
      dflt(r, "Delay", i(5 * kSecond));
      dflt(r, "DelayFunction", s("constant"));
      dflt(r, "MaxDelay", i(0));
      dflt(r, "Unlimited", Val(false));
    } else {
      dflt(r, "Attempts", i(0));
      dflt(r, "Interval", i(0));
      dflt(r, "Delay", i(0));
      dflt(r, "DelayFunction", s(""));
      dflt(r, "MaxDelay", i(0));
      dflt(r, "Unlimited", Val(false));
    }
  }

  void canonicalMigrate(Val& m) {
    dflt(m, "MaxParallel", i(1));
    dflt(m, "HealthCheck", s("checks"));
    dflt(m, "MinHealthyTime", i(10 * kSecond));
    dflt(m, "HealthyDeadline", i(300 * kSecond));
  }

  Val defaultRestart(const std::string& type) {
    Val r(rapidjson::kObjectType);
    bool svc = type == "service" || type == "system";
    setMember(r, "Interval", i(svc ? 1800 * kSecond : 24 * 3600 * kSecond), a);
    setMember(r, "Attempts", i(svc ? 2 : 3), a);
    setMember(r, "Delay", i(15 * kSecond), a);
    setMember(r, "Mode", s("fail"), a);
    setMember(r, "RenderTemplates", Val(false), a);
    return r;
  }

  void canonicalService(Val& svc, const std::string& job, const std::string& group,
                        const std::string* task) {
    if (getString(svc, "Name").empty()) {
      setMember(
          svc, "Name",
          task ? fmt::format("{}-{}-{}", job, group, *task) : fmt::format("{}-{}", job, group), a);
    }
    if (getString(svc, "AddressMode").empty()) setMember(svc, "AddressMode", "auto", a);
    if (getString(svc, "OnUpdate").empty()) setMember(svc, "OnUpdate", "require_healthy", a);
    if (getString(svc, "Provider").empty()) setMember(svc, "Provider", "consul", a);
    if (getString(svc, "Cluster").empty()) setMember(svc, "Cluster", "default", a);
    for (auto k : {"Meta", "CanaryMeta", "TaggedAddresses"}) {
      Val* m = member(svc, k);
      if (m != nullptr && m->IsObject() && m->MemberCount() == 0) *m = Val();
    }
    if (Val* checks = member(svc, "Checks"); checks != nullptr && checks->IsArray()) {
      for (auto& c : checks->GetArray()) {
        if (getString(c, "OnUpdate").empty()) {
          setMember(c, "OnUpdate", getString(svc, "OnUpdate"), a);
        }
      }
    }
  }

  void canonicalTemplate(Val& t) {
    dflt(t, "SourcePath", s(""));
    dflt(t, "DestPath", s(""));
    dflt(t, "EmbeddedTmpl", s(""));
    dflt(t, "ChangeMode", s("restart"));
    if (isNull(t, "ChangeSignal")) {
      setMember(t, "ChangeSignal", getString(t, "ChangeMode") == "signal" ? "SIGHUP" : "", a);
    } else {
      std::string sig = getString(t, "ChangeSignal");
      for (auto& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      setMember(t, "ChangeSignal", sig, a);
    }
    if (Val* cs = member(t, "ChangeScript"); cs != nullptr && cs->IsObject()) {
      dflt(*cs, "Command", s(""));
      dflt(*cs, "Args", Val(rapidjson::kArrayType));
      dflt(*cs, "Timeout", i(5 * kSecond));
      dflt(*cs, "FailOnError", Val(false));
      dflt(*cs, "RunOnFirstRender", Val(false));
    }
    dflt(t, "Once", Val(false));
    dflt(t, "Splay", i(5 * kSecond));
    dflt(t, "Perms", s("0644"));
    dflt(t, "LeftDelim", s("{{"));
    dflt(t, "RightDelim", s("}}"));
    dflt(t, "Envvars", Val(false));
    dflt(t, "ErrMissingKey", Val(false));
    dflt(t, "VaultGrace", i(0));
  }

  void canonicalVault(Val& v) {
    dflt(v, "Env", Val(true));
    dflt(v, "DisableFile", Val(false));
    dflt(v, "Namespace", s(""));
    if (getString(v, "Cluster").empty()) setMember(v, "Cluster", "default", a);
    dflt(v, "ChangeMode", s("restart"));
    dflt(v, "ChangeSignal", s("SIGHUP"));
    dflt(v, "AllowTokenExpiration", Val(false));
  }

  void canonicalTask(Val& t, const Val& tg, const std::string& job, const std::string& group) {
    if (isNull(t, "Resources")) setMember(t, "Resources", Val(rapidjson::kObjectType), a);
    Val& r = *member(t, "Resources");
    if (isNull(r, "Cores")) {
      setMember(r, "Cores", i(0), a);
      dflt(r, "CPU", i(100));
    }
    dflt(r, "CPU", i(0));
    dflt(r, "MemoryMB", i(300));
    dflt(t, "KillTimeout", i(5 * kSecond));
    if (isNull(t, "LogConfig")) setMember(t, "LogConfig", Val(rapidjson::kObjectType), a);
    Val& lc = *member(t, "LogConfig");
    dflt(lc, "MaxFiles", i(10));
    dflt(lc, "MaxFileSizeMB", i(10));
    dflt(lc, "Disabled", Val(false));
    if (Val* arts = member(t, "Artifacts"); arts != nullptr && arts->IsArray()) {
      for (auto& art : arts->GetArray()) {
        dflt(art, "GetterMode", s("any"));
        dflt(art, "GetterInsecure", Val(false));
        dflt(art, "GetterSource", s(""));
        dflt(art, "RelativeDest", s("local/"));
      }
    }
    if (Val* v = member(t, "Vault"); v != nullptr && v->IsObject()) canonicalVault(*v);
    if (Val* ts = member(t, "Templates"); ts != nullptr && ts->IsArray()) {
      for (auto& tmpl : ts->GetArray()) canonicalTemplate(tmpl);
    }
    std::string name = getString(t, "Name");
    if (Val* svcs = member(t, "Services"); svcs != nullptr && svcs->IsArray()) {
      for (auto& svc : svcs->GetArray()) canonicalService(svc, job, group, &name);
    }
    if (Val* affs = member(t, "Affinities"); affs != nullptr && affs->IsArray()) {
      for (auto& af : affs->GetArray()) dflt(af, "Weight", i(50));
    }
    Val rp(*member(tg, "RestartPolicy"), a);
    if (const Val* own = member(t, "RestartPolicy"); own != nullptr && own->IsObject())
      merge(rp, *own);
    setMember(t, "RestartPolicy", std::move(rp), a);
  }

  void canonicalGroup(Val& g, Val& job) {
    std::string type = getString(job, "Type");
    dflt(g, "Name", s(""));
    dflt(g, "Count", i(1));
    if (isNull(g, "EphemeralDisk")) setMember(g, "EphemeralDisk", Val(rapidjson::kObjectType), a);
    Val& ed = *member(g, "EphemeralDisk");
    dflt(ed, "Sticky", Val(false));
    dflt(ed, "Migrate", Val(false));
    dflt(ed, "SizeMB", i(300));

    const Val* ju = member(job, "Update");
    if (ju != nullptr && ju->IsObject()) {
      Val u(*ju, a);
      if (const Val* gu = member(g, "Update"); gu != nullptr && gu->IsObject()) merge(u, *gu);
      setMember(g, "Update", std::move(u), a);
    }
    if (Val* u = member(g, "Update"); u != nullptr && u->IsObject()) canonicalUpdate(*u);

    const Val* jr = member(job, "Reschedule");
    if (jr != nullptr && jr->IsObject()) {
      Val r(*jr, a);
      if (const Val* gr = member(g, "ReschedulePolicy"); gr != nullptr && gr->IsObject())
        merge(r, *gr);
      setMember(g, "ReschedulePolicy", std::move(r), a);
    }
    if (isNull(g, "ReschedulePolicy") && type != "sysbatch" && type != "system") {
      setMember(g, "ReschedulePolicy", Val(rapidjson::kObjectType), a);
    }
    if (Val* r = member(g, "ReschedulePolicy"); r != nullptr && r->IsObject()) {
      canonicalReschedule(*r, type);
    }

    const Val* jm = member(job, "Migrate");
    if (jm != nullptr && jm->IsObject()) {
      Val m(*jm, a);
      if (const Val* gm = member(g, "Migrate"); gm != nullptr && gm->IsObject()) merge(m, *gm);
      setMember(g, "Migrate", std::move(m), a);
    }
    if (isNull(g, "Migrate") && type == "service") {
      setMember(g, "Migrate", Val(rapidjson::kObjectType), a);
    }
    if (Val* m = member(g, "Migrate"); m != nullptr && m->IsObject()) canonicalMigrate(*m);

    Val rp = defaultRestart(type);
    if (const Val* gr = member(g, "RestartPolicy"); gr != nullptr && gr->IsObject()) merge(rp, *gr);
    setMember(g, "RestartPolicy", std::move(rp), a);

    std::string jobName = getString(job, "Name");
    std::string groupName = getString(g, "Name");
    if (Val* tasks = member(g, "Tasks"); tasks != nullptr && tasks->IsArray()) {
      for (auto& t : tasks->GetArray()) canonicalTask(t, g, jobName, groupName);
    }
    if (Val* affs = member(g, "Affinities"); affs != nullptr && affs->IsArray()) {
      for (auto& af : affs->GetArray()) dflt(af, "Weight", i(50));
    }
    if (Val* svcs = member(g, "Services"); svcs != nullptr && svcs->IsArray()) {
      for (auto& svc : svcs->GetArray()) canonicalService(svc, jobName, groupName, nullptr);
    }
  }

  void canonicalJob(Val& j) {
    dflt(j, "ID", s(""));
    dflt(j, "Name", Val(*member(j, "ID"), a));
    dflt(j, "ParentID", s(""));
    dflt(j, "Namespace", s("default"));
    dflt(j, "Priority", i(50));
    dflt(j, "Stop", Val(false));
    dflt(j, "Region", s("global"));
    dflt(j, "NodePool", s(""));
    dflt(j, "Type", s("service"));
    dflt(j, "AllAtOnce", Val(false));
    dflt(j, "ConsulNamespace", s(""));
    dflt(j, "VaultNamespace", s(""));
    dflt(j, "NomadTokenID", s(""));
    dflt(j, "Status", s(""));
    dflt(j, "StatusDescription", s(""));
    dflt(j, "Stable", Val(false));
    dflt(j, "Version", i(0));
    dflt(j, "CreateIndex", i(0));
    dflt(j, "ModifyIndex", i(0));
    dflt(j, "JobModifyIndex", i(0));
    if (Val* p = member(j, "Periodic"); p != nullptr && p->IsObject()) {
      dflt(*p, "Enabled", Val(true));
      dflt(*p, "Spec", s(""));
      dflt(*p, "Specs", Val(rapidjson::kArrayType));
      dflt(*p, "SpecType", s("cron"));
      dflt(*p, "ProhibitOverlap", Val(false));
      if (getString(*p, "TimeZone").empty()) setMember(*p, "TimeZone", "UTC", a);
    }
    std::string type = getString(j, "Type");
    if (Val* u = member(j, "Update"); u != nullptr && u->IsObject()) {
      canonicalUpdate(*u);
    } else if (type == "service" || type == "system") {
      setMember(j, "Update", defaultUpdate(), a);
    }
    if (Val* groups = member(j, "TaskGroups"); groups != nullptr && groups->IsArray()) {
      for (auto& g : groups->GetArray()) canonicalGroup(g, j);
    }
    if (Val* affs = member(j, "Affinities"); affs != nullptr && affs->IsArray()) {
      for (auto& af : affs->GetArray()) dflt(af, "Weight", i(50));
    }
  }
};

}  // namespace

void canonicalizeApiJob(Val& job, Alloc& a) {
  Canon c{a};
  c.canonicalJob(job);
}

}  // namespace nc::nomadsim
