// Internal to lib/config: reads and checks a Vault field map (PKI role, JWT config/role, mount).
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "config/vault_fields.hpp"
#include "config/yaml_reader.hpp"

namespace nc::config::detail {

/// Reads `node` (a mapping of Vault field names) into `out`: unknown fields (with a suggestion),
/// read-only fields, wrong JSON types, bad durations and values outside a field's allowed set are
/// errors. Then runs the cross-field rules Vault applies on write for that object.
/// Returns false when anything was reported as an error.
bool readVaultFields(DocContext& c, const YamlNode& node, const std::string& path,
                     FieldSchema schema, FieldMap& out);

}  // namespace nc::config::detail
