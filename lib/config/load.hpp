// Loading and validating the daemon config and the desired state, with every finding reported.
#pragma once

#include <filesystem>
#include <optional>

#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "config/diagnostics.hpp"
#include "config/environment.hpp"
#include "core/error.hpp"

namespace nc::config {

/// Default location of the daemon config.
inline constexpr const char* kDefaultConfigPath = "/etc/nomad-certd/config.yaml";

/// A loaded value plus everything found while loading it. When diagnostics has errors the
/// value is partially filled and must not be used to act on anything.
template <class T>
struct Loaded {
  T value;
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.hasErrors(); }
};

/// Reads and validates the daemon config. Unset keys take the environment defaults
/// (VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, ..., NOMAD_ADDR, NOMAD_TOKEN, ...); token
/// credentials are resolved under $CREDENTIALS_DIRECTORY. Does not read the desired state.
Loaded<DaemonConfig> loadDaemonConfig(const std::filesystem::path& path, const Environment& env);

/// Reads and validates a desired-state file and every file it names (policies, jobs).
Loaded<DesiredState> loadDesiredState(const std::filesystem::path& path);

/// Both files, as `run` and `check-config` need them. The desired state comes from
/// `desiredStateOverride` (--desired-state) when given, else from the config's desired_state.
struct LoadedConfiguration {
  DaemonConfig config;
  DesiredState desired;
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.hasErrors(); }
};
/// How much of what is read the caller keeps.
struct LoadOptions {
  /// false: each job file's text is released as soon as it is read (job_source.hpp), so that
  /// 10k jobs' texts are never held next to the YAML tree; the daemon reads them again.
  bool keepJobTexts = true;
};
LoadedConfiguration loadConfiguration(const std::filesystem::path& configPath,
                                      const std::optional<std::filesystem::path>& desiredOverride,
                                      const Environment& env, const LoadOptions& options = {});

/// For callers that only need success or one error: every finding joined, one per line.
Result<LoadedConfiguration> loadConfigurationOrError(
    const std::filesystem::path& configPath,
    const std::optional<std::filesystem::path>& desiredOverride, const Environment& env);

}  // namespace nc::config
