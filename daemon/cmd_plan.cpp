// `nomad-certd plan`: one observe + diff of every declared resource; exit 0 in sync, 2 drift, 1 error.
#include <ostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cli.hpp"
#include "clients.hpp"
#include "config/load.hpp"
#include "reconcile/plan.hpp"
#include "vault/token_manager.hpp"

namespace nc::cli {
namespace detail {

/// One plan or apply pass against the configured Vault and Nomad; the report or an error.
/// Shared by cmd_plan.cpp and cmd_apply.cpp.
Result<reconcile::PlanReport> reconcilePass(const CommonOptions& opts, CommandIo io, bool write) {
  auto loaded = config::loadConfigurationOrError(opts.configPath, opts.desiredState, io.env);
  if (!loaded) return loaded.error();
  boost::asio::io_context ctx;
  auto clients = makeClients(ctx, loaded->config, SystemClock::shared());
  if (!clients) return clients.error();
  reconcile::ReconcilerOptions o;
  o.forceEnforce = write;
  o.modeCap = config::Mode::enforce;  // `apply` enforces; plan never writes anyway
  o.nomadNamespace =
      loaded->config.nomad.nomadNamespace.empty() ? "default" : loaded->config.nomad.nomadNamespace;
  auto pass = [](Clients c, config::DesiredState d, reconcile::ReconcilerOptions ro,
                 bool w) -> boost::asio::awaitable<Result<reconcile::PlanReport>> {
    if (c.tokens)
      if (auto started = co_await c.tokens->start(); !started) co_return started.error();
    Result<reconcile::PlanReport> r = makeError(errc::cancelled, "not run");
    if (w)  // no co_await inside ?: (g++ 12 miscompiles it)
      r = co_await reconcile::applyOnce(c.vault, c.nomad, std::move(d), std::move(ro));
    else
      r = co_await reconcile::planOnce(c.vault, c.nomad, std::move(d), std::move(ro));
    c.shutdown();
    co_return r;
  };
  auto f = boost::asio::co_spawn(ctx, pass(*clients, loaded->desired, o, write),
                                 boost::asio::use_future);
  ctx.run();
  return f.get();
}

void printReport(const reconcile::PlanReport& r, const CommonOptions& opts, std::ostream& out,
                 bool applied) {
  if (opts.output == OutputFormat::json) reconcile::writeJson(r, out);
  else reconcile::writeTable(r, out, applied);
}

}  // namespace detail

int runPlan(const CommonOptions& opts, CommandIo io) {
  auto report = detail::reconcilePass(opts, io, false);
  if (!report) {
    io.err << "nomad-certd plan: " << report.error().message << "\n";
    return kExitError;
  }
  detail::printReport(*report, opts, io.out, false);
  if (report->hasError()) return kExitError;
  return report->hasDrift() ? kExitWarnings : kExitOk;
}

}  // namespace nc::cli
