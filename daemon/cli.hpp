// The nomad-certd command line: common options and the registration of every command.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/environment.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace nc::cli {

enum class OutputFormat { text, json };

/// Options every command takes (DESIGN §4).
struct CommonOptions {
  std::string configPath;                    ///< --config (default /etc/nomad-certd/config.yaml)
  std::optional<std::string> desiredState;   ///< --desired-state
  OutputFormat output = OutputFormat::text;  ///< --output text|json
  bool assumeYes = false;                    ///< apply --yes
  std::optional<std::string> validateJob;    ///< validate --job FILE (a declared job)
  std::string validateJobName = "cert-test-job";  ///< validate --job-name
  std::string validateTimeout = "300s";           ///< validate --timeout
};

/// What a command needs from the outside world; injected so tests can capture output.
struct CommandIo {
  std::ostream& out;
  std::ostream& err;
  const config::Environment& env;
};

/// Exit codes shared by the commands (DESIGN §4).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitWarnings = 2;  ///< check-config warnings, plan drift, certs warnings

/// Builds the CLI and runs the chosen command; returns the process exit code.
int runCli(int argc, char** argv, CommandIo io);

/// A command: its name, one line of help, and the function that runs it.
struct CommandSpec {
  const char* name;
  const char* help;
  int (*run)(const CommonOptions& opts, CommandIo io);
};

// Commands (one file each). Each returns the exit code.
int runVersion(const CommonOptions& opts, CommandIo io);
int runCheckConfig(const CommonOptions& opts, CommandIo io);
int runValidate(const CommonOptions& opts, CommandIo io);  ///< cmd_validate.cpp
int runPlan(const CommonOptions& opts, CommandIo io);      ///< cmd_plan.cpp
int runApply(const CommonOptions& opts, CommandIo io);     ///< cmd_apply.cpp
int runRun(const CommonOptions& opts, CommandIo io);
int runCerts(const CommonOptions& opts, CommandIo io);

}  // namespace nc::cli
