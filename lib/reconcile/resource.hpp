// Reconcile vocabulary: resource kinds and keys, field-level differences, per-resource status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/desired_state.hpp"

namespace nc::reconcile {

// job stays last: StatusTable sizes its counts by it.
enum class Kind { mount, pkiRole, policy, authMethod, authRole, job };
/// Metric/JSON label: vault_mount, vault_pki_role, vault_policy, vault_auth, vault_auth_role,
/// nomad_job.
const char* toString(Kind k);
std::optional<Kind> kindFromString(std::string_view s);

/// A work item: the kind plus the object's name ("pki-int", "pki-int/nomad-job",
/// "jwt-nomad/nomad-workloads", "default/web" for jobs: namespace/id).
struct ResourceKey {
  Kind kind = Kind::policy;
  std::string name;
  std::string toString() const;  ///< "vault_pki_role:pki-int/nomad-job"
  static std::optional<ResourceKey> parse(std::string_view text);
  friend auto operator<=>(const ResourceKey&, const ResourceKey&) = default;
};

/// One field that differs. Values are display text (JSON-ish); never secret values.
struct FieldDelta {
  std::string path;     ///< "ttl", "allowed_domains", "policy", "TaskGroups[web].Tasks[app].Env[X]"
  std::string desired;  ///< "" with `absentDesired` when the field is not in the desired object
  std::string live;     ///< "<absent>" when the live object lacks it
  friend bool operator==(const FieldDelta&, const FieldDelta&) = default;
};

enum class State {
  inSync,   ///< live equals desired on every declared field
  drifted,  ///< differs (or missing, see `missing`)
  error,    ///< could not observe or apply (last: StatusTable sizes its counts by it)
};
const char* toString(State s);  ///< in_sync | drifted | error

/// What one reconcile pass found and did for one resource.
struct ResourceStatus {
  ResourceKey key;
  State state = State::inSync;
  bool missing = false;  ///< the live object does not exist (drift: create)
  bool prune = false;    ///< live, owned and no longer declared (drift: delete)
  config::Mode mode = config::Mode::report;
  std::vector<FieldDelta> deltas;
  std::string message;     ///< error text, or a note ("created", "updated", "deleted")
  bool changed = false;    ///< this pass wrote to the backend
  bool confirmed = false;  ///< after a write, the read-back was in sync
  std::string where;       ///< file:line:col of the declaration ("" for prune)
  /// Jobs: the live JobModifyIndex the last plan of this pass saw (0 = absent or unknown).
  std::uint64_t liveIndex = 0;
};

/// The result of one observe+diff (plan) or one reconcile pass (apply).
struct PlanReport {
  std::vector<ResourceStatus> resources;
  std::size_t count(State s) const;
  bool hasDrift() const { return count(State::drifted) > 0; }
  bool hasError() const { return count(State::error) > 0; }
  std::size_t changedCount() const;
};

}  // namespace nc::reconcile
