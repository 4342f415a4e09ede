// nomad-sim: the Nomad API simulator's command line (see DESIGN §8).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

#include "api.hpp"
#include "common/sim_runner.hpp"
#include "go_duration.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nomad-sim: a Nomad HTTP API simulator for tests and demos"};
  nc::sim::ListenOptions listen;
  listen.listen = "127.0.0.1:4646";
  nc::sim::addListenOptions(app, listen);
  nc::nomadsim::ApiOptions options;
  std::string heartbeat = "30s";
  app.add_option("--vault-addr", options.vaultAddr,
                 "Vault (vault-sim) address used by the simulated clients");
  app.add_option("--vault-jwt-mount", options.vaultJwtMount,
                 "JWT auth mount the clients log in with (default jwt-nomad)");
  app.add_option("--vault-retry-attempts", options.vaultRetryAttempts,
                 "Vault attempts before a template fails (default 3)");
  app.add_option("--vault-retry-base-ms", options.vaultRetryBaseMs,
                 "first Vault retry backoff in ms, doubled per attempt (default 100)");
  app.add_option(
      "--template-event-rate-ms", options.templateEventRateMs,
      "delay before a template's Missing event, as Nomad's 3s MaxTemplateEventRate (default 3000)");
  app.add_option("--data-dir", options.dataDir, "directory for allocation directories");
  app.add_option("--acl-token", options.aclToken, "management token; ACLs are off without it");
  app.add_option("--region", options.region, "region name (default global)");
  app.add_option("--event-heartbeat", heartbeat, "event stream heartbeat interval (Go duration)");
  CLI11_PARSE(app, argc, argv);

  auto hb = nc::nomadsim::parseGoDuration(heartbeat);
  if (!hb || *hb <= 0) {
    std::cerr << "error: invalid --event-heartbeat " << heartbeat << "\n";
    return 2;
  }
  options.heartbeat = nc::Duration(std::chrono::nanoseconds(*hb));
  auto serverOptions = nc::sim::toServerOptions(listen);
  if (!serverOptions) {
    std::cerr << "error: " << serverOptions.error().message << "\n";
    return 2;
  }
  options.tls = serverOptions->tls.has_value();
  boost::asio::io_context io(1);
  auto api = nc::nomadsim::NomadApi::create(io, options, nc::SystemClock::shared());
  if (!api) {
    std::cerr << "error: " << api.error().message << "\n";
    return 1;
  }
  auto& impl = *api.value();
  return nc::sim::runSimServer(io, std::move(serverOptions.value()), impl.handler(),
                               [&impl] { impl.shutdown(); });
}
