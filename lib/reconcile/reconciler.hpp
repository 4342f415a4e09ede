// Reconciler: observe, diff, apply and confirm for one resource key at a time (no loop, no timing).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/desired_state.hpp"
#include "nomad/nomad_api.hpp"
#include "reconcile/resource.hpp"
#include "vault/vault_api.hpp"

namespace nc::reconcile {

/// Meta key and value that mark a Nomad job as owned by nomad-certd (added to every job it
/// registers; prune only ever deletes jobs carrying it).
inline constexpr const char* kManagedByKey = "managed-by";
inline constexpr const char* kManagedByValue = "nomad-certd";

struct ReconcilerOptions {
  /// Upper bound on every resource's mode (daemon config reconcile.mode): report here makes
  /// every resource report-only.
  config::Mode modeCap = config::Mode::enforce;
  /// `apply`: resources without their own `mode` are enforced whatever defaults.mode says.
  bool forceEnforce = false;
  /// Nomad variable holding the list of Vault objects nomad-certd wrote (prune ownership).
  std::string ownershipPath = "nomad-certd/ownership";
  /// Namespace for jobs that do not name one.
  std::string nomadNamespace = "default";
};

/// Per-kind observe / diff / apply / confirm. Vault writes:
/// * PKI roles: Vault's POST replaces the whole role, so the applier reads the live role,
///   overlays the declared fields and POSTs the complete merged role (fields the desired
///   state leaves out keep their live values; a new role gets Vault's defaults for them).
///   PATCH is not used: it is missing on older Vault versions and in some proxies.
/// * JWT config (full replace) and JWT roles (merge, but role_type resets): same merge.
/// * Policies: PUT of the declared text. Mounts: enable when missing, else tune the TTLs.
/// Nomad jobs: parsed with /v1/jobs/parse (HCL; the last few kept), Meta managed-by
/// added, planned with Diff:true; registered with EnforceIndex = the plan's JobModifyIndex.
/// Every write is confirmed by observing again; a write that does not read back in sync is
/// an error ("perpetual diff").
class Reconciler {
 public:
  Reconciler(vault::VaultApiPtr vault, nomad::NomadApiPtr nomad, ReconcilerOptions options);

  void setDesired(config::DesiredState desired);
  const config::DesiredState& desired() const { return desired_; }

  /// Every declared key in dependency order: mounts, auth methods, policies, PKI roles,
  /// auth roles, jobs.
  std::vector<ResourceKey> keys() const;
  bool declared(const ResourceKey& key) const;
  /// The resource's effective mode (own mode, else defaults; forceEnforce; capped).
  config::Mode modeOf(const ResourceKey& key) const;
  /// Declared keys whose spec differs between the current and `next` desired state, plus keys
  /// only one of them declares.
  std::vector<ResourceKey> changedKeys(const config::DesiredState& next) const;

  /// Observe and diff; when `write` and the mode is enforce, apply and confirm. Never throws;
  /// failures come back as State::error with the message.
  boost::asio::awaitable<ResourceStatus> reconcile(ResourceKey key, bool write);

  /// Owned objects no longer declared (jobs with Meta managed-by=nomad-certd; Vault policies
  /// and PKI roles listed in the ownership variable), when prune is enabled for them. With
  /// `write` they are deleted (Nomad jobs stopped, not purged). Unowned objects are never
  /// touched.
  boost::asio::awaitable<std::vector<ResourceStatus>> prune(bool write);

  /// Records a Vault key in the ownership variable (CAS update); used after a write.
  boost::asio::awaitable<Result<void>> recordOwnership(ResourceKey key, bool owned);

  /// What observe() found (defined in reconciler_internal.hpp).
  struct Observed;

 private:
  boost::asio::awaitable<Observed> observe(const ResourceKey& key);
  boost::asio::awaitable<Result<void>> apply(const ResourceKey& key, const Observed& seen);
  boost::asio::awaitable<Result<std::string>> jobJson(const config::JobSpec& job);
  boost::asio::awaitable<Result<std::vector<std::string>>> ownedKeys();
  boost::asio::awaitable<Result<void>> deleteOwned(ResourceKey key);

  const config::VaultMountSpec* findMount(const std::string& name) const;
  const config::PkiRoleSpec* findPkiRole(const std::string& name) const;
  const config::PolicySpec* findPolicy(const std::string& name) const;
  const config::AuthMethodSpec* findAuth(const std::string& name) const;
  const config::AuthRoleSpec* findAuthRole(const std::string& name,
                                           const config::AuthMethodSpec** method) const;
  const config::JobSpec* findJob(const std::string& name) const;
  std::string jobKeyName(const config::JobSpec& j) const;

  vault::VaultApiPtr vault_;
  nomad::NomadApiPtr nomad_;
  ReconcilerOptions options_;
  config::DesiredState desired_;
  std::unordered_map<std::string, std::size_t> jobAt_;  ///< "ns/id" -> index in nomad.jobs
  /// The last few parsed jobs (digest of the job's text, api.Job JSON), newest last. Bounded: a
  /// pass needs its job's JSON for observe, apply and confirm; keeping every job's JSON cost about
  /// 5 KB per job for the daemon's whole life, while only changed jobs are planned again.
  std::deque<std::pair<std::uint64_t, std::string>> parsedJobs_;
};

}  // namespace nc::reconcile
