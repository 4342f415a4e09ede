// Plan diff: Nomad's contextual JobDiff (structs/diff.go) over server-form job JSON, and
// annotations.
#include "job_diff.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace nc::nomadsim {

namespace {

using Flat = std::map<std::string, std::string>;
const std::set<std::string> kMapFields = {
    "Meta", "Env", "CanaryMeta", "TaggedAddresses", "GetterOptions", "GetterHeaders"};

std::string scalar(const Val& v) {
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) return std::to_string(v.GetDouble());
  return "";
}

// flatmap.Flatten(obj, filter, primitiveOnly=true): primitive members and maps of primitives.
Flat flatten(const Val* obj, const std::set<std::string>& filter) {
  Flat out;
  if (obj == nullptr || !obj->IsObject()) return out;
  for (const auto& m : obj->GetObject()) {
    std::string name = m.name.GetString();
    if (filter.count(name)) continue;
    if (m.value.IsObject() && kMapFields.count(name)) {
      for (const auto& kv : m.value.GetObject()) {
        out[name + "[" + kv.name.GetString() + "]"] = scalar(kv.value);
      }
    } else if (m.value.IsBool() || m.value.IsString() || m.value.IsNumber()) {
      out[name] = scalar(m.value);
    }
  }
  return out;
}

// flatmap.Flatten(obj, nil, primitiveOnly=false) for task Config: nested keys "a[0]", "m[k]".
void flattenAll(const std::string& prefix, const Val& v, Flat& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      std::string k = prefix.empty() ? m.name.GetString() : prefix + "[" + m.name.GetString() + "]";
      flattenAll(k, m.value, out);
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      flattenAll(prefix + "[" + std::to_string(i) + "]", v[i], out);
    }
  } else if (!v.IsNull()) {
    out[prefix] = scalar(v);
  }
}

class Differ {
 public:
  explicit Differ(Alloc& a) : a_(a) {}

  Val fieldDiff(const std::string& old, const std::string& nw, const std::string& name,
                bool contextual, bool& emitted) {
    emitted = true;
    std::string type = "None";
    std::string o = old, n = nw;
    if (old == nw) {
      if (!contextual) {
        emitted = false;
        return Val();
      }
    } else if (old.empty()) {
      type = "Added";
      o.clear();
    } else if (nw.empty()) {
      type = "Deleted";
      n.clear();
    } else {
      type = "Edited";
    }
    Val f(rapidjson::kObjectType);
    setMember(f, "Annotations", Val(), a_);
    setMember(f, "Name", name, a_);
    setMember(f, "New", n, a_);
    setMember(f, "Old", o, a_);
    setMember(f, "Type", type, a_);
    return f;
  }

  Val fieldDiffs(const Flat& old, const Flat& nw, bool contextual) {
    std::set<std::string> keys;
    for (const auto& [k, v] : old) keys.insert(k);
    for (const auto& [k, v] : nw) keys.insert(k);
    Val arr(rapidjson::kArrayType);
    for (const auto& k : keys) {  // sorted by name, as FieldDiffs sort
      auto oi = old.find(k);
      auto ni = nw.find(k);
      bool emitted = false;
      Val f = fieldDiff(oi == old.end() ? "" : oi->second, ni == nw.end() ? "" : ni->second, k,
                        contextual, emitted);
      if (emitted) arr.PushBack(f, a_);
    }
    return arr.Empty() ? Val() : std::move(arr);
  }

  static bool anyChanged(const Val& list) {
    if (!list.IsArray()) return false;
    for (const auto& d : list.GetArray()) {
      if (getString(d, "Type") != "None") return true;
    }
    return false;
  }

  Val objectDiff(std::string_view name, std::string_view type, Val fields, Val objects) {
    Val o(rapidjson::kObjectType);
    setMember(o, "Fields", std::move(fields), a_);
    setMember(o, "Name", name, a_);
    setMember(o, "Objects", std::move(objects), a_);
    setMember(o, "Type", type, a_);
    return o;
  }

