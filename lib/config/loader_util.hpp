// Internal to lib/config: helpers shared by the daemon-config and desired-state loaders.
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "config/desired_state.hpp"
#include "config/load.hpp"
#include "config/yaml_reader.hpp"

namespace nc::config::detail {

/// A file named inside another: its real path (relative to the naming file's folder) and the
/// name to show in messages (relative to the naming file's display name).
struct ResolvedFile {
  std::filesystem::path path;
  std::string display;
};
ResolvedFile resolveRelative(const SourceText& namingFile, const std::string& reference);

/// Reads an optional `mode` key (report | enforce).
bool readMode(MapReader& r, std::optional<Mode>& out);

/// Reads an optional threshold key ("33%" or a duration).
bool readThreshold(MapReader& r, std::string_view key, std::optional<ThresholdSpec>& out);

}  // namespace nc::config::detail

namespace nc::config::detail {

/// Reads a desired-state file shown as `display` (and, when `ref` is set, named by another
/// file at that place) into `out`, adding every finding to `diags`.
void loadDesiredStateInto(const std::filesystem::path& path, const std::string& display,
                          const std::optional<FileReference>& ref, DesiredState& out,
                          Diagnostics& diags, const LoadOptions& options = {});

/// Calls fn(item, itemPath) for each entry of the optional list under `key`.
template <class Fn>
void forEachItem(MapReader& r, std::string_view key, Fn fn) {
  auto node = r.take(key);
  if (!node || node->IsNull()) return;
  if (!node->IsSequence()) {
    r.ctx().error(*node, r.field(key), "expected a list, got " + describeNode(*node));
    return;
  }
  for (std::size_t i = 0; i < node->size(); ++i) {
    if (!r.ctx().spend((*node)[i], 1)) return;
    fn((*node)[i], indexPath(r.field(key), i));
  }
}

}  // namespace nc::config::detail

namespace nc::config {
class Environment;
struct DaemonConfig;
}  // namespace nc::config

namespace nc::config::detail {
/// Reads a daemon config file into `out`, adding every finding to `diags`.
void loadDaemonConfigInto(const std::filesystem::path& path, const Environment& env,
                          DaemonConfig& out, Diagnostics& diags);
}  // namespace nc::config::detail
