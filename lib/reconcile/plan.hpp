// One-shot plan (observe + diff) and apply (one enforce pass), and how their reports render.
#pragma once

#include <iosfwd>

#include <boost/asio/awaitable.hpp>

#include "reconcile/reconciler.hpp"
#include "reconcile/resource.hpp"

namespace nc::health {
class Metrics;
}

namespace nc::reconcile {

/// Observes every declared resource (and, when prune is on, owned undeclared ones) without
/// writing. Backend failures are per-resource State::error entries, not a failed Result;
/// the Result fails only when nothing could be attempted.
boost::asio::awaitable<Result<PlanReport>> planOnce(vault::VaultApiPtr vault,
                                                    nomad::NomadApiPtr nomad,
                                                    config::DesiredState desired,
                                                    ReconcilerOptions options);

/// One reconcile pass that writes: resources in enforce mode are fixed and confirmed,
/// report-mode ones only reported; prune when enabled. `options.forceEnforce` is what
/// `nomad-certd apply` sets.
boost::asio::awaitable<Result<PlanReport>> applyOnce(vault::VaultApiPtr vault,
                                                     nomad::NomadApiPtr nomad,
                                                     config::DesiredState desired,
                                                     ReconcilerOptions options);

/// A readable table: one line per resource (state, mode, kind:name), then each differing
/// field as "  field: desired -> live", then a summary line.
void writeTable(const PlanReport& report, std::ostream& out, bool applied);

/// JSON: {"in_sync":n,"drifted":n,"error":n,"changed":n,"resources":[{"kind","name","state",
/// "mode","missing","prune","changed","confirmed","message","where","differences":[{"field",
/// "desired","live"}]}]}.
void writeJson(const PlanReport& report, std::ostream& out);

/// Feeds resource gauges (per kind and state) and drift counters from a report.
void recordMetrics(const PlanReport& report, health::Metrics& metrics);

}  // namespace nc::reconcile