  // stringSetDiff(old, new, name, contextual=true); null when both empty.
  Val stringSetDiff(const Val* old, const Val* nw, const std::string& name) {
    std::set<std::string> os, ns;
    if (old && old->IsArray())
      for (const auto& s : old->GetArray()) os.insert(scalar(s));
    if (nw && nw->IsArray())
      for (const auto& s : nw->GetArray()) ns.insert(scalar(s));
    Val fields(rapidjson::kArrayType);
    bool added = false, removed = false, e = false;
    std::vector<std::pair<std::string, Val>> sorted;
    for (const auto& s : os) {
      if (!ns.count(s)) {
        fields.PushBack(fieldDiff(s, "", name, true, e), a_);
        removed = true;
      } else {
        fields.PushBack(fieldDiff(s, s, name, true, e), a_);
      }
    }
    for (const auto& s : ns) {
      if (!os.count(s)) {
        fields.PushBack(fieldDiff("", s, name, true, e), a_);
        added = true;
      }
    }
    if (fields.Empty()) return Val();
    std::string type = added && removed ? "Edited" : added ? "Added" : removed ? "Deleted" : "None";
    return objectDiff(name, type, std::move(fields), Val());
  }

  // A struct diff in the style of vaultDiff/templateDiff: null when equal, contextual fields,
  // nested string lists as set diffs and nested structs recursively.
  Val structDiff(const Val* old, const Val* nw, std::string_view name,
                 const std::set<std::string>& filter = {}) {
    bool oldNull = old == nullptr || old->IsNull();
    bool newNull = nw == nullptr || nw->IsNull();
    if (oldNull && newNull) return Val();
    if (!oldNull && !newNull && *old == *nw) return Val();
    std::string type = oldNull ? "Added" : newNull ? "Deleted" : "Edited";
    Val fields = fieldDiffs(flatten(oldNull ? nullptr : old, filter),
                            flatten(newNull ? nullptr : nw, filter), true);
    Val objects(rapidjson::kArrayType);
    std::set<std::string> names;
    for (const Val* side : {old, nw}) {
      if (side == nullptr || !side->IsObject()) continue;
      for (const auto& m : side->GetObject()) names.insert(m.name.GetString());
    }
    for (const auto& n : names) {
      if (filter.count(n) || kMapFields.count(n)) continue;
      const Val* ov = oldNull ? nullptr : member(*old, n);
      const Val* nv = newNull ? nullptr : member(*nw, n);
      const Val* sample = (ov && !ov->IsNull()) ? ov : nv;
      if (sample == nullptr || sample->IsNull()) continue;
      if (sample->IsArray()) {
        bool strings = sample->Empty() || (*sample)[0].IsString();
        if (strings) {
          Val d = stringSetDiff(ov, nv, n);
          if (!d.IsNull()) objects.PushBack(d, a_);
        } else {
          rapidjson::SizeType on = ov && ov->IsArray() ? ov->Size() : 0;
          rapidjson::SizeType nn = nv && nv->IsArray() ? nv->Size() : 0;
          for (rapidjson::SizeType i = 0; i < std::max(on, nn); ++i) {
            Val d = structDiff(i < on ? &(*ov)[i] : nullptr, i < nn ? &(*nv)[i] : nullptr, n);
            if (!d.IsNull()) objects.PushBack(d, a_);
          }
        }
      } else if (sample->IsObject()) {
        Val d = structDiff(ov, nv, n);
        if (!d.IsNull()) objects.PushBack(d, a_);
      }
    }
    return objectDiff(name, type, std::move(fields), objects.Empty() ? Val() : std::move(objects));
  }

  // primitiveObjectSetDiff for constraints/affinities: matched by value.
  void setDiff(const Val* old, const Val* nw, std::string_view name, Val& objects) {
    std::vector<const Val*> os, ns;
    if (old && old->IsArray())
      for (const auto& v : old->GetArray()) os.push_back(&v);
    if (nw && nw->IsArray())
      for (const auto& v : nw->GetArray()) ns.push_back(&v);
    for (const Val* o : os) {
      bool found = std::any_of(ns.begin(), ns.end(), [&](const Val* n) { return *n == *o; });
      if (!found) objects.PushBack(structDiff(o, nullptr, name), a_);
    }
    for (const Val* n : ns) {
      bool found = std::any_of(os.begin(), os.end(), [&](const Val* o) { return *n == *o; });
      if (!found) objects.PushBack(structDiff(nullptr, n, name), a_);
    }
  }

