// NomadClient: request plumbing, jobs, allocations, variables, locks, agent status.
#include "nomad/nomad_client.hpp"

#include "nomad/blocking.hpp"
#include "nomad/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad {
namespace {

std::string enc(std::string_view s) {
  return http::percentEncode(s);
}

template <class T>
Result<T> withContext(Result<T> r, std::string_view what) {
  if (r) return r;
  return Error(r.error().code, "nomad: " + std::string(what) + ": " + r.error().message);
}

void addParam(std::string& q, std::string_view key, std::string_view value) {
  if (!q.empty()) q += '&';
  q += key;
  q += '=';
  q += http::percentEncode(value);
}

}  // namespace

NomadClient::NomadClient(http::TransportPtr transport, TokenProvider token, Options options)
    : transport_(std::move(transport)), token_(std::move(token)), options_(std::move(options)) {}

Result<http::Request> NomadClient::makeRequest(std::string method, std::string path,
                                               std::string query, std::string body,
                                               std::string ns) const {
  http::Request req;
  req.method = std::move(method);
  std::string q = std::move(query);
  if (ns.empty()) ns = options_.nomadNamespace;
  if (!ns.empty()) addParam(q, "namespace", ns);
  if (!options_.region.empty()) addParam(q, "region", options_.region);
  req.target = "/v1/" + path + (q.empty() ? "" : "?" + q);
  if (token_) {
    auto t = token_();
    if (!t) return Error(t.error().code, "nomad token: " + t.error().message);
    if (!t->empty()) req.headers.push_back({"X-Nomad-Token", *t});
  }
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  req.body = std::move(body);
  req.timeout = options_.requestTimeout;
  return req;
}

Task<http::Response> NomadClient::checked(http::Request req) {
  std::string what = req.method + " " + req.target;
  auto r = co_await transport_->send(std::move(req));
  if (!r) co_return Error(r.error().code, "nomad: " + what + ": " + r.error().message);
  if (r->status < 200 || r->status > 299) co_return codec::responseError(what, r->status, r->body);
  co_return std::move(*r);
}

std::string NomadClient::queryString(const QueryOptions& q) const {
  std::string s;
  if (q.index > 0) {
    addParam(s, "index", std::to_string(q.index));
    addParam(s, "wait", waitParam(q.wait.value_or(kMaxBlockingWait)));
  }
  if (q.stale) addParam(s, "stale", "true");
  if (!q.prefix.empty()) addParam(s, "prefix", q.prefix);
  if (!q.filter.empty()) addParam(s, "filter", q.filter);
  return s;
}

Task<http::Response> NomadClient::get(std::string path, std::string query, const QueryOptions& q) {
  std::string qs = queryString(q);
  if (!query.empty()) qs = qs.empty() ? query : query + "&" + qs;
  auto req = makeRequest("GET", path, qs, "", q.nomadNamespace.value_or(""));
  if (!req) co_return req.error();
  if (q.index > 0) req->timeout = blockingTimeout(q.wait.value_or(kMaxBlockingWait));
  co_return co_await checked(std::move(*req));
}

template <class T, class Decode>
static Result<Indexed<T>> indexed(const http::Response& r, Decode decode, std::string_view what) {
  auto meta = codec::parseQueryMeta(r.headers);
  if (!meta) return withContext(Result<Indexed<T>>(meta.error()), what);
  auto value = decode(r.body);
  if (!value) return withContext(Result<Indexed<T>>(value.error()), what);
  return Indexed<T>{std::move(*value), *meta};
}

Task<Indexed<std::vector<JobStub>>> NomadClient::listJobs(QueryOptions q) {
  auto r = co_await get("jobs", "", q);
  if (!r) co_return r.error();
  co_return indexed<std::vector<JobStub>>(*r, codec::decodeJobStubs, "GET jobs");
}

Task<Indexed<Job>> NomadClient::readJob(std::string id, QueryOptions q) {
  auto r = co_await get("job/" + enc(id), "", q);
  if (!r) co_return r.error();
  co_return indexed<Job>(*r, codec::decodeJob, "GET job/" + id);
}

