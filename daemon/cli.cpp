// CLI11 wiring: every command of DESIGN §4 with --help and the common options.
#include "cli.hpp"

#include <ostream>
#include <string_view>
#include <vector>

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

constexpr char kRun[] = "run", kPlan[] = "plan", kApply[] = "apply", kValidate[] = "validate",
               kCerts[] = "certs";

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> specs = {
      {kRun, "Run the daemon in the foreground (systemd Type=notify)", runRun},
      {kPlan, "Observe and diff once; print the drift (exit 0 in sync, 2 drift, 1 error)", runPlan},
      {kApply, "Reconcile once in enforce mode (exit 0 done, 1 error)", runApply},
      {kValidate, "Deploy a test job, wait for its allocation, verify its certificate, clean up",
       runValidate},
      {kCerts, "Scan every declared certificate once (exit 0 ok, 2 warnings, 1 error)", runCerts},
      {"check-config",
       "Validate the config and desired state offline (exit 0 ok, 2 warnings, 1 errors)",
       runCheckConfig},
      {"version", "Print version and build information", runVersion},
  };
  return specs;
}

}  // namespace

int runCli(int argc, char** argv, CommandIo io) {
  CLI::App app{"nomad-certd: keeps Vault + Nomad certificate distribution in its declared state",
               "nomad-certd"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");

  CommonOptions opts;
  opts.configPath = config::kDefaultConfigPath;
  const CommandSpec* chosen = nullptr;
  for (const CommandSpec& spec : commands()) {
    CLI::App* cmd = app.add_subcommand(spec.name, spec.help);
    addCommonOptions(*cmd, opts);
    if (std::string_view(spec.name) == "apply")
      cmd->add_flag("--yes,-y", opts.assumeYes, "Apply without asking");
    if (std::string_view(spec.name) == "validate") {
      cmd->add_option_function<std::string>(
          "--job", [&opts](const std::string& v) { opts.validateJob = v; },
          "Validate this declared job file instead of the built-in test job");
      cmd->add_option("--job-name", opts.validateJobName, "Name of the throw-away test job")
          ->capture_default_str();
      cmd->add_option("--timeout", opts.validateTimeout, "How long to wait for the allocation")
          ->capture_default_str();
    }
    cmd->callback([&chosen, &spec] { chosen = &spec; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, io.out, io.err);
    return code == 0 ? kExitOk : kExitError;
  }
  return chosen ? chosen->run(opts, io) : kExitError;
}

}  // namespace nc::cli
