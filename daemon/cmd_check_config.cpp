// `nomad-certd check-config`: offline validation of the daemon config and the desired state.
#include <ostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cli.hpp"
#include "config/load.hpp"
#include "preflight/preflight.hpp"

namespace nc::cli {
namespace {

struct Counts {
  std::size_t mounts, pkiRoles, policies, authMethods, authRoles, jobs, certificates;
};

Counts count(const config::DesiredState& ds) {
  Counts c{ds.vault.mounts.size(),
           ds.vault.pkiRoles.size(),
           ds.vault.policies.size(),
           ds.vault.auth.size(),
           0,
           ds.nomad.jobs.size(),
           0};
  for (const auto& a : ds.vault.auth) c.authRoles += a.roles.size();
  for (const auto& j : ds.nomad.jobs) c.certificates += j.certificates.size();
  return c;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void writeJson(const config::LoadedConfiguration& loaded, const CommonOptions& opts,
               const std::string& desiredPath, std::ostream& out) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  const auto& d = loaded.diagnostics;
  auto str = [&w](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("ok");
  w.Bool(!d.hasErrors());
  w.Key("result");
  w.String(d.hasErrors() ? "errors" : d.warningCount() ? "warnings" : "ok");
  w.Key("config");
  str(opts.configPath);
  w.Key("desired_state");
  str(desiredPath);
  w.Key("errors");
  w.Uint64(d.errorCount());
  w.Key("warnings");
  w.Uint64(d.warningCount());
  w.Key("diagnostics");
  w.StartArray();
  for (const auto& item : d.items()) {
    w.StartObject();
    w.Key("severity");
    w.String(config::toString(item.severity));
    w.Key("file");
    str(item.where.file);
    w.Key("line");
    w.Int(item.where.line);
    w.Key("column");
    w.Int(item.where.column);
    w.Key("field");
    str(item.field);
    w.Key("message");
    str(item.message);
    w.Key("text");
    str(item.toString());
    w.EndObject();
  }
  w.EndArray();
  const Counts c = count(loaded.desired);
  w.Key("resources");
  w.StartObject();
  w.Key("vault_mounts");
  w.Uint64(c.mounts);
  w.Key("pki_roles");
  w.Uint64(c.pkiRoles);
  w.Key("policies");
  w.Uint64(c.policies);
  w.Key("auth_methods");
  w.Uint64(c.authMethods);
  w.Key("auth_roles");
  w.Uint64(c.authRoles);
  w.Key("jobs");
  w.Uint64(c.jobs);
  w.Key("certificates");
  w.Uint64(c.certificates);
  w.EndObject();
  w.EndObject();
  out << buf.GetString() << "\n";
}

}  // namespace

int runCheckConfig(const CommonOptions& opts, CommandIo io) {
  std::optional<std::filesystem::path> desiredOverride;
  if (opts.desiredState) desiredOverride = *opts.desiredState;
  auto loaded = config::loadConfiguration(opts.configPath, desiredOverride, io.env);
  // Cross-resource preflight (offline part): only when the desired state itself loaded.
  if (loaded.ok())
    preflight::appendDiagnostics(
        preflight::checkJobs(loaded.desired, preflight::factsFromDesired(loaded.desired)),
        loaded.diagnostics);
  const auto& d = loaded.diagnostics;
  const std::string desiredPath = loaded.config.desiredStatePath.string();

  if (opts.output == OutputFormat::json) {
    writeJson(loaded, opts, desiredPath, io.out);
  } else {
    for (const auto& item : d.items()) io.out << item.toString() << "\n";
    const Counts c = count(loaded.desired);
    if (d.hasErrors()) {
      io.out << "check-config: " << plural(d.errorCount(), "error", "errors") << ", "
             << plural(d.warningCount(), "warning", "warnings") << "\n";
    } else {
      io.out << "check-config: " << opts.configPath << " and " << desiredPath << ": "
             << (d.warningCount() ? plural(d.warningCount(), "warning", "warnings") : "OK")
             << "\n  vault: " << plural(c.mounts, "mount", "mounts") << ", "
             << plural(c.pkiRoles, "PKI role", "PKI roles") << ", "
             << plural(c.policies, "policy", "policies") << ", "
             << plural(c.authMethods, "auth method", "auth methods") << " ("
             << plural(c.authRoles, "role", "roles")
             << ")\n  nomad: " << plural(c.jobs, "job", "jobs") << " ("
             << plural(c.certificates, "declared certificate", "declared certificates") << ")\n";
    }
  }
  if (d.hasErrors()) return kExitError;
  return d.warningCount() ? kExitWarnings : kExitOk;
}

}  // namespace nc::cli
