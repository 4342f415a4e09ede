// Bench-only baseline for B1: re-observes every declared object each cycle (a controller
// without change detection), timing every cycle; prints {"cycles":[{wall,cpu}...]} as JSON.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "clients.hpp"
#include "config/load.hpp"
#include "core/logging.hpp"
#include "reconcile/controller.hpp"
#include "reconcile/reconciler.hpp"
#include "vault/token_manager.hpp"

namespace {

double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Cycle {
  double wall = 0, cpu = 0;
  std::size_t objects = 0, inSync = 0, errors = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string configPath;
  int cycles = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--config") == 0) configPath = argv[i + 1];
    if (std::strcmp(argv[i], "--cycles") == 0) cycles = std::atoi(argv[i + 1]);
  }
  if (configPath.empty() || cycles < 1) {
    std::fprintf(stderr, "usage: naive_resync --config FILE [--cycles N]\n");
    return 1;
  }
  const auto env = nc::config::Environment::fromProcess();
  auto loaded = nc::config::loadConfigurationOrError(configPath, std::nullopt, env);
  if (!loaded) {
    std::fprintf(stderr, "naive_resync: %s\n", loaded.error().message.c_str());
    return 1;
  }
  nc::logging::setup({nc::logging::Format::text, "error"});
  boost::asio::io_context ioc;
  auto clients = nc::cli::makeClients(ioc, loaded->config, nc::SystemClock::shared());
  if (!clients) {
    std::fprintf(stderr, "naive_resync: %s\n", clients.error().message.c_str());
    return 1;
  }
  auto options = nc::reconcile::ControllerOptions::fromConfig(loaded->config).reconciler;
  nc::reconcile::Reconciler reconciler(clients->vault, clients->nomad, options);
  reconciler.setDesired(loaded->desired);
  std::vector<Cycle> done;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        if (clients->tokens) (void)co_await clients->tokens->start();
        const auto keys = reconciler.keys();
        for (int c = 0; c < cycles; ++c) {
          Cycle cy;
          const auto w0 = std::chrono::steady_clock::now();
          const double c0 = processCpuSeconds();
          for (const auto& key : keys) {
            nc::reconcile::ResourceStatus s = co_await reconciler.reconcile(key, false);
            ++cy.objects;
            cy.inSync += s.state == nc::reconcile::State::inSync;
            cy.errors += s.state == nc::reconcile::State::error;
          }
          cy.cpu = processCpuSeconds() - c0;
          cy.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
          done.push_back(cy);
        }
        clients->shutdown();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  std::printf("{\"cycles\":[");
  for (std::size_t i = 0; i < done.size(); ++i)
    std::printf(
        "%s{\"wall_seconds\":%.6f,\"cpu_seconds\":%.6f,\"objects\":%zu,\"in_sync\":%zu,"
        "\"errors\":%zu}",
        i ? "," : "", done[i].wall, done[i].cpu, done[i].objects, done[i].inSync, done[i].errors);
  std::printf("]}\n");
  return done.size() == static_cast<std::size_t>(cycles) ? 0 : 1;
}
