// Plan diff: Nomad's contextual JobDiff (structs/diff.go) over server-form job JSON, and
// annotations.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "json.hpp"

namespace nc::nomadsim {

/// JobDiff between the stored job (null when new) and the submitted one (null when deleted),
/// in contextual mode: {"Type","ID","Fields","Objects","TaskGroups"}. Server-populated fields
/// (ID, Status, Version, indexes, Update, SubmitTime, ...) are ignored as Nomad does.
Doc jobDiff(const Val* oldJob, const Val* newJob);

/// Per task group placement counts a dry-run scheduler pass would report.
struct TgUpdates {
  std::uint64_t ignore = 0, place = 0, migrate = 0, stop = 0, inPlace = 0, destructive = 0,
                canary = 0;
};

/// Adds Nomad's plan annotations to a diff (Count "forces create/destroy", task
/// "forces create/destroy update" / "forces in-place update", TaskGroupDiff.Updates) and returns
/// the DesiredTGUpdates per group that produced them.
std::map<std::string, TgUpdates> annotateDiff(Val& diff, const Val* oldJob, const Val& newJob,
                                              Alloc& a);

}  // namespace nc::nomadsim
