// Nomad codec for jobs: list stubs, job read, versions, register, plan (with the diff tree).
#include "nomad/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad::codec {
namespace {

using json::Need;

Result<rapidjson::Document> parseArray(std::string_view body, std::string_view what) {
  auto doc = json::parse(body, what);
  if (!doc) return doc.error();
  if (!doc->IsArray())
    return Error(errc::protocol_error,
                 std::string(what) + ": expected a JSON array, got " + json::typeName(*doc));
  return doc;
}

JobStub decodeStub(json::Fields& f) {
  JobStub s;
  s.id = f.str("ID", Need::required);
  s.parentId = f.str("ParentID");
  s.name = f.str("Name");
  s.nomadNamespace = f.str("Namespace");
  s.type = f.str("Type");
  s.status = f.str("Status");
  s.statusDescription = f.str("StatusDescription");
  s.nodePool = f.str("NodePool");
  s.datacenters = f.strings("Datacenters");
  s.priority = f.i64("Priority");
  s.periodic = f.boolean("Periodic");
  s.parameterized = f.boolean("ParameterizedJob");
  s.stop = f.boolean("Stop");
  s.createIndex = f.u64("CreateIndex");
  s.modifyIndex = f.u64("ModifyIndex");
  s.jobModifyIndex = f.u64("JobModifyIndex");
  s.submitTime = f.i64("SubmitTime");
  s.meta = f.stringMap("Meta");
  return s;
}

Job decodeJobObject(const rapidjson::Value& v, std::string path, json::DecodeState& st) {
  auto f = json::rootObject(v, std::move(path), st);
  Job j;
  j.id = f.str("ID", Need::required);
  j.name = f.str("Name");
  j.nomadNamespace = f.str("Namespace");
  j.region = f.str("Region");
  j.type = f.str("Type");
  j.status = f.str("Status");
  j.stop = f.boolean("Stop");
  j.stable = f.boolean("Stable");
  j.version = f.u64("Version");
  j.createIndex = f.u64("CreateIndex");
  j.modifyIndex = f.u64("ModifyIndex");
  j.jobModifyIndex = f.u64("JobModifyIndex");
  if (v.IsObject()) j.json = json::toString(v);
  return j;
}

std::vector<FieldDiff> decodeFields(json::Fields& parent, const char* key) {
  std::vector<FieldDiff> out;
  const auto* arr = parent.value(key);
  if (!arr || arr->IsNull()) return out;
  if (!arr->IsArray()) {
    parent.state().fail(parent.path(key),
                        std::string("expected array, got ") + json::typeName(*arr));
    return out;
  }
  for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
    auto f = json::rootObject((*arr)[i], parent.path(key) + "[" + std::to_string(i) + "]",
                              parent.state());
    out.push_back(
        {f.str("Type"), f.str("Name"), f.str("Old"), f.str("New"), f.strings("Annotations")});
  }
  return out;
}

std::vector<ObjectDiff> decodeObjects(json::Fields& parent, const char* key, int depth) {
  std::vector<ObjectDiff> out;
  const auto* arr = parent.value(key);
  if (!arr || arr->IsNull()) return out;
  if (!arr->IsArray() || depth > 32) {
    parent.state().fail(parent.path(key),
                        depth > 32 ? "nests too deeply"
                                   : std::string("expected array, got ") + json::typeName(*arr));
    return out;
  }
  for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
    auto f = json::rootObject((*arr)[i], parent.path(key) + "[" + std::to_string(i) + "]",
                              parent.state());
    ObjectDiff o;
    o.type = f.str("Type");
    o.name = f.str("Name");
    o.fields = decodeFields(f, "Fields");
    o.objects = decodeObjects(f, "Objects", depth + 1);
    o.annotations = f.strings("Annotations");
    out.push_back(std::move(o));
  }
  return out;
}

JobDiff decodeJobDiff(json::Fields& f) {
  JobDiff d;
  d.type = f.str("Type", Need::required);
  d.id = f.str("ID");
  d.fields = decodeFields(f, "Fields");
  d.objects = decodeObjects(f, "Objects", 0);
  const auto* groups = f.value("TaskGroups");
  if (groups && groups->IsArray()) {
    for (rapidjson::SizeType i = 0; i < groups->Size(); ++i) {
      auto g = json::rootObject((*groups)[i], f.path("TaskGroups") + "[" + std::to_string(i) + "]",
                                f.state());
      TaskGroupDiff tg;
      tg.type = g.str("Type");
      tg.name = g.str("Name");
      tg.fields = decodeFields(g, "Fields");
      tg.objects = decodeObjects(g, "Objects", 0);
      tg.tasks = decodeObjects(g, "Tasks", 0);
      if (auto u = g.object("Updates"); u.valid())
        for (const auto& m : g.value("Updates")->GetObject())
          tg.updates[m.name.GetString()] = u.u64(m.name.GetString());
      d.taskGroups.push_back(std::move(tg));
    }
  } else if (groups && !groups->IsNull()) {
    f.state().fail(f.path("TaskGroups"),
                   std::string("expected array, got ") + json::typeName(*groups));
  }
  return d;
}

}  // namespace

