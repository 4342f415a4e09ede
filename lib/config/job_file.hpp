// Internal to lib/config: reading a Nomad job file (HCL kept as text, or JSON checked).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/desired_state.hpp"
#include "config/diagnostics.hpp"
#include "config/source_text.hpp"

namespace nc::config::detail {

struct JobFileInfo {
  JobFormat format = JobFormat::hcl;
  std::string source;
  std::string id;                      ///< job block label / Job.ID; "" when not found
  std::vector<std::string> taskNames;  ///< task labels / TaskGroups[].Tasks[].Name
};

/// Reads `path` (.hcl, .nomad.hcl, .nomad or .json). HCL is kept as text for Nomad's parse API;
/// only its job and task labels are picked out. JSON must be a job object, either wrapped as
/// {"Job": {...}} or bare {"ID": ...}. Findings go to `diags`, placed at the reference (a
/// missing file) or in the job file itself (bad JSON, with its line and column).
std::optional<JobFileInfo> readJobFile(const std::filesystem::path& path,
                                       const std::string& displayName, const FileReference& ref,
                                       Diagnostics& diags);

/// "service-template" for `job "service-template" {`; "" when there is no job block.
std::vector<std::string> hclBlockLabels(std::string_view text, std::string_view blockType);

}  // namespace nc::config::detail
