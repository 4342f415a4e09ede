// The daemon configuration (/etc/nomad-certd/config.yaml) as plain typed structs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/desired_state.hpp"
#include "config/diagnostics.hpp"
#include "config/secret.hpp"
#include "core/duration.hpp"
#include "core/logging.hpp"

namespace nc::config {

/// TLS settings of one HTTP peer (Vault, Nomad, an alert sink). Empty strings are unset.
struct TlsConfig {
  std::string caCert, caPath, clientCert, clientKey, serverName;
  bool insecureSkipVerify = false;
};

/// Where a token comes from, in order of precedence: a systemd credential
/// ($CREDENTIALS_DIRECTORY/<name>), a file, the environment (VAULT_TOKEN / NOMAD_TOKEN).
struct TokenConfig {
  std::string credential;  ///< credential name as configured ("" = none)
  std::string file;        ///< the file to read (and re-read on change); "" = none
  Secret value;            ///< from the environment, used when `file` is empty
  std::string origin;      ///< for logs: "credential vault-token", "file /x", "VAULT_TOKEN", "none"
};

enum class VaultAuthMethod { token, approle };
const char* toString(VaultAuthMethod m);

struct VaultAuthConfig {
  VaultAuthMethod method = VaultAuthMethod::token;
  TokenConfig token;  ///< method token
  /// method approle: POST auth/<appRoleMount>/login with the role and secret IDs read from
  /// these files (credentials resolved like tokens).
  std::string appRoleMount = "approle";
  std::string roleIdFile, secretIdFile;
};

struct VaultConfig {
  std::string address = "https://127.0.0.1:8200";  ///< VAULT_ADDR
  std::string vaultNamespace;                      ///< VAULT_NAMESPACE (Enterprise)
  TlsConfig tls;  ///< VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, ...
  VaultAuthConfig auth;
  Duration requestTimeout = Duration::seconds(30);
};

struct NomadConfig {
  std::string address = "http://127.0.0.1:4646";  ///< NOMAD_ADDR
  std::string nomadNamespace = "default";         ///< NOMAD_NAMESPACE
  std::string region;                             ///< NOMAD_REGION ("" = the agent's)
  TlsConfig tls;  ///< NOMAD_CACERT, NOMAD_CAPATH, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY, ...
  TokenConfig token;
  Duration requestTimeout = Duration::seconds(30);
};

struct LeaderElectionConfig {
  bool enabled = true;
  std::string variablePath = "nomad-certd/leader";  ///< Nomad variable used as the lock
  Duration ttl = Duration::seconds(15);             ///< lock TTL (Nomad: 10s..24h)
};

struct ReconcileConfig {
  Duration interval = Duration::seconds(300);  ///< full resync (Vault has no watch)
  Duration jitter = Duration::seconds(30);     ///< random extra delay per resync
  Mode mode = Mode::report;  ///< upper bound: report here makes every resource report-only
  double maxWritesPerSecond = 1.0;
  LeaderElectionConfig leaderElection;
  /// Nomad variable listing the Vault objects nomad-certd wrote (what prune may delete).
  std::string ownershipVariable = "nomad-certd/ownership";
};

struct CertificatesConfig {
  Duration scanInterval = Duration::seconds(60);
  /// Longest span between two stats of a settled certificate's file; zero: every scan.
  Duration recheckInterval = Duration::seconds(0);
  int concurrency = 4;                                      ///< allocations inspected in parallel
  std::optional<ThresholdSpec> warnBefore, criticalBefore;  ///< defaults for every certificate
  bool readSecretsWithExec = true;  ///< secrets/ paths are read with alloc exec (`cat`)
  int churnThreshold = 10;          ///< issuances per name and hour beyond renewals; 0 = no check
  /// Longest span between LISTs of `<mount>/certs` (earlier when a scan sees a new serial or a
  /// certificate newly past its renewal).
  Duration issuanceRefresh = Duration::seconds(300);
};

enum class SinkType { log, alertmanager, webhook };
const char* toString(SinkType t);

struct SinkConfig {
  std::string name;  ///< unique; defaults to the type
  SinkType type = SinkType::log;
  std::string url;  ///< alertmanager: base URL (…/api/v2/alerts is appended); webhook: full URL
  TlsConfig tls;
  std::map<std::string, std::string> headers;
  Duration timeout = Duration::seconds(10);
  Duration initialBackoff = Duration::seconds(1);
  Duration maxBackoff = Duration::seconds(300);
  TokenConfig hmacSecret;  ///< webhook: signs bodies (hmac_secret_credential / hmac_secret_file)
  SourceRef where;
};

struct AlertsConfig {
  std::string spoolDir = "/var/lib/nomad-certd/spool";
  std::vector<SinkConfig> sinks;  ///< empty = a single log sink
};

struct HealthConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9102";
  std::string host = "127.0.0.1";  ///< parsed from listen
  std::uint16_t port = 9102;       ///< parsed from listen (0 = any free port)
  /// Bearer token for /metrics and /status (bearer_token_credential / bearer_token_file /
  /// NOMAD_CERTD_HEALTH_TOKEN); origin "none" = open.
  TokenConfig bearerToken;
};

struct LogConfig {
  logging::Format format = logging::Format::automatic;
  std::string level = "info";
};

struct DaemonConfig {
  std::filesystem::path path;              ///< the config file
  std::string desiredStateName;            ///< desired_state as written
  std::filesystem::path desiredStatePath;  ///< resolved from the config file's folder
  SourceRef desiredStateRef;               ///< where desired_state was written
  VaultConfig vault;
  NomadConfig nomad;
  ReconcileConfig reconcile;
  CertificatesConfig certificates;
  AlertsConfig alerts;
  HealthConfig health;
  LogConfig log;
};

}  // namespace nc::config