Result<std::vector<JobStub>> decodeJobStubs(std::string_view body) {
  auto doc = parseArray(body, "nomad jobs list");
  if (!doc) return doc.error();
  json::DecodeState st;
  std::vector<JobStub> out;
  out.reserve(doc->Size());
  for (rapidjson::SizeType i = 0; i < doc->Size(); ++i) {
    auto f = json::rootObject((*doc)[i], "jobs[" + std::to_string(i) + "]", st);
    out.push_back(decodeStub(f));
  }
  return json::finish(st, std::move(out));
}

Result<Job> decodeJob(std::string_view body) {
  auto doc = json::parse(body, "nomad job");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto job = decodeJobObject(*doc, "job", st);
  return json::finish(st, std::move(job));
}

Result<std::vector<Job>> decodeJobVersions(std::string_view body) {
  auto doc = json::parse(body, "nomad job versions");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "versions", st);
  std::vector<Job> out;
  const auto* versions = f.value("Versions");
  if (!versions || !versions->IsArray()) {
    st.fail("Versions", versions ? std::string("expected array, got ") + json::typeName(*versions)
                                 : "is missing");
  } else {
    for (rapidjson::SizeType i = 0; i < versions->Size(); ++i)
      out.push_back(decodeJobObject((*versions)[i], "Versions[" + std::to_string(i) + "]", st));
  }
  return json::finish(st, std::move(out));
}

Result<JobIdentity> jobIdentity(std::string_view jobJson) {
  auto doc = json::parse(jobJson, "job JSON");
  if (!doc) return Error(errc::invalid_argument, doc.error().message);
  json::DecodeState st;
  auto f = json::rootObject(*doc, "job", st);
  JobIdentity id{f.str("ID"), f.str("Namespace")};
  if (st.error) return Error(errc::invalid_argument, st.error->message);
  if (id.id.empty()) return Error(errc::invalid_argument, "job JSON has no ID");
  return id;
}

std::string encodeRegister(std::string_view jobJson, const RegisterOptions& o) {
  json::ObjectWriter w;
  w.raw("Job", jobJson);
  if (o.enforceIndex) w.boolean("EnforceIndex", true).u64("JobModifyIndex", *o.enforceIndex);
  if (o.policyOverride) w.boolean("PolicyOverride", true);
  if (o.preserveCounts) w.boolean("PreserveCounts", true);
  return w.finish();
}

Result<RegisterResult> decodeRegister(std::string_view body) {
  auto doc = json::parse(body, "nomad job register");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "register", st);
  RegisterResult r;
  r.evalId = f.str("EvalID");
  r.warnings = f.str("Warnings");
  r.evalCreateIndex = f.u64("EvalCreateIndex");
  r.jobModifyIndex = f.u64("JobModifyIndex", Need::required);
  r.index = f.u64("Index");
  return json::finish(st, std::move(r));
}

std::string encodePlan(std::string_view jobJson, bool diff) {
  return json::ObjectWriter().raw("Job", jobJson).boolean("Diff", diff).finish();
}

Result<PlanResult> decodePlan(std::string_view body) {
  auto doc = json::parse(body, "nomad job plan");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "plan", st);
  PlanResult p;
  p.jobModifyIndex = f.u64("JobModifyIndex", Need::required);
  p.warnings = f.str("Warnings");
  if (auto d = f.object("Diff"); d.valid()) p.diff = decodeJobDiff(d);
  if (auto a = f.object("Annotations"); a.valid()) {
    if (auto u = a.object("DesiredTGUpdates"); u.valid()) {
      for (const auto& tg : a.value("DesiredTGUpdates")->GetObject()) {
        auto g = u.object(tg.name.GetString(), Need::required);
        if (!g.valid()) continue;
        for (const auto& kind : tg.value.GetObject())
          p.desiredUpdates[tg.name.GetString()][kind.name.GetString()] =
              g.u64(kind.name.GetString());
      }
    }
  }
  if (const auto* failed = f.value("FailedTGAllocs"); failed && failed->IsObject())
    p.failedAllocations = failed->MemberCount() > 0;
  p.json = json::toString(*doc);
  return json::finish(st, std::move(p));
}

Result<DeregisterResult> decodeDeregister(std::string_view body) {
  auto doc = json::parse(body, "nomad job deregister");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "deregister", st);
  DeregisterResult r;
  r.evalId = f.str("EvalID");
  r.evalCreateIndex = f.u64("EvalCreateIndex");
  r.jobModifyIndex = f.u64("JobModifyIndex");
  r.index = f.u64("Index");
  return json::finish(st, std::move(r));
}

}  // namespace nc::nomad::codec
