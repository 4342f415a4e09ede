// jobspec2's post-decode normalisation (labels, vault copy-down, identities, ports, templates).
#pragma once

#include <string>

#include "json.hpp"

namespace nc::nomadsim::jobspec {

/// Constraint/affinity shorthands (version, semver, regexp, set_contains, distinct_*) and the
/// default operand "=".
void normalizeConstraint(Val& c, Alloc& a);

/// normalizeJob from jobspec2: ID/Name from the label, periodic SpecType, job/group vault copied
/// into tasks, the default identity moved to Task.Identity, static ports moved to ReservedPorts,
/// template defaults.
void normalizeJob(Val& job, const std::string& label, const Val& jobVault, Alloc& a);

}  // namespace nc::nomadsim::jobspec
