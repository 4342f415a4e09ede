// vault-sim executable: parses the command line and serves the simulator until SIGTERM.
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

#include "common/fault_wrap.hpp"
#include "common/sim_runner.hpp"
#include "vault/url_fetch.hpp"
#include "vault/vault_sim.hpp"

int main(int argc, char** argv) {
  CLI::App app{"vault-sim: a Vault API simulator for tests and demos"};
  nc::sim::ListenOptions listen;
  nc::sim::addListenOptions(app, listen);
  nc::vault_sim::SimOptions opts;
  app.add_option("--root-token", opts.rootToken, "token with the root policy (default \"root\")");
  app.add_option("--state-file", opts.stateFile, "JSON file to keep state across restarts");
  app.add_option("--max-request-size", opts.maxRequestSize,
                 "request body limit in bytes (413 above)");
  CLI11_PARSE(app, argc, argv);

  auto serverOptions = nc::sim::toServerOptions(listen);
  if (!serverOptions) {
    std::cerr << "error: " << serverOptions.error().message << "\n";
    return 2;
  }
  serverOptions->maxBodyBytes =
      opts.maxRequestSize + 1024 * 1024;  // the simulator answers 413 itself
  opts.fetcher = nc::vault_sim::fetchUrl;
  try {
    nc::vault_sim::VaultSim sim(opts);
    boost::asio::io_context io(1);
    auto handler =
        nc::sim::withFaults(sim.faults(), sim.counters(),
                            [&sim](const nc::http::ServerRequest& r) { return sim.handle(r); });
    return nc::sim::runSimServer(io, std::move(*serverOptions), std::move(handler));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