Task<RegisterResult> NomadClient::registerJob(std::string jobJson, RegisterOptions options) {
  auto ident = codec::jobIdentity(jobJson);
  if (!ident) co_return withContext(Result<RegisterResult>(ident.error()), "register");
  // The job's own namespace wins: ?namespace= would otherwise override it.
  auto req = makeRequest("PUT", "jobs", "", codec::encodeRegister(jobJson, options),
                         ident->nomadNamespace);
  if (!req) co_return req.error();
  req->idempotent = false;  // a blind retry would create a second evaluation
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeRegister(r->body), "register " + ident->id);
}

Task<PlanResult> NomadClient::planJob(std::string jobJson, bool diff) {
  auto ident = codec::jobIdentity(jobJson);
  if (!ident) co_return withContext(Result<PlanResult>(ident.error()), "plan");
  auto req = makeRequest("PUT", "job/" + enc(ident->id) + "/plan", "",
                         codec::encodePlan(jobJson, diff), ident->nomadNamespace);
  if (!req) co_return req.error();
  req->idempotent = true;  // a dry run
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodePlan(r->body), "plan " + ident->id);
}

Task<std::string> NomadClient::parseJob(std::string hcl, bool canonicalize, std::string variables) {
  json::ObjectWriter w;
  w.str("JobHCL", hcl).boolean("Canonicalize", canonicalize);
  if (!variables.empty()) w.str("Variables", variables);
  auto req = makeRequest("POST", "jobs/parse", "", w.finish());
  if (!req) co_return req.error();
  req->idempotent = true;
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  auto doc = json::parse(r->body, "nomad jobs/parse");
  if (!doc) co_return doc.error();
  if (!doc->IsObject())
    co_return Error(
        errc::protocol_error,
        std::string("nomad jobs/parse: expected a job object, got ") + json::typeName(*doc));
  co_return std::move(r->body);
}

