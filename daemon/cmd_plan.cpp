// `nomad-certd plan`: one observe + diff of every declared resource plus the live preflight
// checks; exit 0 in sync, 2 drift, 1 error (including preflight errors).
#include "cmd_plan.hpp"

#include <ostream>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "clients.hpp"
#include "config/load.hpp"
#include "preflight/live_facts.hpp"
#include "reconcile/plan.hpp"
#include "vault/token_manager.hpp"

namespace nc::cli {
namespace detail {
namespace {

boost::asio::awaitable<Result<PassResult>> pass(Clients c, config::DesiredState d,
                                                reconcile::ReconcilerOptions ro, bool w) {
  if (c.tokens)
    if (auto started = co_await c.tokens->start(); !started) {
      c.shutdown();
      co_return started.error();
    }
  PassResult out;
  Result<reconcile::PlanReport> r = makeError(errc::cancelled, "not run");
  if (w) {  // no co_await inside ?: (g++ 12 miscompiles it)
    r = co_await reconcile::applyOnce(c.vault, c.nomad, d, std::move(ro));
  } else {
    r = co_await reconcile::planOnce(c.vault, c.nomad, d, std::move(ro));
    auto found = co_await preflight::checkJobsLive(*c.vault, d);
    out.preflightRan = true;
    if (found) {
      out.findings = std::move(*found);
    } else {
      out.preflightError = found.error().message;
      out.findings = preflight::checkJobs(d, preflight::factsFromDesired(d));
    }
  }
  c.shutdown();
  if (!r) co_return r.error();
  out.report = std::move(*r);
  co_return out;
}

void writeFindingsText(const PassResult& r, std::ostream& out) {
  if (!r.preflightRan) return;
  out << "\npreflight (templates against Vault as applied):";
  if (!r.preflightError.empty())
    out << "\n  live Vault data unavailable (" << r.preflightError << "); offline checks only";
  if (r.findings.empty())
    out << " every job can obtain its certificates\n";
  else
    out << "\n";
  for (const auto& f : r.findings) out << "  " << f.toString() << "\n";
}

void writeJsonWithFindings(const PassResult& r, std::ostream& out) {
  std::ostringstream plain;
  reconcile::writeJson(r.report, plain);
  rapidjson::Document doc;
  const std::string text = plain.str();
  doc.Parse(text.c_str(), text.size());
  auto& a = doc.GetAllocator();
  auto str = [&a](const std::string& s) {
    return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  if (r.preflightRan && doc.IsObject()) {
    rapidjson::Value pf(rapidjson::kObjectType), list(rapidjson::kArrayType);
    for (const auto& f : r.findings) {
      rapidjson::Value o(rapidjson::kObjectType);
      o.AddMember("id", str(f.id), a);
      o.AddMember("severity", str(f.severity == config::Severity::error ? "error" : "warning"), a);
      o.AddMember("where", str(f.where.toString()), a);
      o.AddMember("message", str(f.message), a);
      o.AddMember("hint", str(f.hint), a);
      list.PushBack(o, a);
    }
    pf.AddMember("live", r.preflightError.empty(), a);
    pf.AddMember("error", str(r.preflightError), a);
    pf.AddMember("findings", list, a);
    doc.AddMember("preflight", pf, a);
  }
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  out << buf.GetString() << "\n";
}

}  // namespace

Result<PassResult> reconcilePass(const CommonOptions& opts, CommandIo io, bool write) {
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
  o.ownershipPath = loaded->config.reconcile.ownershipVariable;
  auto f = boost::asio::co_spawn(ctx, pass(*clients, loaded->desired, o, write),
                                 boost::asio::use_future);
  ctx.run();
  return f.get();
}

bool preflightHasErrors(const PassResult& r) {
  for (const auto& f : r.findings)
    if (f.severity == config::Severity::error) return true;
  return false;
}

void printReport(const PassResult& r, const CommonOptions& opts, std::ostream& out, bool applied) {
  if (opts.output == OutputFormat::json) {
    writeJsonWithFindings(r, out);
    return;
  }
  reconcile::writeTable(r.report, out, applied);
  writeFindingsText(r, out);
}

}  // namespace detail

int runPlan(const CommonOptions& opts, CommandIo io) {
  auto result = detail::reconcilePass(opts, io, false);
  if (!result) {
    io.err << "nomad-certd plan: " << result.error().message << "\n";
    return kExitError;
  }
  detail::printReport(*result, opts, io.out, false);
  if (result->report.hasError() || detail::preflightHasErrors(*result)) return kExitError;
  return result->report.hasDrift() ? kExitWarnings : kExitOk;
}

}  // namespace nc::cli