  // Lists matched by a key field (templates by DestPath, identities by Name, services by Name).
  void keyedDiff(const Val* old, const Val* nw, std::string_view key, std::string_view name,
                 Val& objects) {
    std::vector<const Val*> os, ns;
    if (old && old->IsArray())
      for (const auto& v : old->GetArray()) os.push_back(&v);
    if (nw && nw->IsArray())
      for (const auto& v : nw->GetArray()) ns.push_back(&v);
    std::vector<bool> used(ns.size(), false);
    for (const Val* o : os) {
      const Val* match = nullptr;
      for (std::size_t i = 0; i < ns.size(); ++i) {
        if (!used[i] && getString(*ns[i], key) == getString(*o, key)) {
          used[i] = true;
          match = ns[i];
          break;
        }
      }
      Val d = structDiff(o, match, name);
      if (!d.IsNull()) objects.PushBack(d, a_);
    }
    for (std::size_t i = 0; i < ns.size(); ++i) {
      if (!used[i]) objects.PushBack(structDiff(nullptr, ns[i], name), a_);
    }
  }

  Val taskDiff(const Val* old, const Val* nw) {
    const Val* any = old ? old : nw;
    std::string type = !old ? "Added" : !nw ? "Deleted" : (*old == *nw ? "None" : "Edited");
    std::set<std::string> filter = {"Name", "Config"};
    Val d(rapidjson::kObjectType);
    setMember(d, "Annotations", Val(), a_);
    setMember(d, "Fields", fieldDiffs(flatten(old, filter), flatten(nw, filter), false), a_);
    setMember(d, "Name", getString(*any, "Name"), a_);
    Val objects(rapidjson::kArrayType);
    auto m = [](const Val* t, const char* k) { return t ? member(*t, k) : nullptr; };
    setDiff(m(old, "Constraints"), m(nw, "Constraints"), "Constraint", objects);
    setDiff(m(old, "Affinities"), m(nw, "Affinities"), "Affinity", objects);
    // Config: flattened with nested keys.
    const Val* oc = m(old, "Config");
    const Val* nc = m(nw, "Config");
    bool oEmpty = !oc || !oc->IsObject() || oc->MemberCount() == 0;
    bool nEmpty = !nc || !nc->IsObject() || nc->MemberCount() == 0;
    if (!(oEmpty && nEmpty) && !(oc && nc && *oc == *nc)) {
      Flat of, nf;
      if (!oEmpty) flattenAll("", *oc, of);
      if (!nEmpty) flattenAll("", *nc, nf);
      objects.PushBack(objectDiff("Config",
                                  oEmpty   ? "Added"
                                  : nEmpty ? "Deleted"
                                           : "Edited",
                                  fieldDiffs(of, nf, true), Val()),
                       a_);
    }
    for (auto [field, name] : {std::pair{"Resources", "Resources"},
                               {"LogConfig", "LogConfig"},
                               {"DispatchPayload", "DispatchPayload"}}) {
      Val od = structDiff(m(old, field), m(nw, field), name);
      if (!od.IsNull()) objects.PushBack(od, a_);
    }
    setDiff(m(old, "Artifacts"), m(nw, "Artifacts"), "Artifact", objects);
    keyedDiff(m(old, "Services"), m(nw, "Services"), "Name", "Service", objects);
    Val vd = structDiff(m(old, "Vault"), m(nw, "Vault"), "Vault");
    if (!vd.IsNull()) objects.PushBack(vd, a_);
    keyedDiff(m(old, "Templates"), m(nw, "Templates"), "DestPath", "Template", objects);
    Val id = structDiff(m(old, "Identity"), m(nw, "Identity"), "Identity");
    if (!id.IsNull()) objects.PushBack(id, a_);
    keyedDiff(m(old, "Identities"), m(nw, "Identities"), "Name", "Identity", objects);
    setMember(d, "Objects", objects.Empty() ? Val() : std::move(objects), a_);
    setMember(d, "Type", type, a_);
    return d;
  }

