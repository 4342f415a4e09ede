// The /_sim/ admin API: faults and counters (shared), leader loss, job drift, reset, template
// runner controls (Vault denied, renewals paused, client restart).
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
//   POST /_sim/templates/fail {"job":J,"namespace"?:N,"error"?:E}   every Vault request of J's
//                                                 templates fails (403, E = "permission denied");
//                                                 "error":"" clears
//   POST /_sim/templates/renewals {"job":J,"namespace"?:N,"paused":bool}  stop/resume re-issuing
//   GET  /_sim/templates?job=J&namespace=N        J's template runners and their secrets' times
//   POST /_sim/client/restart                     client agent restart: templates log in again,
//                                                 re-issue and re-render (change_mode on change)
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
  if (path == "/_sim/templates/fail" || path == "/_sim/templates/renewals") {
    if (req.method != "POST") return text(405, "method not allowed");
    auto body = parseJson(req.body.empty() ? "{}" : req.body);
    if (!body.has_value() || !body.value().IsObject())
      return text(400, "body must be a JSON object");
    std::string job = getString(body.value(), "job");
    std::string ns = getString(body.value(), "namespace", "default");
    if (job.empty()) return text(400, "missing job");
    if (path == "/_sim/templates/fail") {
      const Val* e = member(body.value(), "error");
      clients_->failTemplates(ns, job, e && e->IsString() ? e->GetString() : "permission denied");
    } else {
      clients_->pauseRenewals(ns, job, getBool(body.value(), "paused", true));
    }
    return json(200, "{}", std::nullopt);
  }
  if (path == "/_sim/templates" && req.method == "GET") {
    std::string ns = param(req, "namespace").value_or("default");
    return json(
        200, clients_->templateStatus(ns.empty() ? "default" : ns, param(req, "job").value_or("")),
        std::nullopt);
  }
  if (path == "/_sim/client/restart" && req.method == "POST") {
    clients_->restartClient();
    return json(200, "{}", std::nullopt);
  }
  const std::string prefix = "/_sim/job/";
  const std::string suffix = "/edit";
  if (path.rfind(prefix, 0) == 0 && path.size() > prefix.size() + suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0 &&
      req.method == "POST") {
    std::string id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    std::string ns = param(req, "namespace").value_or("default");
    auto patch = parseJson(req.body);
    if (!patch.has_value() || !patch.value().IsObject())
      return text(400, "body must be a JSON merge patch object");
    auto r = state_.editJob(ns.empty() ? "default" : ns, id, patch.value());
    if (!r.has_value()) return text(r.error().is(errc::not_found) ? 404 : 500, r.error().message);
    return json(200,
                fmt::format("{{\"JobModifyIndex\":{},\"EvalID\":\"{}\",\"Index\":{}}}",
                            r->jobModifyIndex, r->evalId, r->index),
                r->index);
  }
  return text(404, "unknown admin endpoint");
}

}  // namespace nc::nomadsim
