// `nomad-certd apply`: shows the plan, asks for confirmation (unless --yes), then reconciles once
// in enforce mode and prints what changed; exit 0 done or in sync, 1 error or cancelled.
#include <iostream>
#include <string>

#include "cli.hpp"
#include "cmd_plan.hpp"
#include "reconcile/plan.hpp"

namespace nc::cli {

int runApply(const CommonOptions& opts, CommandIo io) {
  if (!opts.assumeYes) {
    auto plan = detail::reconcilePass(opts, io, false);
    if (!plan) {
      io.err << "nomad-certd apply: " << plan.error().message << "\n";
      return kExitError;
    }
    if (!plan->report.hasDrift()) {
      detail::printReport(*plan, opts, io.out, false);
      return plan->report.hasError() ? kExitError : kExitOk;
    }
    reconcile::writeTable(plan->report, io.err, false);
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
  return report->report.hasError() ? kExitError : kExitOk;
}

}  // namespace nc::cli
