// The desired state (desired-state.yaml) as plain typed structs: Vault mounts, PKI roles,
// policies, auth methods, and Nomad jobs with the certificates their allocations must hold.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/vault_fields.hpp"
#include "core/duration.hpp"

namespace nc::config {

/// report: only log and count drift. enforce: also fix it.
enum class Mode { report, enforce };
const char* toString(Mode m);

/// A certificate threshold: a duration before NotAfter ("72h") or a share of the certificate's
/// lifetime ("33%"). `text` is what the user wrote (certs::Threshold::parse accepts it).
struct ThresholdSpec {
  std::string text;
  std::optional<Duration> duration;
  std::optional<double> fraction;  ///< 0 < fraction < 1 ("33%" -> 0.33)
};

/// vault.mounts[]: a secrets engine (POST sys/mounts/:path).
struct VaultMountSpec {
  std::string path;  ///< without leading or trailing slash, e.g. "pki-int"
  std::string type;  ///< "pki", "kv", ...
  std::string description;
  bool local = false;
  bool sealWrap = false;
  std::map<std::string, std::string> options;
  FieldMap config;  ///< FieldSchema::mountConfig (default_lease_ttl, max_lease_ttl, ...)
  std::optional<Mode> mode;
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences: field paths owned elsewhere
  SourceRef where;
};

/// vault.pki_roles[]: POST <mount>/roles/<name>. Unique by (mount, name).
struct PkiRoleSpec {
  std::string mount;
  std::string name;
  FieldMap config;  ///< FieldSchema::pkiRole; only these fields are compared
  std::optional<Mode> mode;
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences: field paths owned elsewhere
  SourceRef where;
};

/// vault.policies[]: an ACL policy; the text comes from `file` (or inline `policy`).
struct PolicySpec {
  std::string name;                    ///< lower case (Vault lower-cases names)
  std::string text;                    ///< policy text exactly as in the file
  std::string file;                    ///< as written ("" when inline)
  std::filesystem::path resolvedPath;  ///< file resolved from the desired-state folder
  bool exactText = false;  ///< exact_text: compare byte for byte (else whitespace/comments ignored)
  std::optional<Mode> mode;
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences: field paths owned elsewhere
  SourceRef where;
};

/// vault.auth[].roles[]: POST auth/<path>/role/<name>.
struct AuthRoleSpec {
  std::string name;
  FieldMap config;                             ///< FieldSchema::jwtRole
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences
  SourceRef where;
};

/// vault.auth[]: an auth method (POST sys/auth/:path) with its config and roles.
struct AuthMethodSpec {
  std::string path;  ///< e.g. "jwt-nomad"
  std::string type;  ///< "jwt" or "oidc" (config and roles are checked for those)
  std::string description;
  bool local = false;
  FieldMap config;  ///< FieldSchema::jwtAuthConfig (auth/<path>/config)
  std::vector<AuthRoleSpec> roles;
  std::optional<Mode> mode;
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences: field paths owned elsewhere
  SourceRef where;
};

struct VaultState {
  std::vector<VaultMountSpec> mounts;
  std::vector<PkiRoleSpec> pkiRoles;
  std::vector<PolicySpec> policies;
  std::vector<AuthMethodSpec> auth;
};

/// nomad.jobs[].certificates[]: a certificate every running allocation must hold.
struct CertificateSpec {
  std::string task;
  /// Relative to the task directory ("secrets/cert.pem", "local/tls/cert.pem"), or, when it
  /// starts with "alloc/", to the allocation's shared directory ("alloc/data/tls/cert.pem").
  std::string path;
  std::string commonName;                                   ///< expected CN; "" = not checked
  std::optional<ThresholdSpec> warnBefore, criticalBefore;  ///< else the daemon defaults
  SourceRef where;
  /// Path for Nomad's fs API (relative to the allocation dir): "alloc/..." or "<task>/<path>".
  std::string allocPath() const;
  /// True when the file lives in the task's secrets/ (or private/) dir: fs cat refuses it.
  bool isSecretPath() const;
};

enum class JobFormat { hcl, json };

/// nomad.jobs[]: a job file nomad-certd keeps registered. Unique by (namespace, id).
struct JobSpec {
  std::string file;  ///< as written
  /// Resolved from the desired-state folder. Text rather than a filesystem::path, which also
  /// keeps each of its components (~250 B a job for the daemon's life).
  std::string resolvedPath;
  JobFormat format = JobFormat::hcl;
  /// The file's text (HCL for /v1/jobs/parse, or the JSON). The daemon loads without it
  /// (LoadOptions::keepJobTexts) and reads the file again when it needs it (job_source.hpp).
  std::string source;
  bool sourceReleased = false;
  std::uint64_t sourceDigest = 0;  ///< of `source` as loaded; set when it is released
  std::string id;                  ///< `id:` if given, else the job block label / Job.ID
  std::string jobNamespace;        ///< "" = the daemon's nomad.namespace
  std::optional<Mode> mode;
  std::optional<bool> prune;
  std::vector<std::string> ignoreDifferences;  ///< ignore_differences: plan diff paths
  std::vector<CertificateSpec> certificates;
  SourceRef where;
};

struct NomadState {
  std::vector<JobSpec> jobs;
};

struct Defaults {
  Mode mode = Mode::report;
  bool prune = false;
};

struct DesiredState {
  std::filesystem::path path;
  int version = 1;
  Defaults defaults;
  VaultState vault;
  NomadState nomad;

  Mode modeOf(const std::optional<Mode>& m) const { return m.value_or(defaults.mode); }
};

/// Parses "33%" or a duration ("72h", "90m"); errors name the input.
Result<ThresholdSpec> parseThreshold(std::string_view text);

}  // namespace nc::config
