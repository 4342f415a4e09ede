// The sys/ backend: health, seal-status, mounts, auth methods, ACL policies (new and legacy).
#include <algorithm>
#include <charconv>

#include "common/admin_api.hpp"
#include "common/json_util.hpp"
#include "vault/core.hpp"
#include "vault/sys_mounts.hpp"

namespace nc::vault_sim {
namespace {

class SystemBackend final : public Backend {
 public:
  explicit SystemBackend(Core& core) : core_(core) {}

  bool needsSudo(const std::string& path) const override {
    return path.rfind("auth/", 0) == 0 && path != "auth/";
  }
  std::optional<bool> exists(const std::string& path) override {
    for (const char* prefix : {"policies/acl/", "policy/"})
      if (path.rfind(prefix, 0) == 0)
        return core_.policyText(toLower(path.substr(std::string(prefix).size()))) != nullptr;
    return std::nullopt;
  }

  Reply handle(Request& rq) override {
    const std::string& p = rq.path;
    if (p == "health") return health(rq);
    if (p == "seal-status") return sealStatus();
    if (p == "leader") return leader();
    if (p == "init" && rq.op == "read") {
      rapidjson::Document d(rapidjson::kObjectType);
      d.AddMember("initialized", true, d.GetAllocator());
      return Reply::rawResponse(sim::jsonResponse(200, d));
    }
    if (p == "mounts" || p == "mounts/")
      return rq.op == "read" ? listMounts(core_, false) : unsupported();
    if (p == "auth" || p == "auth/")
      return rq.op == "read" ? listMounts(core_, true) : unsupported();
    if (p.rfind("mounts/auth/", 0) == 0 && p.size() > 5 && p.substr(p.size() - 5) == "/tune")
      return tuneMount(core_, rq, "auth/" + p.substr(12, p.size() - 12 - 5) + "/");
    if (p.rfind("mounts/", 0) == 0) return mountOp(core_, rq, p.substr(7), false);
    if (p.rfind("auth/", 0) == 0) return mountOp(core_, rq, p.substr(5), true);
    if (p == "policies/acl/" || p == "policies/acl") {
      if (rq.op != "list") return unsupported();
      auto names = core_.policyNames();
      names.push_back("root");
      return Reply::list(names);
    }
    if (p.rfind("policies/acl/", 0) == 0) return policyOp(rq, toLower(p.substr(13)), false);
    if (p == "policy" || p == "policy/") {
      if (rq.op != "read" && rq.op != "list") return unsupported();
      auto names = core_.policyNames();
      names.push_back("root");
      Reply r = Reply::list(names);
      r.d().AddMember("policies", sim::stringArray(names, r.alloc()), r.alloc());
      return r;
    }
    if (p.rfind("policy/", 0) == 0) return policyOp(rq, toLower(p.substr(7)), true);
    if (p == "capabilities-self" || p == "capabilities") return capabilities(rq);
    return Reply::fail(404, "unsupported path");
  }

 private:
  static Reply unsupported() { return Reply::fail(405, "unsupported operation"); }

  Reply health(Request& rq) {
    auto q = [&](const char* k) { return sim::queryValue(*rq.http, k); };
    auto boolParam = [&](const char* k, bool& out) {
      auto v = q(k);
      if (!v) return true;
      if (v->empty()) {
        out = false;
        return true;
      }
      auto b = parseGoBool(*v);
      if (!b) return false;
      out = *b;
      return true;
    };
    auto codeParam = [&](const char* k, int& out) {
      auto v = q(k);
      if (!v) return true;
      int n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || ptr != v->data() + v->size()) return false;
      out = n;
      return true;
    };
    bool standbyOk = false, perfStandbyOk = false;
    int active = 200, standby = 429, dr = 472, perf = 473, sealed = 503, uninit = 501,
        haUnhealthy = 474, removed = 530;
    if (!boolParam("standbyok", standbyOk) || !boolParam("perfstandbyok", perfStandbyOk) ||
        !codeParam("activecode", active) || !codeParam("standbycode", standby) ||
        !codeParam("drsecondarycode", dr) || !codeParam("performancestandbycode", perf) ||
        !codeParam("sealedcode", sealed) || !codeParam("uninitcode", uninit) ||
        !codeParam("haunhealthycode", haUnhealthy) || !codeParam("removedcode", removed))
      return Reply::failEmpty(400);
    int status = active;
    if (core_.sealed)
      status = sealed;
    else if (core_.standby && !standbyOk)
      status = standby;
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("initialized", true, a);
    d.AddMember("sealed", core_.sealed, a);
    d.AddMember("standby", core_.standby, a);
    d.AddMember("performance_standby", false, a);
    sim::addString(d, "replication_performance_mode", "disabled", a);
    sim::addString(d, "replication_dr_mode", "disabled", a);
    d.AddMember("server_time_utc", unixSeconds(core_.now()), a);
    sim::addString(d, "version", core_.version, a);
    d.AddMember("enterprise", false, a);
    if (!core_.sealed) {
      sim::addString(d, "cluster_name", core_.clusterName, a);
      sim::addString(d, "cluster_id", core_.clusterId, a);
    }
    d.AddMember("echo_duration_ms", 0, a);
    d.AddMember("clock_skew_ms", 0, a);
    d.AddMember("replication_primary_canary_age_ms", 0, a);
    auto resp = sim::jsonResponse(status, d);
    return Reply::rawResponse(std::move(resp));
  }

