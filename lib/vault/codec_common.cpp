// Vault codec: error bodies, envelope, health/seal status, mounts, keys, policies, tokens.
#include <algorithm>

#include "vault/codec.hpp"
#include "vault/codec_detail.hpp"

namespace nc::vault::codec {
namespace detail {

Result<Envelope> envelope(std::string_view body, std::string_view what, bool topLevelFallback) {
  auto doc = json::parse(body, what);
  if (!doc) return doc.error();
  Envelope env;
  env.doc = std::move(*doc);
  json::DecodeState st;
  auto root = json::rootObject(env.doc, std::string(what), st);
  if (st.error) return *st.error;
  env.warnings = root.strings("warnings");
  if (root.has("data")) {
    root.object("data", json::Need::required);  // records a type error
    if (st.error) return *st.error;
    env.dataMember = root.value("data");
  } else if (topLevelFallback) {
    env.dataAtRoot = true;
  } else {
    return Error(errc::protocol_error, std::string(what) + ": field 'data' is " +
                                           (root.value("data") ? "null" : "missing"));
  }
  if (st.error) return *st.error;
  return env;
}

}  // namespace detail

errc errcForStatus(int status) {
  switch (status) {
    case 400:
      return errc::invalid_argument;
    case 401:
    case 403:
      return errc::permission_denied;
    case 404:
      return errc::not_found;
    case 409:
    case 412:
      return errc::conflict;
    case 413:
      return errc::too_large;
    case 429:
    case 503:
      return errc::unavailable;
    default:
      break;
  }
  if (status >= 500) return errc::server_error;
  return errc::protocol_error;
}

std::optional<std::vector<std::string>> errorTexts(std::string_view body) {
  if (json::nestingDeeperThan(body)) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const rapidjson::Value& root = doc;  // const iterators on both sides: no C++20 ambiguity
  auto it = root.FindMember("errors");
  if (it == root.MemberEnd() || !it->value.IsArray()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : it->value.GetArray())
    out.push_back(e.IsString() ? std::string(e.GetString(), e.GetStringLength())
                               : json::toString(e));
  return out;
}

Error responseError(std::string_view what, int status, std::string_view body) {
  std::string msg = "vault: " + std::string(what) + ": HTTP " + std::to_string(status);
  // Outside sys/health (where it means standby) Vault answers 429 when a rate-limit quota
  // is exceeded.
  if (status == 429) msg += " Too Many Requests (rate limited)";
  if (auto texts = errorTexts(body)) {
    if (texts->empty()) {
      msg += " (no error text)";
    } else {
      // A server (or proxy) sending megabytes of error texts must not flood the log.
      constexpr std::size_t kMaxTexts = 1024;
      std::string joined;
      for (std::size_t i = 0; i < texts->size() && joined.size() <= kMaxTexts; ++i)
        joined += (i ? "; " : "") + (*texts)[i];
      msg += ": " + joined.substr(0, kMaxTexts) + (joined.size() > kMaxTexts ? "…" : "");
    }
  } else if (!body.empty()) {
    constexpr std::size_t kMax = 512;  // a proxy's HTML page must not flood the log
    msg += ": " + std::string(body.substr(0, kMax)) + (body.size() > kMax ? "…" : "");
  }
  return Error(errcForStatus(status), std::move(msg));
}

const char* toString(HealthState s) {
  switch (s) {
    case HealthState::active:
      return "active";
    case HealthState::standby:
      return "standby";
    case HealthState::drSecondary:
      return "dr-secondary";
    case HealthState::performanceStandby:
      return "performance-standby";
    case HealthState::sealed:
      return "sealed";
    case HealthState::uninitialized:
      return "uninitialized";
    case HealthState::haUnhealthy:
      return "ha-unhealthy";
    case HealthState::removed:
      return "removed";
    case HealthState::unknown:
      break;
  }
  return "unknown";
}

std::string healthQueryString(const HealthQuery& q) {
  std::string s = std::string("standbyok=") + (q.standbyOk ? "true" : "false");
  if (q.perfStandbyOk) s += "&perfstandbyok=true";
  auto add = [&s](const char* name, const std::optional<int>& code) {
    if (code) s += std::string("&") + name + "=" + std::to_string(*code);
  };
  add("activecode", q.activeCode);
  add("standbycode", q.standbyCode);
  add("drsecondarycode", q.drSecondaryCode);
  add("performancestandbycode", q.performanceStandbyCode);
  add("sealedcode", q.sealedCode);
  add("uninitcode", q.uninitCode);
  add("haunhealthycode", q.haUnhealthyCode);
  add("removedcode", q.removedCode);
  return s;
}

Result<HealthStatus> decodeHealth(int status, std::string_view body, const HealthQuery& q) {
  const int active = q.activeCode.value_or(200);
  // A code the caller mapped explicitly is interpreted first; the body then confirms it.
  struct Code {
    int code;
    HealthState state;
  };
  const Code codes[] = {
      {q.uninitCode.value_or(501), HealthState::uninitialized},
      {q.removedCode.value_or(530), HealthState::removed},
      {q.sealedCode.value_or(503), HealthState::sealed},
      {q.haUnhealthyCode.value_or(474), HealthState::haUnhealthy},
      {q.drSecondaryCode.value_or(472), HealthState::drSecondary},
      {q.performanceStandbyCode.value_or(473), HealthState::performanceStandby},
      {q.standbyCode.value_or(429), HealthState::standby},
  };
  HealthStatus h;
  h.httpStatus = status;
  bool known = status == active;
  for (const auto& c : codes)
    if (c.code == status) known = true;
  if (!known) return responseError("GET sys/health", status, body);

  auto doc = json::parse(body, "vault sys/health");
  if (!doc) return doc.error();
  // A rate-limit quota (or a proxy) answers with Vault's error body instead of the health
  // object, often on a code that also means a health state (429 = standby): an error, not a
  // health body with missing fields.
  if (doc->IsObject() && !doc->HasMember("initialized") && doc->HasMember("errors"))
    return responseError("GET sys/health", status, body);
  json::DecodeState st;
  auto f = json::rootObject(*doc, "sys/health", st);
  h.initialized = f.boolean("initialized", json::Need::required);
  h.sealed = f.boolean("sealed", json::Need::required);
  h.standby = f.boolean("standby", json::Need::required);
  h.performanceStandby = f.boolean("performance_standby");
  h.version = f.str("version");
  h.clusterName = f.str("cluster_name");
  h.clusterId = f.str("cluster_id");
  h.replicationPerformanceMode = f.str("replication_performance_mode");
  h.replicationDrMode = f.str("replication_dr_mode");
  h.serverTimeUtc = f.i64("server_time_utc");
  h.enterprise = f.boolean("enterprise");
  if (st.error) return *st.error;
  // The body is the truth (several states may share one configured code, e.g. standbyok).
  if (!h.initialized)
    h.state = HealthState::uninitialized;
  else if (h.sealed)
    h.state = HealthState::sealed;
  else if (h.performanceStandby)
    h.state = HealthState::performanceStandby;
  else if (h.standby)
    h.state = HealthState::standby;
  else {
    h.state = HealthState::active;
    for (const auto& c : codes)
      if (c.code == status && status != active) h.state = c.state;  // e.g. DR secondary, removed
  }
  return h;
}

Result<SealStatus> decodeSealStatus(std::string_view body) {
  auto doc = json::parse(body, "vault sys/seal-status");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "sys/seal-status", st);
  SealStatus s;
  s.type = f.str("type");
  s.initialized = f.boolean("initialized", json::Need::required);
  s.sealed = f.boolean("sealed", json::Need::required);
  s.threshold = f.i64("t");
  s.shares = f.i64("n");
  s.progress = f.i64("progress");
  s.version = f.str("version");
  s.clusterName = f.str("cluster_name");
  s.clusterId = f.str("cluster_id");
  s.storageType = f.str("storage_type");
  s.buildDate = f.str("build_date");
  return json::finish(st, std::move(s));
}

