// config.yaml: the daemon's own settings, read into DaemonConfig with environment defaults.
#include <regex>

#include "config/daemon_config_internal.hpp"
#include "config/load.hpp"

namespace nc::config::detail {
namespace {

YamlNode sectionOrEmpty(MapReader& root, std::string_view key) {
  auto n = root.take(key);
  if (!n || n->IsNull()) return YamlNode::emptyMap();
  return *n;
}

bool positive(MapReader& r, std::string_view key, Duration& d, Duration min) {
  Duration v = d;
  if (!r.optDuration(key, v)) return false;
  if (v < min) {
    r.ctx().error(*r.take(key), r.field(key), "must be at least " + min.toString());
    return false;
  }
  d = v;
  return true;
}

void readVault(DocContext& ctx, const Environment& env, MapReader& root, VaultConfig& v) {
  MapReader r(ctx, sectionOrEmpty(root, "vault"), "vault");
  if (!r.valid()) return;
  PeerContext p{ctx, env, "VAULT_"};
  readAddress(p, r, v.address);
  if (!r.optString("namespace", v.vaultNamespace))
    if (auto ns = env.get("VAULT_NAMESPACE")) v.vaultNamespace = *ns;
  readTls(p, r, v.tls);
  positive(r, "request_timeout", v.requestTimeout, Duration::seconds(1));
  MapReader a(ctx, sectionOrEmpty(r, "auth"), r.field("auth"));
  if (a.valid()) {
    std::string method;
    if (a.optEnum("method", method, {"token", "approle"}))
      v.auth.method = method == "approle" ? VaultAuthMethod::approle : VaultAuthMethod::token;
    resolveToken(p, a, "token_credential", "token_file", "VAULT_TOKEN", v.auth.token);
    if (auto ar = a.take("approle")) {
      MapReader x(ctx, *ar, a.field("approle"));
      x.optString("mount", v.auth.appRoleMount);
      TokenConfig roleId, secretId;
      const Environment noEnvironment;  // role and secret IDs come from files only
      PeerContext none{ctx, noEnvironment, "VAULT_"};
      resolveToken(none, x, "role_id_credential", "role_id_file", "VAULT_ROLE_ID", roleId);
      resolveToken(none, x, "secret_id_credential", "secret_id_file", "VAULT_SECRET_ID", secretId);
      v.auth.roleIdFile = roleId.file;
      v.auth.secretIdFile = secretId.file;
      x.finish();
    }
    if (v.auth.method == VaultAuthMethod::approle &&
        (v.auth.roleIdFile.empty() || v.auth.secretIdFile.empty()))
      ctx.error(a.node(), a.field("approle"),
                "method approle needs role_id_file/role_id_credential and "
                "secret_id_file/secret_id_credential");
    a.finish();
  }
  r.finish();
}

void readNomad(DocContext& ctx, const Environment& env, MapReader& root, NomadConfig& n) {
  MapReader r(ctx, sectionOrEmpty(root, "nomad"), "nomad");
  if (!r.valid()) return;
  PeerContext p{ctx, env, "NOMAD_"};
  readAddress(p, r, n.address);
  if (!r.optString("namespace", n.nomadNamespace))
    if (auto ns = env.get("NOMAD_NAMESPACE")) n.nomadNamespace = *ns;
  if (!r.optString("region", n.region))
    if (auto rg = env.get("NOMAD_REGION")) n.region = *rg;
  readTls(p, r, n.tls);
  resolveToken(p, r, "token_credential", "token_file", "NOMAD_TOKEN", n.token);
  positive(r, "request_timeout", n.requestTimeout, Duration::seconds(1));
  r.finish();
}

void readReconcile(DocContext& ctx, MapReader& root, ReconcileConfig& c) {
  MapReader r(ctx, sectionOrEmpty(root, "reconcile"), "reconcile");
  if (!r.valid()) return;
  positive(r, "interval", c.interval, Duration::seconds(1));
  r.optDuration("jitter", c.jitter);
  std::optional<Mode> mode;
  if (readMode(r, mode)) c.mode = *mode;
  r.optDouble("max_writes_per_second", c.maxWritesPerSecond, 0.001, 1000);
  static const std::regex kVarPath("[a-zA-Z0-9_~/-]{1,128}");
  if (r.optString("ownership_variable", c.ownershipVariable) &&
      !std::regex_match(c.ownershipVariable, kVarPath))
    ctx.error(*r.take("ownership_variable"), r.field("ownership_variable"),
              "a Nomad variable path has 1-128 characters from a-z A-Z 0-9 - _ ~ /");
  if (auto le = r.take("leader_election")) {
    MapReader l(ctx, *le, r.field("leader_election"));
    l.optBool("enabled", c.leaderElection.enabled);
    if (l.optString("variable_path", c.leaderElection.variablePath) &&
        !std::regex_match(c.leaderElection.variablePath, kVarPath))
      ctx.error(*l.take("variable_path"), l.field("variable_path"),
                "a Nomad variable path has 1-128 characters from a-z A-Z 0-9 - _ ~ /");
    Duration ttl = c.leaderElection.ttl;
    if (l.optDuration("ttl", ttl)) {
      if (ttl < Duration::seconds(10) || ttl > Duration::seconds(24 * 3600))
        ctx.error(*l.take("ttl"), l.field("ttl"), "Nomad lock TTLs must be between 10s and 24h");
      else
        c.leaderElection.ttl = ttl;
    }
    l.finish();
  }
  r.finish();
}

void readCertificates(DocContext& ctx, MapReader& root, CertificatesConfig& c) {
  MapReader r(ctx, sectionOrEmpty(root, "certificates"), "certificates");
  if (!r.valid()) return;
  positive(r, "scan_interval", c.scanInterval, Duration::seconds(1));
  Duration recheck = c.scanInterval;
  if (r.optDuration("recheck_interval", recheck)) {
    if (recheck < c.scanInterval)
      ctx.error(*r.take("recheck_interval"), r.field("recheck_interval"),
                "must be at least scan_interval (" + c.scanInterval.toString() +
                    "): every scan already looks at each file");
    else
      c.recheckInterval = recheck;
  }
  std::int64_t conc = c.concurrency;
  if (r.optInt("concurrency", conc, 1, 256)) c.concurrency = static_cast<int>(conc);
  readThreshold(r, "warn_before", c.warnBefore);
  readThreshold(r, "critical_before", c.criticalBefore);
  r.optBool("read_secrets_with_exec", c.readSecretsWithExec);
  std::int64_t churn = c.churnThreshold;
  if (r.optInt("churn_threshold", churn, 0, 100000)) c.churnThreshold = static_cast<int>(churn);
  positive(r, "issuance_refresh", c.issuanceRefresh, Duration::seconds(1));
  r.finish();
}

void readAlerts(DocContext& ctx, const Environment& env, MapReader& root, AlertsConfig& c) {
  MapReader r(ctx, sectionOrEmpty(root, "alerts"), "alerts");
  if (!r.valid()) return;
  if (r.optString("spool_dir", c.spoolDir) && !c.spoolDir.empty())
    c.spoolDir = resolveRelative(ctx.source(), c.spoolDir).path.string();
  std::map<std::string, SourceRef> seen;
  forEachItem(r, "sinks", [&](const YamlNode& item, const std::string& path) {
    MapReader s(ctx, item, path);
    if (!s.valid()) return;
    SinkConfig sink;
    sink.where = ctx.at(item);
    std::string type;
    if (s.require("type") && s.optEnum("type", type, {"log", "alertmanager", "webhook"}))
      sink.type = type == "alertmanager" ? SinkType::alertmanager
                  : type == "webhook"    ? SinkType::webhook
                                         : SinkType::log;
    sink.name = type;
    s.optString("name", sink.name);
    if (!sink.name.empty())
      if (auto [it, fresh] = seen.emplace(sink.name, sink.where); !fresh)
        ctx.error(item, s.field("name"),
                  "duplicate sink name \"" + sink.name + "\" (first declared at " +
                      it->second.toString() + "); give each sink a name");
    const bool hasUrl = s.optString("url", sink.url);
    if (sink.type != SinkType::log && !type.empty()) {
      if (!hasUrl)
        ctx.error(item, s.field("url"), "missing required field for a " + type + " sink");
      else if (!sink.url.starts_with("http://") && !sink.url.starts_with("https://"))
        ctx.error(*s.take("url"), s.field("url"),
                  "expected an http:// or https:// URL, got \"" + sink.url + "\"");
    } else if (hasUrl) {
      ctx.error(*s.take("url"), s.field("url"), "a log sink takes no url");
    }
    const Environment noEnvironment;  // sinks take no environment defaults
    PeerContext p{ctx, noEnvironment, "NC_SINK_"};
    readTls(p, s, sink.tls);
    s.optStringMap("headers", sink.headers);
    positive(s, "timeout", sink.timeout, Duration::milliseconds(100));
    positive(s, "initial_backoff", sink.initialBackoff, Duration::milliseconds(10));
    positive(s, "max_backoff", sink.maxBackoff, Duration::milliseconds(10));
    if (sink.type != SinkType::webhook)
      for (const char* key : {"hmac_secret_credential", "hmac_secret_file"})
        if (auto node = s.take(key)) ctx.error(*node, s.field(key), "only webhook sinks sign");
    PeerContext secretCtx{ctx, env, ""};  // credential directory, no environment default
    resolveToken(secretCtx, s, "hmac_secret_credential", "hmac_secret_file", "", sink.hmacSecret);
    s.finish();
    c.sinks.push_back(std::move(sink));
  });
  r.finish();
}

void readHealth(DocContext& ctx, const Environment& env, MapReader& root, HealthConfig& h) {
  MapReader r(ctx, sectionOrEmpty(root, "health"), "health");
  if (!r.valid()) return;
  r.optBool("enabled", h.enabled);
  if (r.optString("listen", h.listen)) {
    static const std::regex kListen(R"(^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]+):(\d{1,5})$)");
    std::smatch m;
    if (!std::regex_match(h.listen, m, kListen) || std::stoi(m[2].str()) > 65535) {
      ctx.error(*r.take("listen"), r.field("listen"),
                "expected HOST:PORT (e.g. 127.0.0.1:9102), got \"" + h.listen + "\"");
    } else {
      h.host = m[1].str();
      if (h.host.front() == '[') h.host = h.host.substr(1, h.host.size() - 2);
      h.port = static_cast<std::uint16_t>(std::stoi(m[2].str()));
    }
  }
  PeerContext tokenCtx{ctx, env, ""};
  resolveToken(tokenCtx, r, "bearer_token_credential", "bearer_token_file",
               "NOMAD_CERTD_HEALTH_TOKEN", h.bearerToken);
  r.finish();
}

void readLog(DocContext& ctx, MapReader& root, LogConfig& l) {
  MapReader r(ctx, sectionOrEmpty(root, "log"), "log");
  if (!r.valid()) return;
  std::string format;
  if (r.optEnum("format", format, {"auto", "text", "json", "journal"}))
    l.format = *logging::parseFormat(format);
  std::string level;
  if (r.optEnum("level", level, {"trace", "debug", "info", "warn", "error", "critical", "off"}))
    l.level = level;
  r.finish();
}

}  // namespace

void loadDaemonConfigInto(const std::filesystem::path& path, const Environment& env,
                          DaemonConfig& out, Diagnostics& diags) {
  out.path = path;
  auto src = readSourceFile(path, path.string(), diags);
  if (!src || checkYamlTabs(*src, diags)) return;
  auto doc = parseYaml(*src, diags);
  if (!doc) return;
  DocContext ctx(*src, diags);
  MapReader root(ctx, doc->root(), "");
  if (!root.valid()) return;
  if (auto ds = root.take("desired_state")) {
    std::string ref;
    if (readString(ctx, *ds, "desired_state", ref) && !ref.empty()) {
      out.desiredStateName = ref;
      out.desiredStatePath = resolveRelative(*src, ref).path;
      out.desiredStateRef = ctx.at(*ds);
    }
  }
  readVault(ctx, env, root, out.vault);
  readNomad(ctx, env, root, out.nomad);
  readReconcile(ctx, root, out.reconcile);
  readCertificates(ctx, root, out.certificates);
  readAlerts(ctx, env, root, out.alerts);
  readHealth(ctx, env, root, out.health);
  readLog(ctx, root, out.log);
  root.finish();
}

}  // namespace nc::config::detail
