// The /_sim/ admin API: faults and counters (shared), leader loss, job drift, reset.
#include <fmt/format.h>

#include "api_impl.hpp"
#include "common/admin_api.hpp"

namespace nc::nomadsim {

// Own routes:
//   POST /_sim/leader {"leader": false}          lose (or regain) the cluster leader
//   POST /_sim/job/<id>/edit?namespace=N {...}    JSON merge patch on the stored job (drift)
//   POST /_sim/reset                              forget jobs, evaluations, variables, events,
//                                                 faults and counters; regain the leader
//   GET  /_sim/state                              {"index":N,"jobs":N,"leader":bool}
ServerResponse ApiImpl::adminRoute(const ServerRequest& req) {
  if (auto common = sim::handleCommonAdmin(req, faults_, counters_)) return *common;
  const std::string& path = req.path;
  if (path == "/_sim/leader" && req.method == "POST") {
    auto body = parseJson(req.body.empty() ? "{}" : req.body);
    if (!body.has_value()) return text(400, body.error().message);
    leader_ = getBool(body.value(), "leader", true);
    notifyWaiters();
    return json(200, fmt::format("{{\"leader\":{}}}", leader_), std::nullopt);
  }
  if (path == "/_sim/reset" && req.method == "POST") {
    clients_->reset();
    state_.reset();
    faults_.clear();
    counters_.reset();
    leader_ = true;
    return json(200, "{}", std::nullopt);
  }
  if (path == "/_sim/state" && req.method == "GET") {
    return json(200,
                fmt::format("{{\"index\":{},\"jobs\":{},\"leader\":{}}}", state_.index(),
                            state_.jobs("*", "").size(), leader_),
                std::nullopt);
  }
  const std::string prefix = "/_sim/job/";
  const std::string suffix = "/edit";
  if (path.rfind(prefix, 0) == 0 && path.size() > prefix.size() + suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0 && req.method == "POST") {
    std::string id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    std::string ns = param(req, "namespace").value_or("default");
    auto patch = parseJson(req.body);
    if (!patch.has_value() || !patch.value().IsObject()) return text(400, "body must be a JSON merge patch object");
    auto r = state_.editJob(ns.empty() ? "default" : ns, id, patch.value());
    if (!r.has_value()) return text(r.error().is(errc::not_found) ? 404 : 500, r.error().message);
    return json(200,
                fmt::format("{{\"JobModifyIndex\":{},\"EvalID\":\"{}\",\"Index\":{}}}", r->jobModifyIndex,
                            r->evalId, r->index),
                r->index);
  }
  return text(404, "unknown admin endpoint");
}

}  // namespace nc::nomadsim