namespace {

Mount decodeMount(json::Fields& f, std::string path) {
  Mount m;
  m.path = std::move(path);
  m.type = f.str("type", json::Need::required);
  m.description = f.str("description");
  m.accessor = f.str("accessor");
  m.uuid = f.str("uuid");
  m.pluginVersion = f.str("plugin_version");
  m.runningPluginVersion = f.str("running_plugin_version");
  m.local = f.boolean("local");
  m.sealWrap = f.boolean("seal_wrap");
  m.externalEntropyAccess = f.boolean("external_entropy_access");
  m.options = f.stringMap("options");
  auto c = f.object("config");
  m.config.defaultLeaseTtl = c.i64("default_lease_ttl");
  m.config.maxLeaseTtl = c.i64("max_lease_ttl");
  m.config.forceNoCache = c.boolean("force_no_cache");
  m.config.tokenType = c.str("token_type");
  return m;
}

}  // namespace

Result<std::vector<Mount>> decodeMounts(std::string_view body) {
  auto env = detail::envelope(body, "vault mounts", true);
  if (!env) return env.error();
  json::DecodeState st;
  std::vector<Mount> out;
  for (const auto& m : env->data()->GetObject()) {
    std::string path(m.name.GetString(), m.name.GetStringLength());
    // With the top-level fallback, envelope keys sit next to the mounts: skip non-mounts.
    if (!m.value.IsObject() || path.empty() || path.back() != '/') continue;
    json::Fields f(&m.value, "data." + path, st);
    out.push_back(decodeMount(f, path));
  }
  std::sort(out.begin(), out.end(), [](const Mount& a, const Mount& b) { return a.path < b.path; });
  return json::finish(st, std::move(out));
}

