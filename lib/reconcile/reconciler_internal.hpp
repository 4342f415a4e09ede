// Internals shared by the reconciler's source files: the observed state of one resource.
#pragma once

#include <string>

#include "reconcile/reconciler.hpp"

namespace nc::reconcile {

struct Reconciler::Observed {
  ResourceStatus status;  ///< state/missing/deltas/message filled in by observe()
  std::string liveJson;   ///< Vault `data` of the live object ("" when missing)
  bool authConfigMissing = false;
  bool fixable = true;  ///< false when apply cannot repair it (e.g. mount type)
  std::string jobJson;  ///< the desired job as submitted to plan/register
  std::uint64_t jobModifyIndex = 0;
};

namespace detail {
/// "a/b/c" -> {"a/b", "c"} (split at the last '/'); {"", s} without one.
std::pair<std::string, std::string> splitLast(const std::string& s);
/// "ns/id" -> {"ns", "id"} (split at the first '/').
std::pair<std::string, std::string> splitFirst(const std::string& s);
/// Structured log line for one status (drift, fix or failure); never logs secret values.
void logStatus(const ResourceStatus& s);
}  // namespace detail

}  // namespace nc::reconcile
