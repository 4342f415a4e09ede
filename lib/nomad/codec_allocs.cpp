// Nomad codec for allocations, the client filesystem API and variables.
#include <algorithm>
#include <cctype>

#include "nomad/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad::codec {
namespace {

using json::Need;

TaskState decodeTaskState(json::Fields& f) {
  TaskState s;
  s.state = f.str("State");
  s.failed = f.boolean("Failed");
  s.restarts = f.u64("Restarts");
  s.startedAt = f.str("StartedAt");
  s.finishedAt = f.str("FinishedAt");
  s.lastRestart = f.str("LastRestart");
  const auto* events = f.value("Events");
  if (events && events->IsArray()) {
    for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
      auto e = json::rootObject((*events)[i], f.path("Events") + "[" + std::to_string(i) + "]",
                                f.state());
      TaskEvent ev;
      ev.type = e.str("Type");
      ev.time = e.i64("Time");
      ev.message = e.str("Message");
      ev.displayMessage = e.str("DisplayMessage");
      ev.details = e.stringMap("Details");
      ev.failsTask = e.boolean("FailsTask");
      s.events.push_back(std::move(ev));
    }
  } else if (events && !events->IsNull()) {
    f.state().fail(f.path("Events"), std::string("expected array, got ") + json::typeName(*events));
  }
  return s;
}

Allocation decodeAlloc(json::Fields& f) {
  // Full allocations omit zero-valued fields, so only the ID is required.
  Allocation a;
  a.id = f.str("ID", Need::required);
  a.evalId = f.str("EvalID");
  a.name = f.str("Name");
  a.nomadNamespace = f.str("Namespace");
  a.nodeId = f.str("NodeID");
  a.nodeName = f.str("NodeName");
  a.jobId = f.str("JobID");
  a.jobType = f.str("JobType");
  a.taskGroup = f.str("TaskGroup");
  a.desiredStatus = f.str("DesiredStatus");
  a.desiredDescription = f.str("DesiredDescription");
  a.clientStatus = f.str("ClientStatus");
  a.clientDescription = f.str("ClientDescription");
  a.deploymentId = f.str("DeploymentID");
  a.jobVersion = f.u64("JobVersion");
  a.createIndex = f.u64("CreateIndex");
  a.modifyIndex = f.u64("ModifyIndex");
  a.createTime = f.i64("CreateTime");
  a.modifyTime = f.i64("ModifyTime");
  if (auto states = f.object("TaskStates"); states.valid()) {
    for (const auto& m : f.value("TaskStates")->GetObject()) {
      auto ts = states.object(m.name.GetString(), Need::required);
      if (ts.valid()) a.taskStates[m.name.GetString()] = decodeTaskState(ts);
    }
  }
  // The stub has no Job; a full allocation does, so fill JobType/JobVersion from it.
  if (auto job = f.object("Job"); job.valid()) {
    if (a.jobType.empty()) a.jobType = job.str("Type");
    if (!f.has("JobVersion")) a.jobVersion = job.u64("Version");
  }
  return a;
}

FileInfo decodeFile(json::Fields& f) {
  FileInfo i;
  i.name = f.str("Name", Need::required);
  i.isDir = f.boolean("IsDir");
  i.size = f.i64("Size");
  i.fileMode = f.str("FileMode");
  i.modTime = f.str("ModTime");
  i.contentType = f.str("ContentType");
  return i;
}

}  // namespace

Result<std::vector<Allocation>> decodeAllocStubs(std::string_view body) {
  auto doc = json::parse(body, "nomad allocations");
  if (!doc) return doc.error();
  if (!doc->IsArray())
    return Error(
        errc::protocol_error,
        std::string("nomad allocations: expected a JSON array, got ") + json::typeName(*doc));
  json::DecodeState st;
  std::vector<Allocation> out;
  out.reserve(doc->Size());
  for (rapidjson::SizeType i = 0; i < doc->Size(); ++i) {
    auto f = json::rootObject((*doc)[i], "allocations[" + std::to_string(i) + "]", st);
    out.push_back(decodeAlloc(f));
  }
  return json::finish(st, std::move(out));
}

Result<Allocation> decodeAllocation(std::string_view body) {
  auto doc = json::parse(body, "nomad allocation");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "allocation", st);
  auto a = decodeAlloc(f);
  a.json = json::toString(*doc);
  return json::finish(st, std::move(a));
}

