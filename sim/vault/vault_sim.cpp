// Request routing, authentication and ACL enforcement of vault-sim.
#include "vault/vault_sim.hpp"

#include <algorithm>

#include "common/admin_api.hpp"
#include "common/json_util.hpp"
#include "vault/state_file.hpp"

namespace nc::vault_sim {
namespace {

const char* const kAclDenied = "1 error occurred:\n\t* permission denied\n\n";

bool unauthenticatedSys(const std::string& path) {
  return path == "sys/health" || path == "sys/seal-status" || path == "sys/leader" ||
         path == "sys/init";
}

}  // namespace

VaultSim::VaultSim(SimOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemClock::shared();
  core_ = std::make_unique<Core>(options_.clock, options_.rootToken, options_.fetcher);
  if (!options_.stateFile.empty()) loadState(*core_, options_.stateFile);
}

VaultSim::~VaultSim() = default;

http::ServerResponse VaultSim::handle(const http::ServerRequest& req) {
  try {
    if (req.path.rfind("/_sim/", 0) == 0) return handleAdmin(req);
    auto resp = handleVault(req);
    if (!options_.stateFile.empty() && req.method != "GET" && req.method != "HEAD" &&
        req.method != "LIST")
      saveState(*core_, options_.stateFile);
    return resp;
  } catch (const std::exception& e) {
    return sim::errorsResponse(500, {std::string("internal error: ") + e.what()});
  }
}

http::ServerResponse VaultSim::handleVault(const http::ServerRequest& req) {
  auto fail = [](int status, std::vector<std::string> errors) {
    auto r = sim::errorsResponse(status, errors);
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  };
  if (req.path.rfind("/v1/", 0) != 0) return fail(404, {});
  std::string path = req.path.substr(4);

  std::string op;
  bool list = false;
  if (req.method == "GET" || req.method == "HEAD") {
    op = "read";
    if (auto l = sim::queryValue(req, "list")) {
      auto b = l->empty() ? std::optional<bool>(false) : parseGoBool(*l);
      if (!b) return fail(400, {});
      list = *b;
    }
  } else if (req.method == "LIST") {
    list = true;
  } else if (req.method == "POST" || req.method == "PUT") {
    op = "update";
  } else if (req.method == "PATCH") {
    op = "patch";
  } else if (req.method == "DELETE") {
    op = "delete";
  } else {
    return fail(405, {"unsupported operation"});
  }
  if (list) {
    op = "list";
    if (path.empty() || path.back() != '/') path += '/';
  }
  if (req.body.size() > options_.maxRequestSize)
    return fail(413, {"failed to parse JSON input: http: request body too large"});

  Core& core = *core_;
  if (core.sealed && !unauthenticatedSys(path)) return fail(503, {"Vault is sealed"});
  if (core.standby && !unauthenticatedSys(path) &&
      sim::headerValue(req, "X-Vault-No-Request-Forwarding")) {
    if (core.activeAddress.empty()) return fail(503, {"no active Vault instance found"});
    http::ServerResponse r;
    r.status = 307;
    r.headers.push_back({"Location", core.activeAddress + req.target});
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  }

  Mount* mount = core.findMount(path);
  std::string rel;
  if (mount) rel = path.size() >= mount->path.size() ? path.substr(mount->path.size()) : "";

  Token* token = nullptr;
  bool unauth = unauthenticatedSys(path) || (mount && mount->backend->unauthenticated(rel));
  if (!unauth) {
    std::string id;
    if (const auto* h = sim::headerValue(req, "X-Vault-Token"))
      id = *h;
    else if (const auto* a = sim::headerValue(req, "Authorization");
             a && a->rfind("Bearer ", 0) == 0)
      id = a->substr(7);
    token = id.empty() ? nullptr : core.tokens().lookup(id, core.now());
    if (!token) return fail(403, {"permission denied"});
    bool isRoot =
        std::find(token->policies.begin(), token->policies.end(), "root") != token->policies.end();
    if (!isRoot) {
      Capability cap = kRead;
      if (op == "list")
        cap = kList;
      else if (op == "delete")
        cap = kDelete;
      else if (op == "patch")
        cap = kPatch;
      else if (op == "update" && mount) {
        auto exists = mount->backend->exists(rel);
        if (exists && !*exists) op = "create";
        cap = op == "create" ? kCreate : kUpdate;
      } else if (op == "update") {
        cap = kUpdate;
      }
      Acl acl = core.aclFor(*token);
      if (!acl.allows(path, cap, op == "list")) return fail(403, {kAclDenied});
      if (mount && mount->backend->needsSudo(rel) && !acl.allows(path, kSudo, op == "list"))
        return fail(403, {kAclDenied});
    } else if (op == "update" && mount) {
      auto exists = mount->backend->exists(rel);
      if (exists && !*exists) op = "create";
    }
  }
  if (!mount) return fail(404, {"no handler for route \"" + path + "\". route entry not found."});

  Request rq;
  rq.op = op;
  rq.path = rel;
  rq.token = token;
  rq.http = &req;
  rq.mount = mount;
  if (op == "update" || op == "create" || op == "patch") {
    auto f = Fields::fromBody(req.body);
    if (!f) return fail(400, {f.error().message});
    rq.fields = std::move(*f);
  } else {
    rq.fields = Fields::fromQuery(req.query);
  }
  Reply reply = mount->backend->handle(rq);
  RenderContext ctx;
  ctx.sysPath = path.rfind("sys/", 0) == 0;
  ctx.listOp = op == "list";
  ctx.mountType = mount->type == "system" ? "system" : mount->type;
  auto out = render(reply, ctx);
  if (req.method == "HEAD") out.body.clear();
  return out;
}

http::ServerResponse VaultSim::handleAdmin(const http::ServerRequest& req) {
  if (auto r = sim::handleCommonAdmin(req, faults_, counters_)) return std::move(*r);
  Core& core = *core_;
  const std::string& p = req.path;
  bool write = req.method == "POST" || req.method == "PUT";
  if (p == "/_sim/seal" && write) {
    core.sealed = true;
    return sim::emptyResponse(204);
  }
  if (p == "/_sim/unseal" && write) {
    core.sealed = false;
    return sim::emptyResponse(204);
  }
  if (p == "/_sim/standby" && write) {
    auto f = Fields::fromBody(req.body);
    if (!f) return sim::errorsResponse(400, {f.error().message});
    core.standby = true;
    core.activeAddress = f->strOr("active_address", "");
    return sim::emptyResponse(204);
  }
  if (p == "/_sim/active" && write) {
    core.standby = false;
    return sim::emptyResponse(204);
  }
  if (p == "/_sim/reset" && write) {
    core.reset();
    faults_.clear();
    counters_.reset();
    return sim::emptyResponse(204);
  }
  if (p == "/_sim/state" && req.method == "GET") {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("sealed", core.sealed, a);
    d.AddMember("standby", core.standby, a);
    sim::addString(d, "active_address", core.activeAddress, a);
    d.AddMember("tokens", static_cast<std::uint64_t>(core.tokens().size()), a);
    rapidjson::Value mounts(rapidjson::kArrayType);
    for (const auto& [k, m] : core.mounts()) mounts.PushBack(sim::stringValue(k, a), a);
    d.AddMember("mounts", mounts, a);
    return sim::jsonResponse(200, d);
  }
  return sim::errorsResponse(404, {"unknown admin endpoint " + p});
}

}  // namespace nc::vault_sim
