// sys/mounts and sys/auth handlers.
#include "vault/sys_mounts.hpp"

#include "common/json_util.hpp"

namespace nc::vault_sim {
namespace {

rapidjson::Value mountJson(const Mount& m, bool auth, const std::string& version,
                           rapidjson::Document::AllocatorType& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  sim::addString(o, "accessor", m.accessor, a);
  rapidjson::Value cfg(rapidjson::kObjectType);
  cfg.AddMember("default_lease_ttl", m.defaultLeaseTtl, a);
  cfg.AddMember("force_no_cache", false, a);
  cfg.AddMember("max_lease_ttl", m.maxLeaseTtl, a);
  if (auth) sim::addString(cfg, "token_type", m.tokenType, a);
  o.AddMember("config", cfg, a);
  sim::addString(o, "description", m.description, a);
  o.AddMember("external_entropy_access", false, a);
  o.AddMember("local", m.local, a);
  if (m.options.empty()) {
    o.AddMember("options", rapidjson::Value(), a);
  } else {
    rapidjson::Value opts(rapidjson::kObjectType);
    for (const auto& [k, v] : m.options) sim::addString(opts, k, v, a);
    o.AddMember("options", opts, a);
  }
  sim::addString(o, "plugin_version", "", a);
  sim::addString(o, "running_plugin_version", "v" + version + "+builtin.vault", a);
  sim::addString(o, "running_sha256", "", a);
  o.AddMember("seal_wrap", m.sealWrap, a);
  sim::addString(o, "type", m.type, a);
  sim::addString(o, "uuid", m.uuid, a);
  return o;
}

// Parses "system"/"" as 0, else a duration.
Result<std::int64_t> ttlValue(const rapidjson::Value& v, const char* what) {
  if (v.IsString() && (std::string_view(v.GetString()) == "system" || v.GetStringLength() == 0))
    return std::int64_t{0};
  auto r = parseDurationSeconds(v);
  if (!r)
    return makeError(errc::invalid_argument, std::string("unable to parse ") + what + " of " +
                                                 (v.IsString() ? v.GetString() : sim::toJson(v)) +
                                                 ": " + r.error().message);
  return r;
}

Result<void> applyTtls(Mount& m, const rapidjson::Value& cfg) {
  std::int64_t def = m.defaultLeaseTtl, max = m.maxLeaseTtl;
  if (auto it = cfg.FindMember("default_lease_ttl"); it != cfg.MemberEnd()) {
    auto v = ttlValue(it->value, "default TTL");
    if (!v) return v.error();
    def = *v;
  }
  if (auto it = cfg.FindMember("max_lease_ttl"); it != cfg.MemberEnd()) {
    auto v = ttlValue(it->value, "max TTL");
    if (!v) return v.error();
    max = *v;
  }
  if (max > 0 && def > max)
    return makeError(errc::invalid_argument,
                     "backend max lease TTL of " + std::to_string(max) +
                         " would be less than backend default lease TTL of " + std::to_string(def));
  m.defaultLeaseTtl = def;
  m.maxLeaseTtl = max;
  return {};
}

}  // namespace

Reply listMounts(Core& core, bool auth) {
  Reply r;
  for (const auto& [key, m] : core.mounts()) {
    bool isAuth = key.rfind("auth/", 0) == 0;
    if (isAuth != auth) continue;
    std::string name = auth ? key.substr(5) : key;
    r.d().AddMember(sim::stringValue(name, r.alloc()), mountJson(*m, auth, core.version, r.alloc()),
                    r.alloc());
  }
  return r;
}

Reply tuneMount(Core& core, Request& rq, const std::string& key) {
  Mount* m = core.mountAt(key);
  if (!m) return Reply::fail(400, "cannot fetch mount configuration for path \"" + key + "\"");
  if (rq.op == "read") {
    Reply r;
    auto& a = r.alloc();
    sim::addString(r.d(), "description", m->description, a);
    r.d().AddMember("default_lease_ttl", core.defaultTtl(m), a);
    r.d().AddMember("max_lease_ttl", core.maxTtl(m), a);
    r.d().AddMember("force_no_cache", false, a);
    if (key.rfind("auth/", 0) == 0) sim::addString(r.d(), "token_type", m->tokenType, a);
    return r;
  }
  if (rq.op != "update" && rq.op != "create") return Reply::fail(405, "unsupported operation");
  if (auto res = applyTtls(*m, rq.fields.doc()); !res) return Reply::fail(400, res.error().message);
  if (rq.fields.has("description")) m->description = rq.fields.strOr("description", "");
  if (rq.fields.has("token_type")) m->tokenType = rq.fields.strOr("token_type", "default-service");
  return Reply::noContent();
}

Reply mountOp(Core& core, Request& rq, const std::string& rest, bool auth) {
  std::string path = rest;
  if (path.size() > 5 && path.substr(path.size() - 5) == "/tune") {
    path = path.substr(0, path.size() - 5);
    return tuneMount(core, rq, (auth ? "auth/" : "") + path + "/");
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string key = (auth ? "auth/" : "") + path + "/";
  if (rq.op == "read") {
    Mount* m = core.mountAt(key);
    if (!m)
      return Reply::fail(
          400, "No " + std::string(auth ? "auth" : "secret engine") + " mount at " + path + "/");
    Reply r;
    auto obj = mountJson(*m, auth, core.version, r.alloc());
    r.data.CopyFrom(obj, r.alloc());
    return r;
  }
  if (rq.op == "delete") {
    if (key == "sys/" || key == "auth/token/")
      return Reply::fail(400, "cannot unmount \"" + path + "/\"");
    core.disableMount(key);
    return Reply::noContent();
  }
  if (rq.op != "update" && rq.op != "create") return Reply::fail(405, "unsupported operation");
  auto type = rq.fields.str("type");
  if (!type || type->empty())
    return Reply::fail(400,
                       auth ? "backend type must be specified" : "backend type must be specified");
  auto m = core.enableMount(path, *type, auth);
  if (!m) return Reply::fail(400, m.error().message);
  (*m)->description = rq.fields.strOr("description", "");
  (*m)->local = rq.fields.booleanOr("local", false);
  (*m)->sealWrap = rq.fields.booleanOr("seal_wrap", false);
  if (auto opts = rq.fields.stringMap("options"); opts) (*m)->options = *opts;
  if (const auto* cfg = rq.fields.raw("config"); cfg && cfg->IsObject()) {
    if (auto res = applyTtls(**m, *cfg); !res) {
      core.disableMount((*m)->path);
      return Reply::fail(400, res.error().message);
    }
    if (auto tt = cfg->FindMember("token_type"); tt != cfg->MemberEnd() && tt->value.IsString())
      (*m)->tokenType = tt->value.GetString();
  }
  return Reply::noContent();
}

}  // namespace nc::vault_sim