Result<FileInfo> decodeFileInfo(std::string_view body) {
  auto doc = json::parse(body, "nomad fs stat");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "stat", st);
  auto info = decodeFile(f);
  return json::finish(st, std::move(info));
}

Result<std::vector<FileInfo>> decodeFileList(std::string_view body) {
  auto doc = json::parse(body, "nomad fs ls");
  if (!doc) return doc.error();
  if (!doc->IsArray())
    return Error(errc::protocol_error,
                 std::string("nomad fs ls: expected a JSON array, got ") + json::typeName(*doc));
  json::DecodeState st;
  std::vector<FileInfo> out;
  for (rapidjson::SizeType i = 0; i < doc->Size(); ++i) {
    auto f = json::rootObject((*doc)[i], "ls[" + std::to_string(i) + "]", st);
    out.push_back(decodeFile(f));
  }
  return json::finish(st, std::move(out));
}

std::optional<Error> fsErrorInBody(std::string_view body) {
  // Only short single-line bodies can be error texts; certificates and keys are longer.
  if (body.size() > 1024 || body.find('\n') != std::string_view::npos) return std::nullopt;
  struct Pattern {
    std::string_view prefix;
    errc code;
  };
  static constexpr Pattern kPrefixes[] = {
      {"Reading secret file prohibited:", errc::permission_denied},
      {"Reading private file prohibited:", errc::permission_denied},
      {"Path escapes the alloc directory", errc::permission_denied},
      {"Permission denied", errc::permission_denied},
      {"ACL token not found", errc::permission_denied},
      {"Unknown allocation", errc::not_found},
      {"alloc not found", errc::not_found},
      {"No path to node", errc::unavailable},
      {"must provide", errc::invalid_argument},
      {"RPC Error::", errc::server_error},
      {"rpc error:", errc::server_error},
      {"Unknown node", errc::not_found},
  };
  for (const auto& p : kPrefixes)
    if (body.starts_with(p.prefix))
      return Error(p.code, "nomad: fs error reported with HTTP 200: " + std::string(body));
  // `file "<path>" is a directory`, and OS errors such as `open <path>: no such file or directory`.
  if (body.starts_with("file \"") && body.ends_with("\" is a directory"))
    return Error(errc::invalid_argument,
                 "nomad: fs error reported with HTTP 200: " + std::string(body));
  if ((body.starts_with("open ") || body.starts_with("stat ") || body.starts_with("lstat ")) &&
      (body.ends_with(": no such file or directory") || body.ends_with(": permission denied")))
    return Error(body.ends_with("directory") ? errc::not_found : errc::permission_denied,
                 "nomad: fs error reported with HTTP 200: " + std::string(body));
  return std::nullopt;
}

bool isRestrictedFsPath(std::string_view path) {
  // <task>/secrets/... or <task>/private/... (case-insensitive, like Nomad's prefix check),
  // after resolving "." and ".." lexically.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string part(path.substr(start, end - start));
    std::transform(part.begin(), part.end(), part.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  return parts.size() >= 2 && (parts[1] == "secrets" || parts[1] == "private");
}

Result<Variable> decodeVariable(std::string_view body) {
  auto doc = json::parse(body, "nomad variable");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "variable", st);
  Variable v;
  v.nomadNamespace = f.str("Namespace");
  v.path = f.str("Path", Need::required);
  v.createIndex = f.u64("CreateIndex");
  v.modifyIndex = f.u64("ModifyIndex");
  v.createTime = f.i64("CreateTime");
  v.modifyTime = f.i64("ModifyTime");
  v.items = f.stringMap("Items");
  if (auto l = f.object("Lock"); l.valid()) {
    VariableLock lock;
    lock.id = l.str("ID");
    // TTL/LockDelay are strings ("15s") in replies; tolerate nanosecond integers too.
    for (auto [key, out] : {std::pair{"TTL", &lock.ttl}, std::pair{"LockDelay", &lock.lockDelay}}) {
      const auto* val = l.value(key);
      if (val && val->IsInt64())
        *out = Duration(std::chrono::nanoseconds(val->GetInt64())).toString();
      else
        *out = l.str(key);
    }
    v.lock = lock;
  }
  return json::finish(st, std::move(v));
}

std::string encodeVariable(std::string_view path, std::string_view nomadNamespace,
                           const std::map<std::string, std::string>& items) {
  json::ObjectWriter w;
  if (!nomadNamespace.empty()) w.str("Namespace", nomadNamespace);
  w.str("Path", path).stringMap("Items", items);
  return w.finish();
}

}  // namespace nc::nomad::codec
