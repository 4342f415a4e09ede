// Job endpoints: list, register, parse, read, versions, allocations, deregister (plan:
// api_plan.cpp).
#include <fmt/format.h>

#include "api_impl.hpp"
#include "bexpr.hpp"
#include "job_diff.hpp"
#include "jobspec.hpp"
#include "server_job.hpp"

namespace nc::nomadsim {

Awaitable<ServerResponse> ApiImpl::jobsList(ServerRequest req) {
  auto parsed = parseQuery(req);
  if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
  QueryOptions q = std::get<QueryOptions>(parsed);
  std::optional<Filter> filter;
  if (!q.filter.empty()) {
    auto f = Filter::parse(q.filter);
    if (!f.has_value())
      co_return text(400, "failed to create result paginator: " + f.error().message);
    filter = f.value();
  }
  std::size_t perPage = 0;
  if (auto pp = param(req, "per_page"); pp && !pp->empty()) {
    try {
      perPage = std::stoul(*pp);
    } catch (...) {
      co_return text(400, "Invalid per_page");
    }
  }
  std::function<std::uint64_t()> current = [this] { return state_.jobsIndex(); };
  co_await blockUntil(q.index, q.wait, &current);
  bool withMeta = param(req, "meta") == "true";
  bool reverse = param(req, "reverse") == "true";
  std::string nextToken = param(req, "next_token").value_or("");
  auto records = state_.jobs(q.nameSpace, q.prefix);
  if (reverse) std::reverse(records.begin(), records.end());
  std::string out = "[";
  std::size_t n = 0;
  std::string next;
  bool started = nextToken.empty();
  for (const JobRecord* r : records) {
    std::string token = q.nameSpace == "*" ? r->nameSpace + "." + r->id : r->id;
    if (!started) {
      if (token != nextToken) continue;
      started = true;
    }
    if (filter) {
      auto full = parseJson(*r->json);
      if (!full.has_value() || !filter->matches(full.value())) continue;
    }
    if (perPage != 0 && n == perPage) {
      next = token;
      break;
    }
    if (n++ > 0) out += ",";
    out += state_.stubJson(*r, withMeta);
  }
  out += "]";
  ServerResponse resp = json(200, std::move(out), state_.jobsIndex(), &q);
  if (!next.empty()) resp.headers.push_back({"X-Nomad-NextToken", next});
  co_return resp;
}

namespace {
std::string registerReplyJson(const RegisterReply& r) {
  return fmt::format(
      "{{\"EvalID\":\"{}\",\"EvalCreateIndex\":{},\"JobModifyIndex\":{},\"Warnings\":{},\"Index\":{"
      "},"
      "\"LastContact\":0,\"KnownLeader\":false,\"NextToken\":\"\"}}",
      r.evalId, r.evalCreateIndex, r.jobModifyIndex,
      toJson(Val(rapidjson::StringRef(r.warnings.c_str()))), r.index);
}
}  // namespace

ServerResponse ApiImpl::jobRegister(const ServerRequest& req, const std::string& pathId) {
  if (req.body.empty()) return text(400, "Request body is empty");
  auto body = parseJson(req.body);
  if (!body.has_value()) return text(400, body.error().message);
  const Val* job = member(body.value(), "Job");
  if (job == nullptr || !job->IsObject()) return text(400, "Job must be specified");
  if (getString(*job, "ID").empty()) return text(400, "Job ID hasn't been provided");
  if (!pathId.empty() && getString(*job, "ID") != pathId)
    return text(400, "Job ID does not match name");
  std::int64_t evalPriority = getInt(body.value(), "EvalPriority");
  if (evalPriority < 0 || evalPriority > 100) {
    return text(400, "Eval priority must be between 1 and 100 inclusively");
  }
  AdmitOptions ao;
  std::string ns = param(req, "namespace").value_or("");
  if (ns.empty()) ns = getString(body.value(), "Namespace");
  if (ns.empty()) ns = getString(*job, "Namespace");
  ao.nameSpace = ns.empty() ? "default" : ns;
  ao.region = opt_.region;
  auto admitted = admitJob(*job, ao);
  if (!admitted.has_value()) return text(500, admitted.error().message);
  auto reply = state_.registerJob(admitted.value(), getBool(body.value(), "EnforceIndex"),
                                  getUint(body.value(), "JobModifyIndex"));
  if (!reply.has_value()) return text(500, reply.error().message);
  return json(200, registerReplyJson(reply.value()), reply->index);
}

ServerResponse ApiImpl::jobsParse(const ServerRequest& req) {
  auto body = parseJson(req.body);
  if (!body.has_value()) return text(400, body.error().message);
  std::string hcl = getString(body.value(), "JobHCL");
  if (hcl.empty()) return text(400, "Job spec is empty");
  JobspecOptions o;
  o.canonicalize = getBool(body.value(), "Canonicalize");
  o.variables = getString(body.value(), "Variables");
  auto job = parseJobspec(hcl, o);
  if (!job.has_value()) return text(400, "Failed to parse job: " + job.error().message);
  QueryOptions q;
  q.pretty = param(req, "pretty").has_value() && param(req, "pretty") != "0";
  return json(200, toJson(job.value()), std::nullopt, &q);
}

ServerResponse ApiImpl::jobDelete(const ServerRequest& req, const std::string& id) {
  auto parseBool = [&](const char* name, bool& out) -> std::optional<ServerResponse> {
    auto v = param(req, name);
    if (!v || v->empty()) return std::nullopt;
    static const std::set<std::string> yes = {"1", "t", "T", "TRUE", "true", "True"};
    static const std::set<std::string> no = {"0", "f", "F", "FALSE", "false", "False"};
    if (yes.count(*v))
      out = true;
    else if (!no.count(*v)) {
      return text(500,
                  fmt::format("Failed to parse value of \"{}\" ({}) as a bool: strconv.ParseBool: "
                              "parsing \"{}\": invalid syntax",
                              name, *v, *v));
    }
    return std::nullopt;
  };
  bool purge = false, global = false;
  if (auto e = parseBool("purge", purge)) return *e;
  if (auto e = parseBool("global", global)) return *e;
  std::string ns = param(req, "namespace").value_or("default");
  if (ns.empty()) ns = "default";
  auto r = state_.deregisterJob(ns, id, purge);
  return json(
      200,
      fmt::format("{{\"EvalID\":\"{}\",\"EvalCreateIndex\":{},\"JobModifyIndex\":{},"
                  "\"VolumeEvalID\":\"\",\"VolumeEvalIndex\":0,\"Index\":{},\"LastContact\":0,"
                  "\"KnownLeader\":false,\"NextToken\":\"\"}}",
                  r.evalId, r.evalCreateIndex, r.jobModifyIndex, r.index),
      r.index);
}

Awaitable<ServerResponse> ApiImpl::jobVersions(ServerRequest req) {
  const std::string prefix = "/v1/job/", suffix = "/versions";
  std::string id = req.path.substr(prefix.size(), req.path.size() - prefix.size() - suffix.size());
  auto parsed = parseQuery(req);
  if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
  QueryOptions q = std::get<QueryOptions>(parsed);
  std::string ns = q.nameSpace;
  std::function<std::uint64_t()> current = [this, ns, id] {
    const JobRecord* r = state_.job(ns, id);
    return r ? r->modifyIndex : state_.tableIndex("jobs");
  };
  co_await blockUntil(q.index, q.wait, &current);
  const JobRecord* r = state_.job(ns, id);
  if (r == nullptr) co_return text(404, "job versions not found");
  std::string versions = "[";
  for (std::size_t i = 0; i < r->versions.size(); ++i) versions += (i ? "," : "") + *r->versions[i];
  versions += "]";
  std::string diffs = "null";
  if (param(req, "diffs") == "true" && r->versions.size() > 1) {
    diffs = "[";
    for (std::size_t i = 0; i + 1 < r->versions.size(); ++i) {
      auto newer = parseJson(*r->versions[i]);
      auto older = parseJson(*r->versions[i + 1]);
      diffs += (i ? "," : "") + toJson(jobDiff(&older.value(), &newer.value()));
    }
    diffs += "]";
  }
  co_return json(200,
                 fmt::format("{{\"Versions\":{},\"Diffs\":{},\"Index\":{},\"LastContact\":0,"
                             "\"KnownLeader\":{},\"NextToken\":\"\"}}",
                             versions, diffs, r->modifyIndex, leader_),
                 r->modifyIndex, &q);
}

Awaitable<ServerResponse> ApiImpl::jobRoute(ServerRequest req) {
  std::string rest = req.path.substr(std::string("/v1/job/").size());
  std::string id = rest, suffix;
  for (const char* s :
       {"/allocations", "/plan", "/versions", "/evaluations", "/summary", "/deployments"}) {
    std::string sfx = s;
    if (rest.size() > sfx.size() && rest.compare(rest.size() - sfx.size(), sfx.size(), sfx) == 0) {
      id = rest.substr(0, rest.size() - sfx.size());
      suffix = sfx;
      break;
    }
  }
  if (id.empty()) co_return text(400, "Missing job ID");
  const std::string& m = req.method;
  if (suffix == "/plan") {
    if (m != "PUT" && m != "POST") co_return text(405, "Invalid method");
    co_return jobPlan(req, id);
  }
  if (suffix == "/versions") co_return co_await jobVersions(std::move(req));
  if (!suffix.empty()) {  // allocations, evaluations, deployments: empty until clients run
    auto parsed = parseQuery(req);
    if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
    QueryOptions q = std::get<QueryOptions>(parsed);
    if (suffix == "/summary") {
      const JobRecord* r = state_.job(q.nameSpace, id);
      if (r == nullptr) co_return text(404, "job not found");
      co_return json(200, state_.summaryJson(*r), r->summaryModifyIndex, &q);
    }
    std::function<std::uint64_t()> current = [this] { return state_.tableIndex("allocs"); };
    co_await blockUntil(q.index, q.wait, &current);
    if (suffix == "/allocations") {
      co_return json(200, jobAllocsJson(q.nameSpace, id), state_.tableIndex("allocs"), &q);
    }
    co_return json(200, "[]", state_.tableIndex(suffix == "/evaluations" ? "evals" : "allocs"), &q);
  }
  if (m == "PUT" || m == "POST") co_return jobRegister(req, id);
  if (m == "DELETE") co_return jobDelete(req, id);
  if (m != "GET") co_return text(405, "Invalid method");
  auto parsed = parseQuery(req);
  if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
  QueryOptions q = std::get<QueryOptions>(parsed);
  std::string ns = q.nameSpace;
  std::function<std::uint64_t()> current = [this, ns, id] {
    const JobRecord* r = state_.job(ns, id);
    return r ? r->modifyIndex : state_.tableIndex("jobs");
  };
  co_await blockUntil(q.index, q.wait, &current);
  const JobRecord* r = state_.job(ns, id);
  if (r == nullptr) co_return text(404, "job not found");
  co_return json(200, *r->json, r->modifyIndex, &q);
}

}  // namespace nc::nomadsim
