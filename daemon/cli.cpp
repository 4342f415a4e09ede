// CLI11 wiring: every command of DESIGN §4 with --help and the common options.
#include "cli.hpp"

#include <functional>
#include <ostream>

#include <CLI/CLI.hpp>

#include "config/load.hpp"

namespace nc::cli {
namespace {

void addCommonOptions(CLI::App& cmd, CommonOptions& opts) {
  cmd.add_option("--config", opts.configPath, "Daemon configuration file")->capture_default_str();
  cmd.add_option_function<std::string>(
      "--desired-state", [&opts](const std::string& v) { opts.desiredState = v; },
      "Desired-state file (default: desired_state from the config)");
  cmd.add_option_function<std::string>(
         "--output,-o",
         [&opts](const std::string& v) {
           opts.output = v == "json" ? OutputFormat::json : OutputFormat::text;
         },
         "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("text|json")
      ->default_str("text");
}

}  // namespace

int runCli(int argc, char** argv, CommandIo io) {
  CLI::App app{"nomad-certd: keeps Vault + Nomad certificate distribution in its declared state",
               "nomad-certd"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");

  CommonOptions opts;
  opts.configPath = config::kDefaultConfigPath;
  bool assumeYes = false;
  std::function<int()> action;

  struct Entry {
    const char* name;
    const char* help;
  };
  const Entry entries[] = {
      {"run", "Run the daemon in the foreground (systemd Type=notify)"},
      {"plan", "Observe and diff once; print the drift (exit 0 in sync, 2 drift, 1 error)"},
      {"apply", "Reconcile once in enforce mode (exit 0 done, 1 error)"},
      {"validate", "Deploy a test job, wait for its allocation, verify its certificate, clean up"},
      {"certs", "Scan every declared certificate once (exit 0 ok, 2 warnings, 1 error)"},
      {"check-config",
       "Validate the config and desired state offline (exit 0 ok, 2 warnings, 1 errors)"},
      {"version", "Print version and build information"},
  };
  for (const auto& e : entries) {
    CLI::App* cmd = app.add_subcommand(e.name, e.help);
    addCommonOptions(*cmd, opts);
    const std::string name = e.name;
    if (name == "apply") cmd->add_flag("--yes,-y", assumeYes, "Apply without asking");
    cmd->callback([&action, &opts, io, name] {
      if (name == "version")
        action = [&opts, io] { return runVersion(opts, io); };
      else if (name == "check-config")
        action = [&opts, io] { return runCheckConfig(opts, io); };
      else
        action = [&opts, io, name] { return runNotImplemented(name, opts, io); };
    });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, io.out, io.err);
    return code == 0 ? kExitOk : kExitError;
  }
  return action ? action() : kExitError;
}

}  // namespace nc::cli