  Val groupDiff(const Val* old, const Val* nw) {
    const Val* any = old ? old : nw;
    std::string type = !old ? "Added" : !nw ? "Deleted" : (*old == *nw ? "None" : "Edited");
    std::set<std::string> filter = {"Name", "MaxRunDuration", "StopAfterClientDisconnect",
                                    "MaxClientDisconnect", "PreventRescheduleOnLost"};
    Val d(rapidjson::kObjectType);
    setMember(d, "Fields", fieldDiffs(flatten(old, filter), flatten(nw, filter), false), a_);
    setMember(d, "Name", getString(*any, "Name"), a_);
    Val objects(rapidjson::kArrayType);
    auto m = [](const Val* t, const char* k) { return t ? member(*t, k) : nullptr; };
    setDiff(m(old, "Constraints"), m(nw, "Constraints"), "Constraint", objects);
    setDiff(m(old, "Affinities"), m(nw, "Affinities"), "Affinity", objects);
    for (auto name : {"RestartPolicy", "Migrate", "ReschedulePolicy", "EphemeralDisk", "Consul"}) {
      Val od = structDiff(m(old, name), m(nw, name), name);
      if (!od.IsNull()) objects.PushBack(od, a_);
    }
    Val ud = structDiff(m(old, "Update"), m(nw, "Update"), "Update", {"Stagger"});
    if (!ud.IsNull()) objects.PushBack(ud, a_);
    setDiff(m(old, "Networks"), m(nw, "Networks"), "Network", objects);
    keyedDiff(m(old, "Services"), m(nw, "Services"), "Name", "Service", objects);
    setMember(d, "Objects", objects.Empty() ? Val() : std::move(objects), a_);
    // Tasks, sorted by name.
    std::map<std::string, std::pair<const Val*, const Val*>> tasks;
    if (const Val* ot = m(old, "Tasks"); ot && ot->IsArray()) {
      for (const auto& t : ot->GetArray()) tasks[getString(t, "Name")].first = &t;
    }
    if (const Val* nt = m(nw, "Tasks"); nt && nt->IsArray()) {
      for (const auto& t : nt->GetArray()) tasks[getString(t, "Name")].second = &t;
    }
    Val tds(rapidjson::kArrayType);
    for (const auto& [n, p] : tasks) tds.PushBack(taskDiff(p.first, p.second), a_);
    setMember(d, "Tasks", std::move(tds), a_);
    setMember(d, "Type", type, a_);
    setMember(d, "Updates", Val(), a_);
    return d;
  }

 private:
  Alloc& a_;
};

}  // namespace

Doc jobDiff(const Val* oldJob, const Val* newJob) {
  Doc doc(rapidjson::kObjectType);
  Alloc& a = doc.GetAllocator();
  Differ df(a);
  const std::set<std::string> filter = {"ID",          "Status",         "StatusDescription",
                                        "Version",     "Stable",         "CreateIndex",
                                        "ModifyIndex", "JobModifyIndex", "Update",
                                        "SubmitTime",  "NomadTokenID",   "VaultToken"};
  std::string type = !oldJob ? "Added" : !newJob ? "Deleted" : "None";
  const Val* any = newJob ? newJob : oldJob;
  auto m = [](const Val* j, const char* k) { return j ? member(*j, k) : nullptr; };
  Val fields = df.fieldDiffs(flatten(oldJob, filter), flatten(newJob, filter), false);
  Val objects(rapidjson::kArrayType);
  Val dcs = df.stringSetDiff(m(oldJob, "Datacenters"), m(newJob, "Datacenters"), "Datacenters");
  if (!dcs.IsNull() && getString(dcs, "Type") != "None") objects.PushBack(dcs, a);
  df.setDiff(m(oldJob, "Constraints"), m(newJob, "Constraints"), "Constraint", objects);
  df.setDiff(m(oldJob, "Affinities"), m(newJob, "Affinities"), "Affinity", objects);
  for (auto name : {"Periodic", "ParameterizedJob"}) {
    Val od = df.structDiff(m(oldJob, name), m(newJob, name), name);
    if (!od.IsNull()) objects.PushBack(od, a);
  }
  std::map<std::string, std::pair<const Val*, const Val*>> groups;
  if (const Val* og = m(oldJob, "TaskGroups"); og && og->IsArray()) {
    for (const auto& g : og->GetArray()) groups[getString(g, "Name")].first = &g;
  }
  if (const Val* ng = m(newJob, "TaskGroups"); ng && ng->IsArray()) {
    for (const auto& g : ng->GetArray()) groups[getString(g, "Name")].second = &g;
  }
  Val tgs(rapidjson::kArrayType);
  for (const auto& [n, p] : groups) tgs.PushBack(df.groupDiff(p.first, p.second), a);
  if (type == "None" &&
      (Differ::anyChanged(fields) || Differ::anyChanged(objects) || Differ::anyChanged(tgs))) {
    type = "Edited";
  }
  setMember(doc, "Fields", std::move(fields), a);
  setMember(doc, "ID", getString(*any, "ID"), a);
  setMember(doc, "Objects", objects.Empty() ? Val() : std::move(objects), a);
  setMember(doc, "TaskGroups", std::move(tgs), a);
  setMember(doc, "Type", type, a);
  return doc;
}

}  // namespace nc::nomadsim
