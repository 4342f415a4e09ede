// Server-side job admission: api.Job JSON to the stored structs.Job form (canonicalize, implied
// constraints, implicit identities) and the validation Nomad's Job.Register runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "json.hpp"

namespace nc::nomadsim {

struct AdmitOptions {
  std::string nameSpace = "default";
  std::string region = "global";
  /// vault.default_identity of the simulated servers (injected as vault_<cluster>).
  bool vaultDefaultIdentity = true;
  std::vector<std::string> vaultAudience = {"vault.io"};
  std::int64_t vaultIdentityTtlNs = 3600LL * 1000000000LL;
};

/// Returns the server form of a submitted job. Validation failures are errc::invalid_argument
/// with Nomad's multierror text ("1 error occurred:\n\t* ...\n\n"), which the API sends as 500.
Result<Doc> admitJob(const Val& apiJob, const AdmitOptions& options);

/// The job's list stub fields that do not depend on the summary (ID, Name, Type, ...).
bool isPeriodicOrParameterized(const Val& job);

}  // namespace nc::nomadsim