  Reply sealStatus() {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    sim::addString(d, "type", "shamir", a);
    d.AddMember("initialized", true, a);
    d.AddMember("sealed", core_.sealed, a);
    d.AddMember("t", 1, a);
    d.AddMember("n", 1, a);
    d.AddMember("progress", 0, a);
    sim::addString(d, "nonce", "", a);
    sim::addString(d, "version", core_.version, a);
    sim::addString(d, "build_date", "2025-04-29T10:33:44Z", a);
    d.AddMember("migration", false, a);
    if (!core_.sealed) {
      sim::addString(d, "cluster_name", core_.clusterName, a);
      sim::addString(d, "cluster_id", core_.clusterId, a);
    }
    d.AddMember("recovery_seal", false, a);
    sim::addString(d, "storage_type", "inmem", a);
    return Reply::rawResponse(sim::jsonResponse(200, d));
  }

  Reply leader() {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("ha_enabled", core_.standby || !core_.activeAddress.empty(), a);
    d.AddMember("is_self", !core_.standby, a);
    d.AddMember("active_time", rapidjson::StringRef("0001-01-01T00:00:00Z"), a);
    sim::addString(d, "leader_address", core_.standby ? core_.activeAddress : "", a);
    sim::addString(d, "leader_cluster_address", "", a);
    d.AddMember("performance_standby", false, a);
    d.AddMember("performance_standby_last_remote_wal", 0, a);
    return Reply::rawResponse(sim::jsonResponse(200, d));
  }

  Reply policyOp(Request& rq, const std::string& name, bool legacy) {
    if (rq.op == "read") {
      if (name == "root") {
        Reply r;
        sim::addString(r.d(), "name", "root", r.alloc());
        sim::addString(r.d(), legacy ? "rules" : "policy", "", r.alloc());
        return r;
      }
      const auto* text = core_.policyText(name);
      if (!text) return Reply::failEmpty(404);
      Reply r;
      sim::addString(r.d(), "name", name, r.alloc());
      sim::addString(r.d(), legacy ? "rules" : "policy", *text, r.alloc());
      return r;
    }
    if (rq.op == "delete") {
      if (name == "root") return Reply::fail(400, "cannot delete \"root\" policy");
      if (name == "default") return Reply::fail(400, "cannot delete \"default\" policy");
      core_.deletePolicy(name);
      return Reply::noContent();
    }
    if (rq.op == "update" || rq.op == "create") {
      std::vector<std::string> warnings;
      auto text = rq.fields.str("policy");
      if (!text) return Reply::fail(400, text.error().message);
      if (legacy && text->empty() && rq.fields.has("rules")) {
        text = rq.fields.str("rules");
        warnings.push_back("'rules' is deprecated, please use 'policy' instead");
      }
      if (text->empty()) return Reply::fail(400, "'policy' parameter not supplied or empty");
      if (name == "root") return Reply::fail(400, "cannot update \"root\" policy");
      if (name == "response-wrapping")
        return Reply::fail(400, "cannot update \"response-wrapping\" policy");
      std::string policy = *text;
      if (auto decoded = decodeBase64(policy)) policy = *decoded;
      if (auto r = core_.setPolicy(name, policy); !r) return Reply::fail(400, r.error().message);
      Reply out;
      out.warnings = warnings;
      return out;
    }
    return unsupported();
  }

  Reply capabilities(Request& rq) {
    auto paths = rq.fields.list("paths");
    if (!paths) return Reply::fail(400, paths.error().message);
    if (auto one = rq.fields.str("path"); one && !one->empty()) paths->push_back(*one);
    Token* t = rq.token;
    if (rq.path == "capabilities") {
      auto id = rq.fields.str("token");
      t = id ? core_.tokens().lookup(*id, core_.now()) : nullptr;
      if (!t) return Reply::fail(400, "invalid token");
    }
    bool isRoot = std::find(t->policies.begin(), t->policies.end(), "root") != t->policies.end();
    Acl acl = core_.aclFor(*t);
    Reply r;
    std::vector<std::string> all;
    for (const auto& path : *paths) {
      auto caps =
          isRoot ? std::vector<std::string>{"root"} : capabilityNames(acl.capabilities(path));
      if (caps.empty()) caps = {"deny"};
      r.d().AddMember(sim::stringValue(path, r.alloc()), sim::stringArray(caps, r.alloc()),
                      r.alloc());
      all = caps;
    }
    if (paths->size() == 1)
      r.d().AddMember("capabilities", sim::stringArray(all, r.alloc()), r.alloc());
    return r;
  }

  Core& core_;
};

}  // namespace

std::unique_ptr<Backend> makeSystemBackend(Core& core) {
  return std::make_unique<SystemBackend>(core);
}

}  // namespace nc::vault_sim
