// Plan annotations (scheduler/annotate.go) and the DesiredTGUpdates of a simulated dry run.
#include <algorithm>

#include "job_diff.hpp"

namespace nc::nomadsim {

namespace {

void annotate(Val& list, std::string_view text, Alloc& a) {
  if (!list.IsArray()) list.SetArray();
  list.PushBack(str(text, a), a);
}

// annotateTask: "forces create/destroy update" unless only in-place fields changed.
bool taskDestructive(const Val& td) {
  if (const Val* fields = member(td, "Fields"); fields && fields->IsArray()) {
    for (const auto& f : fields->GetArray()) {
      if (getString(f, "Name") != "KillTimeout") return true;
    }
  }
  if (const Val* objs = member(td, "Objects"); objs && objs->IsArray()) {
    for (const auto& o : objs->GetArray()) {
      std::string n = getString(o, "Name");
      if (n == "Service" || n == "Constraint" || n == "Affinity" || n == "Spread") continue;
      if (n == "LogConfig") {
        if (const Val* fs = member(o, "Fields"); fs && fs->IsArray()) {
          for (const auto& f : fs->GetArray()) {
            if (getString(f, "Name") == "Disabled" && getString(f, "Type") != "None") return true;
          }
        }
        continue;
      }
      return true;
    }
  }
  return false;
}

std::int64_t groupCount(const Val* job, const std::string& group) {
  if (job == nullptr) return 0;
  const Val* tgs = member(*job, "TaskGroups");
  if (tgs == nullptr || !tgs->IsArray()) return 0;
  for (const auto& g : tgs->GetArray()) {
    if (getString(g, "Name") == group) return getInt(g, "Count");
  }
  return -1;
}

}  // namespace

std::map<std::string, TgUpdates> annotateDiff(Val& diff, const Val* oldJob, const Val& newJob,
                                              Alloc& a) {
  std::map<std::string, TgUpdates> out;
  bool oldRunning = oldJob != nullptr && !getBool(*oldJob, "Stop");
  Val* tgs = member(diff, "TaskGroups");
  if (tgs == nullptr || !tgs->IsArray()) return out;
  for (auto& tg : tgs->GetArray()) {
    std::string name = getString(tg, "Name");
    std::string type = getString(tg, "Type");
    bool destructive = false, inPlace = false;
    if (Val* tasks = member(tg, "Tasks"); tasks && tasks->IsArray()) {
      for (auto& td : tasks->GetArray()) {
        std::string tt = getString(td, "Type");
        if (tt == "None") continue;
        Val* ann = member(td, "Annotations");
        if (type == "Added" || type == "Deleted") {
          annotate(*ann, type == "Added" ? "forces create" : "forces destroy", a);
          continue;
        }
        bool d = tt != "Edited" || taskDestructive(td);
        annotate(*ann, d ? "forces create/destroy update" : "forces in-place update", a);
        destructive = destructive || d;
        inPlace = inPlace || !d;
      }
    }
    if (Val* fields = member(tg, "Fields"); fields && fields->IsArray()) {
      for (auto& f : fields->GetArray()) {
        if (getString(f, "Name") != "Count") continue;
        std::string o = getString(f, "Old"), n = getString(f, "New");
        long ov = o.empty() ? 0 : std::stol(o), nv = n.empty() ? 0 : std::stol(n);
        if (ov < nv) annotate(*member(f, "Annotations"), "forces create", a);
        if (nv < ov) annotate(*member(f, "Annotations"), "forces destroy", a);
      }
    }
    // A dry-run placement without clients: counts stand in for existing allocations.
    TgUpdates u;
    std::int64_t oc = oldRunning ? std::max<std::int64_t>(groupCount(oldJob, name), 0) : 0;
    std::int64_t nc = std::max<std::int64_t>(groupCount(&newJob, name), 0);
    std::uint64_t common = static_cast<std::uint64_t>(std::min(oc, nc));
    if (destructive)
      u.destructive = common;
    else if (inPlace)
      u.inPlace = common;
    else
      u.ignore = common;
    if (nc > oc) u.place = static_cast<std::uint64_t>(nc - oc);
    if (oc > nc) u.stop = static_cast<std::uint64_t>(oc - nc);
    out[name] = u;
    Val updates(rapidjson::kObjectType);
    auto add = [&](const char* k, std::uint64_t v) {
      if (v != 0) setMember(updates, k, Val(static_cast<std::uint64_t>(v)), a);
    };
    add("ignore", u.ignore);
    add("create", u.place);
    add("migrate", u.migrate);
    add("destroy", u.stop);
    add("canary", u.canary);
    add("in-place update", u.inPlace);
    add("create/destroy update", u.destructive);
    setMember(tg, "Updates", std::move(updates), a);
  }
  return out;
}

}  // namespace nc::nomadsim
