// Shared by `plan` and `apply`: one reconcile pass (plus, for plan, the live preflight checks)
// and the rendering of its result.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "preflight/preflight.hpp"
#include "reconcile/resource.hpp"

namespace nc::cli::detail {

struct PassResult {
  reconcile::PlanReport report;
  /// Live preflight findings (plan only): every declared job's templates against Vault as it
  /// will be once applied (live objects, declared ones replacing them).
  std::vector<preflight::Finding> findings;
  bool preflightRan = false;
  std::string preflightError;  ///< live facts could not be read: the offline checks were used
};

/// One plan (`write` false, with preflight) or apply pass against the configured backends.
Result<PassResult> reconcilePass(const CommonOptions& opts, CommandIo io, bool write);

/// Table or JSON (with a "preflight" member when it ran).
void printReport(const PassResult& r, const CommonOptions& opts, std::ostream& out, bool applied);

/// Preflight error findings count as errors (exit 1); warnings are shown only.
bool preflightHasErrors(const PassResult& r);

}  // namespace nc::cli::detail
