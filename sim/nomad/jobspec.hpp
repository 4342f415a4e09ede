// Jobspec: HCL2 job files to the api.Job JSON that POST /v1/jobs/parse returns, and Canonicalize.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "json.hpp"

namespace nc::nomadsim {

struct JobspecOptions {
  bool canonicalize = false;
  std::string variables;  ///< HCL var-file content ("k = \"v\"" lines)
};

/// Parses a job file into the api.Job JSON shape (Go field names; unset pointers are null).
/// Errors (errc::parse_error) carry HCL diagnostics, one per line:
/// "input.hcl:3,5-9: Unsupported argument; An argument named \"x\" is not expected here."
Result<Doc> parseJobspec(std::string_view hcl, const JobspecOptions& options);

/// api.Job.Canonicalize(): fills the client-side defaults (Nomad's api package) in place.
void canonicalizeApiJob(Val& job, Alloc& a);

}  // namespace nc::nomadsim
