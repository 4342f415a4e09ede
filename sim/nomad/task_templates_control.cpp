// TemplateEngine's public side: starting and stopping task runners, the admin controls (denied
// renders, paused renewals, client restart) and the runner status for /_sim/templates.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>

#include "go_template.hpp"
#include "task_templates_impl.hpp"

namespace nc::nomadsim {

TemplateEngine::TemplateEngine(asio::io_context& io, TemplateEngineOptions options,
                               TemplateHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(hooks))) {}

TemplateEngine::~TemplateEngine() {
  reset();
}

Result<bool> TemplateEngine::start(TaskTemplates t) {
  auto r = std::make_shared<Runner>();
  r->t = std::move(t);
  r->token = r->t.token;
  if (impl_->vault() == nullptr) {  // no Vault configured: templates that need it stay unwritten
    std::erase_if(r->t.templates, [](const TemplateSpec& s) {
      return templateUsesSecret(s.data, s.left, s.right);
    });
    r->t.deriveToken = false;
  }
  bool waits = std::any_of(r->t.templates.begin(), r->t.templates.end(),
                           [](const TemplateSpec& s) { return s.waitMinMs > 0; });
  std::map<std::string, SecretCall> misses;
  auto outs = impl_->render(*r, &misses);
  if (!outs) return Error(errc::invalid_argument, "Template failed: " + outs.error().message);
  if (misses.empty() && !waits && !(r->t.deriveToken && r->token.empty())) {
    r->started = true;  // written now; no hook, the caller starts the task
    impl_->write(r, outs.value());
    return true;
  }
  std::string key = runnerKey(r->t);
  auto old = impl_->runners.find({r->t.allocId, key});
  if (old != impl_->runners.end()) {
    impl_->stopRunner(old->second);
    impl_->runners.erase(old);
  }
  impl_->runners[{r->t.allocId, key}] = r;
  asio::co_spawn(impl_->io, impl_->run(r), asio::detached);
  return false;
}

void TemplateEngine::stop(const std::string& allocId, const std::string& task) {
  for (auto it = impl_->runners.lower_bound({allocId, ""});
       it != impl_->runners.end() && it->first.first == allocId;) {
    if (!task.empty() && it->second->t.task != task) {
      ++it;
      continue;
    }
    impl_->stopRunner(it->second);
    it = impl_->runners.erase(it);
  }
}

void TemplateEngine::setFailure(const std::string& ns, const std::string& job,
                                const std::string& error) {
  if (error.empty())
    impl_->failures.erase({ns, job});
  else
    impl_->failures[{ns, job}] = error;
}

void TemplateEngine::setRenewalsPaused(const std::string& ns, const std::string& job, bool paused) {
  if (paused) {
    impl_->paused.insert({ns, job});
    return;
  }
  impl_->paused.erase({ns, job});
  for (auto& [id, r] : impl_->runners) {
    if (r->t.nameSpace != ns || r->t.jobId != job) continue;
    for (auto& [k, s] : r->secrets) {
      if (s.due) asio::co_spawn(impl_->io, impl_->renew(r, k), asio::detached);
    }
  }
}

// A client agent restart rebuilds Nomad's template runners; a Vault Agent is a process inside
// the task and keeps running.
void TemplateEngine::restartAll() {
  std::vector<RunnerPtr> fresh;
  for (auto& [id, r] : impl_->runners) {
    if (r->t.agent) continue;
    impl_->stopRunner(r);
    auto f = std::make_shared<Runner>();
    f->t = r->t;
    f->last = r->last;
    f->started = r->started;
    impl_->runners[id] = f;
    fresh.push_back(f);
  }
  for (const auto& f : fresh) asio::co_spawn(impl_->io, impl_->run(f), asio::detached);
}

std::string TemplateEngine::statusJson(const std::string& ns, const std::string& job) const {
  Doc out(rapidjson::kArrayType);
  auto& al = out.GetAllocator();
  for (const auto& [id, r] : impl_->runners) {
    if (r->t.nameSpace != ns || r->t.jobId != job) continue;
    Val o(rapidjson::kObjectType);
    setMember(o, "AllocID", r->t.allocId, al);
    setMember(o, "Task", r->t.task, al);
    setMember(o, "Agent", Val(r->t.agent), al);
    setMember(o, "LoggedIn", Val(!r->token.empty()), al);
    setMember(o, "Rendered", Val(r->started), al);
    setMember(o, "Renders", Val(r->renders), al);
    Val secrets(rapidjson::kArrayType);
    for (const auto& [k, s] : r->secrets) {
      Val x(rapidjson::kObjectType);
      setMember(x, "Path", s.call.path, al);
      Val params(rapidjson::kArrayType);
      for (const auto& p : s.call.params) params.PushBack(str(p, al), al);
      setMember(x, "Params", std::move(params), al);
      setMember(x, "Issues", Val(s.issues), al);
      setMember(x, "IssuedAtMs", Val(s.issuedAtMs), al);
      setMember(x, "RenewAtMs", Val(s.renewAtMs), al);
      setMember(x, "ExpiresAtMs", Val(s.expiresAtMs), al);
      setMember(x, "RenewalDue", Val(s.due), al);
      secrets.PushBack(std::move(x), al);
    }
    setMember(o, "Secrets", std::move(secrets), al);
    out.PushBack(std::move(o), al);
  }
  return toJson(out);
}

void TemplateEngine::reset() {
  for (auto& [id, r] : impl_->runners) impl_->stopRunner(r);
  impl_->runners.clear();
  impl_->failures.clear();
  impl_->paused.clear();
  if (impl_->transport) impl_->transport->shutdown();
  impl_->transport.reset();
}

}  // namespace nc::nomadsim