Task<DeregisterResult> NomadClient::deregisterJob(std::string id, bool purge) {
  auto req = makeRequest("DELETE", "job/" + enc(id), purge ? "purge=true" : "", "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeDeregister(r->body), "deregister " + id);
}

Task<Indexed<std::vector<Job>>> NomadClient::jobVersions(std::string id, QueryOptions q) {
  auto r = co_await get("job/" + enc(id) + "/versions", "", q);
  if (!r) co_return r.error();
  co_return indexed<std::vector<Job>>(*r, codec::decodeJobVersions, "GET job versions");
}

Task<Indexed<std::vector<Allocation>>> NomadClient::jobAllocations(std::string id, QueryOptions q) {
  auto r = co_await get("job/" + enc(id) + "/allocations", "", q);
  if (!r) co_return r.error();
  co_return indexed<std::vector<Allocation>>(*r, codec::decodeAllocStubs, "GET job allocations");
}

Task<Indexed<std::vector<Allocation>>> NomadClient::listAllocations(QueryOptions q) {
  auto r = co_await get("allocations", "", q);
  if (!r) co_return r.error();
  co_return indexed<std::vector<Allocation>>(*r, codec::decodeAllocStubs, "GET allocations");
}

Task<Indexed<Allocation>> NomadClient::readAllocation(std::string id, QueryOptions q) {
  auto r = co_await get("allocation/" + enc(id), "", q);
  if (!r) co_return r.error();
  co_return indexed<Allocation>(*r, codec::decodeAllocation, "GET allocation");
}

Task<Indexed<Variable>> NomadClient::readVariable(std::string path, QueryOptions q) {
  auto r = co_await get("var/" + http::percentEncode(path, true), "", q);
  if (!r) co_return r.error();
  co_return indexed<Variable>(*r, codec::decodeVariable, "GET var/" + path);
}

namespace {

/// 409 bodies carry the current variable as JSON (content type is not reliable).
Error variableConflict(std::string_view what, std::string_view body) {
  std::string msg = "nomad: " + std::string(what) + ": HTTP 409 conflict";
  if (auto v = codec::decodeVariable(body))
    msg += " (current ModifyIndex " + std::to_string(v->modifyIndex) + ")";
  else if (!body.empty())
    msg += ": " + std::string(body.substr(0, 512));
  return Error(errc::conflict, std::move(msg));
}

}  // namespace

Task<Variable> NomadClient::putVariable(std::string path, std::map<std::string, std::string> items,
                                        std::optional<std::uint64_t> cas) {
  auto req = makeRequest("PUT", "var/" + http::percentEncode(path, true),
                         cas ? "cas=" + std::to_string(*cas) : "",
                         codec::encodeVariable(path, options_.nomadNamespace, items));
  if (!req) co_return req.error();
  std::string what = "PUT var/" + path;
  auto r = co_await transport_->send(std::move(*req));
  if (!r) co_return Error(r.error().code, "nomad: " + what + ": " + r.error().message);
  if (r->status == 409) co_return variableConflict(what, r->body);
  if (r->status != 200) co_return codec::responseError(what, r->status, r->body);
  co_return withContext(codec::decodeVariable(r->body), what);
}

Task<void> NomadClient::deleteVariable(std::string path, std::optional<std::uint64_t> cas) {
  auto req = makeRequest("DELETE", "var/" + http::percentEncode(path, true),
                         cas ? "cas=" + std::to_string(*cas) : "", "");
  if (!req) co_return req.error();
  std::string what = "DELETE var/" + path;
  auto r = co_await transport_->send(std::move(*req));
  if (!r) co_return Error(r.error().code, "nomad: " + what + ": " + r.error().message);
  if (r->status == 409) co_return variableConflict(what, r->body);
  if (r->status != 200 && r->status != 204)
    co_return codec::responseError(what, r->status, r->body);
  co_return Result<void>();
}

Task<Variable> NomadClient::lockOp(std::string path, std::string op, std::string body) {
  auto req = makeRequest("PUT", "var/" + http::percentEncode(path, true), op, std::move(body));
  if (!req) co_return req.error();
  req->idempotent = false;
  std::string what = "PUT var/" + path + "?" + op;
  auto r = co_await transport_->send(std::move(*req));
  if (!r) co_return Error(r.error().code, "nomad: " + what + ": " + r.error().message);
  if (r->status == 409) {
    // Held by someone else (acquire), lost or expired (renew), not ours (release).
    std::string text = r->body.starts_with("{") ? "lock held by another holder" : r->body;
    co_return Error(errc::conflict, "nomad: " + what + ": HTTP 409: " + text);
  }
  if (r->status == 500 && (r->body.find("doesn't hold a lock") != std::string::npos ||
                           r->body.find("variable doesn't exist") != std::string::npos))
    co_return Error(errc::not_found, "nomad: " + what + ": HTTP 500: " + r->body);
  if (r->status != 200) co_return codec::responseError(what, r->status, r->body);
  co_return withContext(codec::decodeVariable(r->body), what);
}

Task<Variable> NomadClient::acquireLock(std::string path, Duration ttl, Duration lockDelay) {
  json::ObjectWriter w;
  if (!options_.nomadNamespace.empty()) w.str("Namespace", options_.nomadNamespace);
  w.str("Path", path)
      .begin("Lock")
      .str("TTL", ttl.toString())
      .str("LockDelay", lockDelay.toString())
      .end();
  co_return co_await lockOp(path, "lock-acquire", w.finish());
}

Task<Variable> NomadClient::renewLock(std::string path, std::string lockId) {
  json::ObjectWriter w;
  if (!options_.nomadNamespace.empty()) w.str("Namespace", options_.nomadNamespace);
  w.str("Path", path).begin("Lock").str("ID", lockId).end();
  co_return co_await lockOp(path, "lock-renew", w.finish());
}

Task<void> NomadClient::releaseLock(std::string path, std::string lockId) {
  json::ObjectWriter w;
  if (!options_.nomadNamespace.empty()) w.str("Namespace", options_.nomadNamespace);
  w.str("Path", path).begin("Lock").str("ID", lockId).end();
  auto r = co_await lockOp(path, "lock-release", w.finish());
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<AgentHealth> NomadClient::agentHealth() {
  auto req = makeRequest("GET", "agent/health", "", "");
  if (!req) co_return req.error();
  auto r = co_await transport_->send(std::move(*req));
  if (!r) co_return Error(r.error().code, "nomad: GET agent/health: " + r.error().message);
  co_return codec::decodeAgentHealth(r->status, r->body);
}

Task<std::string> NomadClient::leader() {
  auto req = makeRequest("GET", "status/leader", "", "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeLeader(r->body), "GET status/leader");
}

}  // namespace nc::nomad
