// Commands whose implementation lands with later work: run, plan, apply, validate, certs.
#include <ostream>

#include "cli.hpp"

namespace nc::cli {

int runNotImplemented(const std::string& command, const CommonOptions& /*opts*/, CommandIo io) {
  io.err << "nomad-certd " << command
         << ": not implemented yet (use `nomad-certd check-config` to validate the "
            "configuration)\n";
  return kExitError;
}

}  // namespace nc::cli
