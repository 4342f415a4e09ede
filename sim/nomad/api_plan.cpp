// POST /v1/job/:id/plan: a dry run with the contextual diff and Nomad's annotations.
#include <fmt/format.h>

#include "api_impl.hpp"
#include "job_diff.hpp"
#include "server_job.hpp"

namespace nc::nomadsim {

ServerResponse ApiImpl::jobPlan(const ServerRequest& req, const std::string& id) {
  if (req.body.empty()) return text(400, "Request body is empty");
  auto body = parseJson(req.body);
  if (!body.has_value()) return text(400, body.error().message);
  const Val* job = member(body.value(), "Job");
  if (job == nullptr || !job->IsObject()) return text(400, "Job must be specified");
  if (getString(*job, "ID") != id) return text(400, "Job ID does not match");
  AdmitOptions ao;
  std::string ns = param(req, "namespace").value_or("");
  if (ns.empty()) ns = getString(body.value(), "Namespace");
  if (ns.empty()) ns = getString(*job, "Namespace");
  ao.nameSpace = ns.empty() ? "default" : ns;
  ao.region = opt_.region;
  auto admitted = admitJob(*job, ao);
  if (!admitted.has_value()) return text(500, admitted.error().message);
  const Doc& newJob = admitted.value();
  const JobRecord* rec = state_.job(ao.nameSpace, id);
  std::optional<Doc> oldJob;
  if (rec != nullptr) oldJob = std::move(parseJson(*rec->json).value());
  const Val* oldPtr = oldJob ? &*oldJob : nullptr;
  Doc diff = jobDiff(oldPtr, &newJob);
  auto updates = annotateDiff(diff, oldPtr, newJob, diff.GetAllocator());

  Doc out(rapidjson::kObjectType);
  Alloc& a = out.GetAllocator();
  setMember(out, "JobModifyIndex", Val(rec ? rec->jobModifyIndex : std::uint64_t{0}), a);
  setMember(out, "CreatedEvals", Val(), a);
  setMember(out, "FailedTGAllocs", Val(), a);
  Val desired(rapidjson::kObjectType);
  for (const auto& [tg, u] : updates) {
    Val d(rapidjson::kObjectType);
    auto put = [&](const char* k, std::uint64_t v) { setMember(d, k, Val(v), a); };
    put("Ignore", u.ignore);
    put("Place", u.place);
    put("Migrate", u.migrate);
    put("Stop", u.stop);
    put("InPlaceUpdate", u.inPlace);
    put("DestructiveUpdate", u.destructive);
    put("Canary", u.canary);
    put("Preemptions", 0);
    put("Disconnect", 0);
    put("Reconnect", 0);
    put("RescheduleNow", 0);
    put("RescheduleLater", 0);
    setMember(desired, tg, std::move(d), a);
  }
  Val annotations(rapidjson::kObjectType);
  setMember(annotations, "DesiredTGUpdates", std::move(desired), a);
  setMember(annotations, "PreemptedAllocs", Val(), a);
  setMember(out, "Annotations", std::move(annotations), a);
  if (getBool(body.value(), "Diff")) setMember(out, "Diff", Val(diff, a), a);
  setMember(out, "NextPeriodicLaunch", "0001-01-01T00:00:00Z", a);
  setMember(out, "Warnings", "", a);
  setMember(out, "Index", Val(std::uint64_t{0}), a);
  QueryOptions q;
  q.pretty = param(req, "pretty").has_value() && param(req, "pretty") != "0";
  return json(200, toJson(out), std::nullopt, &q);
}

}  // namespace nc::nomadsim
