// planOnce/applyOnce over a Reconciler, and the table/JSON renderings of a PlanReport.
#include "reconcile/plan.hpp"

#include <map>
#include <ostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "health/metrics.hpp"

namespace nc::reconcile {
namespace {

boost::asio::awaitable<Result<PlanReport>> pass(vault::VaultApiPtr vault, nomad::NomadApiPtr nomad,
                                                config::DesiredState desired,
                                                ReconcilerOptions options, bool write) {
  if (!vault || !nomad)
    co_return makeError(errc::invalid_argument, "Vault and Nomad clients are required");
  Reconciler r(std::move(vault), std::move(nomad), std::move(options));
  r.setDesired(std::move(desired));
  PlanReport report;
  // Named results: g++ 12 mishandles temporaries of co_await in range-for and call arguments.
  for (const auto& key : r.keys()) {
    ResourceStatus s = co_await r.reconcile(key, write);
    report.resources.push_back(std::move(s));
  }
  std::vector<ResourceStatus> pruned = co_await r.prune(write);
  for (auto& s : pruned) report.resources.push_back(std::move(s));
  co_return report;
}

std::string stateLabel(const ResourceStatus& s, bool applied) {
  if (applied && s.changed) return s.state == State::error ? "FAILED" : s.message;
  if (s.state == State::error) return "error";
  if (s.state == State::inSync) return "in sync";
  if (s.prune) return "prune";
  return s.missing ? "missing" : "drifted";
}

}  // namespace

boost::asio::awaitable<Result<PlanReport>> planOnce(vault::VaultApiPtr vault,
                                                    nomad::NomadApiPtr nomad,
                                                    config::DesiredState desired,
                                                    ReconcilerOptions options) {
  co_return co_await pass(std::move(vault), std::move(nomad), std::move(desired),
                          std::move(options), false);
}

boost::asio::awaitable<Result<PlanReport>> applyOnce(vault::VaultApiPtr vault,
                                                     nomad::NomadApiPtr nomad,
                                                     config::DesiredState desired,
                                                     ReconcilerOptions options) {
  co_return co_await pass(std::move(vault), std::move(nomad), std::move(desired),
                          std::move(options), true);
}

void writeTable(const PlanReport& report, std::ostream& out, bool applied) {
  std::size_t width = 8;
  for (const auto& s : report.resources) width = std::max(width, stateLabel(s, applied).size());
  for (const auto& s : report.resources) {
    const std::string label = stateLabel(s, applied);
    out << label << std::string(width - label.size() + 2, ' ') << config::toString(s.mode)
        << (s.mode == config::Mode::report ? "   " : "  ") << s.key.toString();
    if (s.state == State::error && !s.message.empty()) out << "  (" << s.message << ")";
    out << "\n";
    for (const auto& d : s.deltas)
      out << std::string(width + 2, ' ') << "  " << d.path << ": " << d.desired << " (desired) <- "
          << d.live << " (live)\n";
  }
  out << "\n"
      << report.resources.size() << " resources: " << report.count(State::inSync) << " in sync, "
      << report.count(State::drifted) << " drifted, " << report.count(State::error) << " errors";
  if (applied) out << ", " << report.changedCount() << " changed";
  out << "\n";
}

void writeJson(const PlanReport& report, std::ostream& out) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("in_sync");
  w.Uint64(report.count(State::inSync));
  w.Key("drifted");
  w.Uint64(report.count(State::drifted));
  w.Key("error");
  w.Uint64(report.count(State::error));
  w.Key("changed");
  w.Uint64(report.changedCount());
  w.Key("resources");
  w.StartArray();
  for (const auto& s : report.resources) {
    w.StartObject();
    w.Key("kind");
    w.String(toString(s.key.kind));
    w.Key("name");
    str(s.key.name);
    w.Key("state");
    w.String(toString(s.state));
    w.Key("mode");
    w.String(config::toString(s.mode));
    w.Key("missing");
    w.Bool(s.missing);
    w.Key("prune");
    w.Bool(s.prune);
    w.Key("changed");
    w.Bool(s.changed);
    w.Key("confirmed");
    w.Bool(s.confirmed);
    w.Key("message");
    str(s.message);
    w.Key("where");
    str(s.where);
    w.Key("differences");
    w.StartArray();
    for (const auto& d : s.deltas) {
      w.StartObject();
      w.Key("field");
      str(d.path);
      w.Key("desired");
      str(d.desired);
      w.Key("live");
      str(d.live);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << buf.GetString() << "\n";
}

void recordMetrics(const PlanReport& report, health::Metrics& metrics) {
  std::map<std::pair<std::string, std::string>, double> counts;
  for (Kind k :
       {Kind::mount, Kind::pkiRole, Kind::policy, Kind::authMethod, Kind::authRole, Kind::job})
    for (State st : {State::inSync, State::drifted, State::error})
      counts[{toString(k), toString(st)}] = 0;
  for (const auto& s : report.resources) {
    counts[{toString(s.key.kind), toString(s.state)}] += 1;
    if (!s.deltas.empty() || s.missing || s.prune) metrics.driftDetected(toString(s.key.kind));
    if (s.changed && s.state == State::inSync) metrics.driftFixed(toString(s.key.kind));
  }
  for (const auto& [k, n] : counts) metrics.setResources(k.first, k.second, n);
}

}  // namespace nc::reconcile
