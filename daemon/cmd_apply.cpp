// `nomad-certd apply`: shows the plan, asks for confirmation (unless --yes), then reconciles once
// in enforce mode and prints what changed; exit 0 done or in sync, 1 error or cancelled.
#include <iostream>
#include <string>

#include "cli.hpp"
#include "reconcile/plan.hpp"

namespace nc::cli {
namespace detail {
Result<reconcile::PlanReport> reconcilePass(const CommonOptions& opts, CommandIo io, bool write);
void printReport(const reconcile::PlanReport& r, const CommonOptions& opts, std::ostream& out,
                 bool applied);
}  // namespace detail

int runApply(const CommonOptions& opts, CommandIo io) {
  if (!opts.assumeYes) {
    auto plan = detail::reconcilePass(opts, io, false);
    if (!plan) {
      io.err << "nomad-certd apply: " << plan.error().message << "\n";
      return kExitError;
    }
    if (!plan->hasDrift()) {
      detail::printReport(*plan, opts, io.out, false);
      return plan->hasError() ? kExitError : kExitOk;
    }
    reconcile::writeTable(*plan, io.err, false);
    io.err << "\nApply these changes? Only 'yes' is accepted: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes") {
      io.err << "Apply cancelled.\n";
      return kExitError;
    }
  }
  auto report = detail::reconcilePass(opts, io, true);
  if (!report) {
    io.err << "nomad-certd apply: " << report.error().message << "\n";
    return kExitError;
  }
  detail::printReport(*report, opts, io.out, true);
  return report->hasError() ? kExitError : kExitOk;
}

}  // namespace nc::cli
