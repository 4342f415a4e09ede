// Daemon config vault{} and nomad{}: addresses, TLS, tokens, with environment defaults.
#include <filesystem>

#include "config/daemon_config_internal.hpp"

namespace nc::config::detail {
namespace {

bool isUrl(const std::string& s) {
  for (std::string_view scheme : {"http://", "https://"})
    if (s.starts_with(scheme) && s.size() > scheme.size() && s[scheme.size()] != '/') return true;
  return false;
}

void checkFile(PeerContext& p, const YamlNode* node, const std::string& field, std::string& value,
               const char* envName, bool directory) {
  if (value.empty()) return;
  std::string shown = value;
  if (node) {
    auto resolved = resolveRelative(p.ctx.source(), value);
    value = resolved.path.string();
    shown = resolved.display;
  }
  std::error_code ec;
  const bool ok = directory ? std::filesystem::is_directory(value, ec)
                            : std::filesystem::is_regular_file(value, ec);
  if (ok) return;
  const std::string what = directory ? "directory" : "file";
  if (node)
    p.ctx.error(*node, field, "no such " + what + " \"" + shown + "\" (resolved to " + value + ")");
  else
    p.ctx.diags().error({std::string("$") + envName, 0, 0}, field,
                        envName + std::string(" names a missing ") + what + " \"" + value + "\"");
}

}  // namespace

void readTls(PeerContext& p, MapReader& parent, TlsConfig& tls) {
  std::optional<YamlNode> caCert, caPath, cert, key;
  if (auto node = parent.take("tls")) {
    MapReader r(p.ctx, *node, parent.field("tls"));
    if (r.valid()) {
      if (r.optString("ca_cert", tls.caCert)) caCert = r.take("ca_cert");
      if (r.optString("ca_path", tls.caPath)) caPath = r.take("ca_path");
      if (r.optString("client_cert", tls.clientCert)) cert = r.take("client_cert");
      if (r.optString("client_key", tls.clientKey)) key = r.take("client_key");
      r.optString("server_name", tls.serverName);
      if (r.optBool("insecure_skip_verify", tls.insecureSkipVerify) && tls.insecureSkipVerify)
        p.ctx.warning(*r.take("insecure_skip_verify"), r.field("insecure_skip_verify"),
                      "server certificates are not verified; use only for testing");
      r.finish();
    }
  }
  const std::string prefix = p.envPrefix;  // "VAULT_" or "NOMAD_"
  const std::string base = parent.field("tls");
  auto envDefault = [&](std::string& value, const char* suffix) {
    if (value.empty())
      if (auto v = p.env.get(prefix + suffix)) value = *v;
  };
  envDefault(tls.caCert, "CACERT");
  envDefault(tls.caPath, "CAPATH");
  envDefault(tls.clientCert, "CLIENT_CERT");
  envDefault(tls.clientKey, "CLIENT_KEY");
  envDefault(tls.serverName, "TLS_SERVER_NAME");
  if (!tls.insecureSkipVerify)
    if (auto v = p.env.get(prefix + "SKIP_VERIFY"); v && (*v == "1" || *v == "true"))
      tls.insecureSkipVerify = true;
  checkFile(p, caCert ? &*caCert : nullptr, base + ".ca_cert", tls.caCert,
            (prefix + "CACERT").c_str(), false);
  checkFile(p, caPath ? &*caPath : nullptr, base + ".ca_path", tls.caPath,
            (prefix + "CAPATH").c_str(), true);
  checkFile(p, cert ? &*cert : nullptr, base + ".client_cert", tls.clientCert,
            (prefix + "CLIENT_CERT").c_str(), false);
  checkFile(p, key ? &*key : nullptr, base + ".client_key", tls.clientKey,
            (prefix + "CLIENT_KEY").c_str(), false);
  if (tls.clientCert.empty() != tls.clientKey.empty())
    p.ctx.error(parent.node(), base + (tls.clientCert.empty() ? ".client_cert" : ".client_key"),
                "client_cert and client_key must be set together");
}

void resolveToken(PeerContext& p, MapReader& r, const std::string& credKey,
                  const std::string& fileKey, const char* envName, TokenConfig& token) {
  const auto credNode = r.take(credKey);
  const auto fileNode = r.take(fileKey);
  if (credNode && readString(p.ctx, *credNode, r.field(credKey), token.credential)) {
    if (token.credential.empty() || token.credential.find('/') != std::string::npos) {
      p.ctx.error(*credNode, r.field(credKey),
                  "invalid credential name \"" + token.credential + "\"");
    } else if (auto dir = p.env.get("CREDENTIALS_DIRECTORY")) {
      const auto path = std::filesystem::path(*dir) / token.credential;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec))
        p.ctx.error(*credNode, r.field(credKey),
                    "credential \"" + token.credential +
                        "\" not found in $CREDENTIALS_DIRECTORY (" + path.string() +
                        "); check LoadCredential= in the unit");
      token.file = path.string();
      token.origin = "credential " + token.credential;
      return;
    }
  }
  std::string file;
  if (fileNode && readString(p.ctx, *fileNode, r.field(fileKey), file) && !file.empty()) {
    auto resolved = resolveRelative(p.ctx.source(), file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(resolved.path, ec))
      p.ctx.error(
          *fileNode, r.field(fileKey),
          "no such file \"" + resolved.display + "\" (resolved to " + resolved.path.string() + ")");
    token.file = resolved.path.string();
    token.origin = "file " + token.file;
    return;
  }
  if (auto v = p.env.get(envName)) {
    token.value = Secret(*v);
    token.origin = envName;
    return;
  }
  token.origin = "none";
}

void readAddress(PeerContext& p, MapReader& r, std::string& address) {
  if (r.optString("address", address)) {
    if (!isUrl(address))
      p.ctx.error(*r.take("address"), r.field("address"),
                  "expected an http:// or https:// URL, got \"" + address + "\"");
    return;
  }
  if (auto v = p.env.get(p.envPrefix + "ADDR")) {
    address = *v;
    if (!isUrl(address))
      p.ctx.diags().error({"$" + p.envPrefix + "ADDR", 0, 0}, r.field("address"),
                          "expected an http:// or https:// URL, got \"" + address + "\"");
  }
}

}  // namespace nc::config::detail
