// A job file's text while the daemon runs: released after loading (at 10k jobs the texts are
// ~10 MB that only a rare plan or register needs) and read again, checked against its digest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/desired_state.hpp"
#include "core/error.hpp"

namespace nc::config {

/// A digest of a job file's text; equal texts give equal digests within one process.
std::uint64_t digestOfText(std::string_view text);

/// The digest of the job's text as loaded, whether the text is still kept or released.
std::uint64_t jobSourceDigest(const JobSpec& job);

/// Drops the job's text, keeping its digest (jobSource reads the file again). The loader does it
/// for each job with LoadOptions::keepJobTexts = false.
void releaseJobText(JobSpec& job);

/// The job's text: kept, or read again from its file when released. Fails (naming the file)
/// when the file can no longer be read or no longer holds the text that was loaded: the
/// desired state in force is the one loaded, and a reload applies the edited file.
Result<std::string> jobSource(const JobSpec& job);

}  // namespace nc::config