Result<MountTune> decodeMountTune(std::string_view body) {
  auto env = detail::envelope(body, "vault mount tune", true);
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  MountTune t;
  t.defaultLeaseTtl = f.i64("default_lease_ttl", json::Need::required);
  t.maxLeaseTtl = f.i64("max_lease_ttl", json::Need::required);
  t.forceNoCache = f.boolean("force_no_cache");
  t.description = f.str("description");
  return json::finish(st, std::move(t));
}

std::string encodeMountSpec(const MountSpec& spec) {
  json::ObjectWriter w;
  w.str("type", spec.type).str("description", spec.description);
  w.begin("config");
  if (spec.defaultLeaseTtl) w.str("default_lease_ttl", std::to_string(*spec.defaultLeaseTtl) + "s");
  if (spec.maxLeaseTtl) w.str("max_lease_ttl", std::to_string(*spec.maxLeaseTtl) + "s");
  w.end();
  w.stringMap("options", spec.options)
      .boolean("local", spec.local)
      .boolean("seal_wrap", spec.sealWrap);
  return w.finish();
}

std::string encodeTuneUpdate(const MountTuneUpdate& u) {
  json::ObjectWriter w;
  if (u.defaultLeaseTtl) w.str("default_lease_ttl", std::to_string(*u.defaultLeaseTtl) + "s");
  if (u.maxLeaseTtl) w.str("max_lease_ttl", std::to_string(*u.maxLeaseTtl) + "s");
  if (u.description) w.str("description", *u.description);
  return w.finish();
}

Result<std::vector<std::string>> decodeKeys(std::string_view body) {
  auto env = detail::envelope(body, "vault list", true);
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  auto keys = f.strings("keys", json::Need::required);
  return json::finish(st, std::move(keys));
}

Result<AclPolicy> decodePolicy(std::string_view body) {
  auto env = detail::envelope(body, "vault policy", true);
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  AclPolicy p;
  p.name = f.str("name", json::Need::required);
  // sys/policies/acl uses "policy"; the legacy sys/policy uses "rules".
  p.policy = f.has("policy") ? f.str("policy") : f.str("rules", json::Need::required);
  return json::finish(st, std::move(p));
}

std::string encodePolicy(std::string_view text) {
  return json::ObjectWriter().str("policy", text).finish();
}

Result<TokenInfo> decodeTokenInfo(std::string_view body) {
  auto env = detail::envelope(body, "vault token lookup");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  TokenInfo t;
  t.accessor = f.str("accessor");
  t.displayName = f.str("display_name");
  t.path = f.str("path");
  t.type = f.str("type");
  t.entityId = f.str("entity_id");
  t.expireTime = f.str("expire_time");  // null for non-expiring tokens
  t.policies = f.strings("policies");
  t.ttl = f.i64("ttl", json::Need::required);
  t.creationTtl = f.i64("creation_ttl");
  t.period = f.i64("period");
  t.explicitMaxTtl = f.i64("explicit_max_ttl");
  t.numUses = f.i64("num_uses");
  t.renewable = f.boolean("renewable");
  t.orphan = f.boolean("orphan");
  return json::finish(st, std::move(t));
}

Result<AuthInfo> decodeAuth(std::string_view body) {
  auto doc = json::parse(body, "vault auth response");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto root = json::rootObject(*doc, "response", st);
  AuthInfo a;
  a.warnings = root.strings("warnings");
  auto f = root.object("auth", json::Need::required);
  a.clientToken = f.str("client_token", json::Need::required);
  a.accessor = f.str("accessor");
  a.tokenType = f.str("token_type");
  a.entityId = f.str("entity_id");
  a.policies = f.strings("policies");
  a.tokenPolicies = f.strings("token_policies");
  a.metadata = f.stringMap("metadata");
  a.leaseDuration = f.i64("lease_duration", json::Need::required);
  a.renewable = f.boolean("renewable");
  a.orphan = f.boolean("orphan");
  return json::finish(st, std::move(a));
}

}  // namespace nc::vault::codec
