// Variable endpoints: /v1/vars list and /v1/var/:path read, write (cas, lock ops) and delete.
#include "api_impl.hpp"

namespace nc::nomadsim {

namespace {
ServerResponse fromVarReply(const VarReply& r) {
  ServerResponse out;
  out.status = r.status;
  if (r.status == 204) return out;
  // 409 bodies are JSON, but Nomad sets the header after WriteHeader: sniffed as text/plain.
  bool jsonType = r.json && r.status != 409;
  out.headers.push_back(
      {"Content-Type", jsonType ? "application/json" : "text/plain; charset=utf-8"});
  if (r.index != 0 && r.status == 200)
    out.headers.push_back({"X-Nomad-Index", std::to_string(r.index)});
  out.body = r.body;
  return out;
}
}  // namespace

Awaitable<ServerResponse> ApiImpl::varsRoute(ServerRequest req) {
  auto parsed = parseQuery(req);
  if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
  QueryOptions q = std::get<QueryOptions>(parsed);
  if (req.path == "/v1/vars") {
    if (req.method != "GET") co_return text(405, "Invalid method");
    std::function<std::uint64_t()> current = [this] { return state_.tableIndex("variables"); };
    co_await blockUntil(q.index, q.wait, &current);
    VarReply r = vars_.list(q.nameSpace, q.prefix);
    co_return json(200, r.body, r.index, &q);
  }
  std::string path = req.path.substr(std::string("/v1/var/").size());
  if (path.empty()) co_return text(400, "Missing variable path");
  if (req.method == "GET") {
    std::string ns = q.nameSpace;
    std::function<std::uint64_t()> current = [this, ns, path] { return vars_.varIndex(ns, path); };
    co_await blockUntil(q.index, q.wait, &current);
    VarReply r = vars_.read(ns, path, true);
    if (r.status != 200) co_return text(r.status, r.body);
    co_return json(200, r.body, r.index, &q);
  }
  std::optional<std::uint64_t> cas;
  if (auto c = param(req, "cas"); c && !c->empty()) {
    try {
      cas = std::stoull(*c);
    } catch (...) {
      co_return text(400, "failed to parse cas value");
    }
  }
  if (req.method == "DELETE") {
    co_return fromVarReply(vars_.remove(q.nameSpace, path, cas));
  }
  if (req.method != "PUT" && req.method != "POST") co_return text(400, "Invalid method");
  LockOp op = LockOp::none;
  int ops = 0;
  if (param(req, "lock-acquire")) op = LockOp::acquire, ++ops;
  if (param(req, "lock-renew")) op = LockOp::renew, ++ops;
  if (param(req, "lock-release")) op = LockOp::release, ++ops;
  if (ops > 1) co_return text(400, "multiple lock operations");
  std::string queryNs = param(req, "namespace").value_or("");
  co_return fromVarReply(vars_.write(queryNs, path, req.body.empty() ? "{}" : req.body, cas, op));
}

}  // namespace nc::nomadsim
