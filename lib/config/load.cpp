// Public loading entry points: daemon config, desired state, or both together.
#include "config/load.hpp"

#include "config/loader_util.hpp"

namespace nc::config {

const char* toString(VaultAuthMethod m) {
  return m == VaultAuthMethod::approle ? "approle" : "token";
}

const char* toString(SinkType t) {
  switch (t) {
    case SinkType::alertmanager:
      return "alertmanager";
    case SinkType::webhook:
      return "webhook";
    case SinkType::log:
      break;
  }
  return "log";
}

Loaded<DaemonConfig> loadDaemonConfig(const std::filesystem::path& path, const Environment& env) {
  Loaded<DaemonConfig> result;
  detail::loadDaemonConfigInto(path, env, result.value, result.diagnostics);
  return result;
}

LoadedConfiguration loadConfiguration(const std::filesystem::path& configPath,
                                      const std::optional<std::filesystem::path>& desiredOverride,
                                      const Environment& env, const LoadOptions& options) {
  LoadedConfiguration out;
  detail::loadDaemonConfigInto(configPath, env, out.config, out.diagnostics);
  if (desiredOverride) {
    out.config.desiredStatePath = *desiredOverride;
    detail::loadDesiredStateInto(*desiredOverride, desiredOverride->string(), std::nullopt,
                                 out.desired, out.diagnostics, options);
  } else if (!out.config.desiredStateName.empty()) {
    const auto shown = (configPath.parent_path() / out.config.desiredStateName).lexically_normal();
    const std::string display = std::filesystem::path(out.config.desiredStateName).is_absolute()
                                    ? out.config.desiredStateName
                                    : shown.string();
    detail::loadDesiredStateInto(out.config.desiredStatePath, display,
                                 FileReference{out.config.desiredStateRef, "desired_state"},
                                 out.desired, out.diagnostics, options);
  } else if (!out.diagnostics.hasErrors()) {
    out.diagnostics.error({configPath.string(), 1, 1}, "desired_state",
                          "missing required field (or pass --desired-state FILE)");
  }
  return out;
}

Result<LoadedConfiguration> loadConfigurationOrError(
    const std::filesystem::path& configPath,
    const std::optional<std::filesystem::path>& desiredOverride, const Environment& env) {
  auto loaded = loadConfiguration(configPath, desiredOverride, env);
  if (loaded.ok()) return loaded;
  std::string message;
  for (const auto& d : loaded.diagnostics.items())
    if (d.severity == Severity::error) message += (message.empty() ? "" : "\n") + d.toString();
  return makeError(errc::invalid_argument, message);
}

}  // namespace nc::config
