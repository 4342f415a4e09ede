// Pure diff and normalisation of declared objects against live ones, one function per kind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/desired_state.hpp"
#include "config/vault_fields.hpp"
#include "core/error.hpp"
#include "nomad/types.hpp"
#include "reconcile/resource.hpp"
#include "vault/types.hpp"

namespace nc::reconcile {

/// True when `path` is covered by an ignore_differences entry: the entry equals the path or
/// a prefix of it ending at a '.' or '[' boundary ("Meta" covers "Meta[owner]"); `*` in an
/// entry matches any run of characters within one segment ("TaskGroups[*].Count").
bool isIgnored(std::string_view path, const std::vector<std::string>& ignore);

/// Declared Vault fields against the live object's `data` (JSON object text). Normalises:
/// durations are seconds on both sides; lists are sets (order and duplicates ignored; null = []);
/// maps null = {}; strings of case-insensitive fields compared ignoring case; a field absent on
/// read takes Vault's default (vault-api.md §3.2, §5.3), and PKI key_bits/signature_bits 0 mean
/// the key type's default. Fields whose name contains "secret" show as "(redacted)".
/// Errors: protocol_error when the live text is not a JSON object.
Result<std::vector<FieldDelta>> diffVaultFields(config::FieldSchema schema,
                                                const config::FieldMap& desired,
                                                std::string_view liveDataJson,
                                                const std::vector<std::string>& ignore);

/// The live object with every declared field overlaid (JSON object text): the full role to
/// POST so that Vault's replace semantics keep the fields the desired state leaves out.
Result<std::string> mergeVaultFields(std::string_view liveDataJson,
                                     const config::FieldMap& desired);

/// Policy text without comments (#, //, /* */ outside strings) and with whitespace runs
/// outside strings collapsed; blank lines and trailing spaces vanish.
std::string canonicalPolicy(std::string_view text);

/// One "policy" delta when the texts differ (canonically, or byte for byte when `exact`).
/// The delta shows the first differing canonical line of each side.
std::vector<FieldDelta> diffPolicy(std::string_view desired, std::string_view live, bool exact,
                                   const std::vector<std::string>& ignore);

/// Mount type, description (when declared) and the TTLs of `config` against the effective
/// tune values; force_no_cache against the mount's config.
std::vector<FieldDelta> diffMount(const config::VaultMountSpec& spec, const vault::Mount& live,
                                  const vault::MountTune& tune);

/// Auth method type and description against the sys/auth entry.
std::vector<FieldDelta> diffAuthMount(const config::AuthMethodSpec& spec, const vault::Mount& live);

/// Every changed leaf of a Nomad plan diff (Type != "None"), as paths like
/// "TaskGroups[web].Tasks[app].Env[PORT]" with desired = New and live = Old. An added or
/// deleted object without field entries yields one delta for the object itself.
std::vector<FieldDelta> diffJob(const nomad::JobDiff& diff, const std::vector<std::string>& ignore);

/// Renders a declared value as display text ("24h" durations show as seconds: "86400").
std::string displayValue(const config::FieldValue& v);

}  // namespace nc::reconcile
