// The simulated template hook: render, fetch missing Vault data, write, renew on timers.
#include "task_templates.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>

#include "go_template.hpp"
#include "http/client.hpp"
#include "template_vault.hpp"

namespace nc::nomadsim {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct SecretCall {
  std::string path;
  std::vector<std::string> params;
};

struct SecretState {
  SecretCall call;
  std::shared_ptr<Doc> doc;
  std::shared_ptr<asio::steady_timer> timer;
  std::int64_t issuedAtMs = 0, renewAtMs = 0, expiresAtMs = 0;
  int issues = 0;
  bool due = false;  ///< came due while renewals were paused
};

std::string key(const SecretCall& c) {
  std::string k = c.path;
  for (const auto& p : c.params) k += '\x1f' + p;
  return k;
}

}  // namespace

struct Runner {
  TaskTemplates t;
  std::string token;
  std::map<std::string, SecretState> secrets;
  std::vector<std::optional<std::string>> last;  ///< content last written, per template
  bool alive = true, started = false;
  int renders = 0;
};
using RunnerPtr = std::shared_ptr<Runner>;

struct TemplateEngine::Impl : std::enable_shared_from_this<TemplateEngine::Impl> {
  asio::io_context& io;
  TemplateEngineOptions opt;
  TemplateHooks hooks;
  http::HttpTransportPtr transport;
  std::map<std::pair<std::string, std::string>, RunnerPtr> runners;  ///< (alloc, task)
  std::map<std::pair<std::string, std::string>, std::string> failures;  ///< (ns, job) -> error
  std::set<std::pair<std::string, std::string>> paused;
  std::mt19937_64 rng{std::random_device{}()};

  Impl(asio::io_context& i, TemplateEngineOptions o, TemplateHooks h) : io(i), opt(std::move(o)), hooks(std::move(h)) {}

  http::Transport* vault() {
    if (!transport && !opt.vaultAddr.empty()) {
      http::ClientOptions co;
      co.baseUrl = opt.vaultAddr;
      co.name = "vault";
      co.retry.maxAttempts = 1;  // the runner retries itself
      co.requestTimeout = Duration::seconds(10);
      auto t = http::makeTransport(io, co);
      if (t) transport = t.value();
    }
    return transport.get();
  }

  VaultRetry retry(const RunnerPtr& r) {
    VaultRetry v{opt.retryAttempts, opt.retryBaseMs, {}};
    auto self = shared_from_this();
    std::pair<std::string, std::string> job{r->t.nameSpace, r->t.jobId};
    v.injected = [self, job] {
      auto it = self->failures.find(job);
      return it == self->failures.end() ? std::string() : it->second;
    };
    return v;
  }

  // Renders every template with the data at hand; misses collects secret calls not fetched yet.
  Result<std::vector<std::string>> render(Runner& r, std::map<std::string, SecretCall>* misses) {
    TemplateFuncs f;
    f.env = [&r](const std::string& n) {
      auto it = r.t.env.find(n);
      return it == r.t.env.end() ? std::string() : it->second;
    };
    f.secret = [&r, misses](const std::string& path, const std::vector<std::string>& params) -> const Val* {
      SecretCall c{path, params};
      auto it = r.secrets.find(key(c));
      if (it != r.secrets.end() && it->second.doc) return it->second.doc.get();
      if (misses) misses->emplace(key(c), c);
      return nullptr;
    };
    std::vector<std::string> out;
    for (const auto& spec : r.t.templates) {
      auto text = renderGoTemplate(spec.data, spec.left, spec.right, f);
      if (!text) return text.error();
      out.push_back(std::move(text.value()));
    }
    return out;
  }

  // Writes changed files; the first time reports the task ready, later the change modes.
  void write(const RunnerPtr& r, const std::vector<std::string>& outs) {
    std::vector<std::pair<std::string, std::string>> changed;
    r->last.resize(outs.size());
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (r->last[i] == outs[i]) continue;
      const TemplateSpec& spec = r->t.templates[i];
      std::error_code ec;
      fs::create_directories(fs::path(spec.path).parent_path(), ec);
      std::ofstream(spec.path, std::ios::binary | std::ios::trunc) << outs[i];
      fs::permissions(spec.path, static_cast<fs::perms>(spec.perms), ec);
      if (r->last[i]) changed.emplace_back(spec.changeMode, spec.changeSignal);
      r->last[i] = outs[i];
    }
    r->renders++;
    if (!r->started) {
      r->started = true;
      if (hooks.rendered) hooks.rendered(r->t.allocId, r->t.task);
    } else if (!changed.empty() && hooks.rerendered) {
      hooks.rerendered(r->t.allocId, r->t.task, std::move(changed));
    }
  }

  void fail(const RunnerPtr& r, const std::string& display) {
    if (!r->alive) return;
    stopRunner(r);
    runners.erase({r->t.allocId, r->t.task});
    if (hooks.failed) hooks.failed(r->t.allocId, r->t.task, display);
  }

  void stopRunner(const RunnerPtr& r) {
    r->alive = false;
    for (auto& [k, s] : r->secrets) {
      if (s.timer) s.timer->cancel();
    }
  }

  // consul-template's lease check for a non-renewable secret: the certificate's remaining life
  // (or the lease) times a uniform 0.85-0.95.
  void schedule(const RunnerPtr& r, const std::string& k) {
    SecretState& s = r->secrets[k];
    const Val* data = member(*s.doc, "data");
    double base = static_cast<double>(getInt(*s.doc, "lease_duration"));
    std::int64_t now = nowMs();
    if (data && member(*data, "certificate") && getString(*s.doc, "lease_id").empty()) {
      std::int64_t exp = getInt(*data, "expiration");
      base = static_cast<double>(exp) - static_cast<double>(now) / 1000.0;
      s.expiresAtMs = exp * 1000;
    }
    if (base <= 0) base = 300;
    double f = std::uniform_real_distribution<double>(0.85, 0.95)(rng);
    auto delay = static_cast<std::int64_t>(base * f * 1000);
    s.issuedAtMs = now;
    s.renewAtMs = now + delay;
    s.timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(delay));
    std::weak_ptr<Impl> weak = weak_from_this();
    s.timer->async_wait([weak, r, k](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !r->alive) return;
      if (self->paused.count({r->t.nameSpace, r->t.jobId})) {
        r->secrets[k].due = true;
        return;
      }
      asio::co_spawn(self->io, self->renew(r, k), asio::detached);
    });
  }

  asio::awaitable<void> renew(RunnerPtr r, std::string k) {
    auto self = shared_from_this();
    SecretCall call = r->secrets[k].call;
    auto d = co_await vaultWrite(*vault(), r->token, call.path, call.params, retry(r));
    if (!r->alive) co_return;
    if (!d) {
      fail(r, "Template failed: " + d.error().message);
      co_return;
    }
    store(r, k, call, std::move(d.value()));
    auto outs = render(*r, nullptr);
    if (!outs) {
      fail(r, "Template failed: " + outs.error().message);
      co_return;
    }
    write(r, outs.value());
  }

  void store(const RunnerPtr& r, const std::string& k, const SecretCall& call, Doc doc) {
    SecretState& s = r->secrets[k];
    if (s.timer) s.timer->cancel();
    s.call = call;
    s.doc = std::make_shared<Doc>(std::move(doc));
    s.issues++;
    s.due = false;
    schedule(r, k);
  }

  // First render: loop until nothing is missing, fetching what the last pass asked for.
  asio::awaitable<void> run(RunnerPtr r) {
    auto self = shared_from_this();
    for (int pass = 0; pass < 16 && r->alive; ++pass) {
      std::map<std::string, SecretCall> misses;
      auto outs = render(*r, &misses);
      if (!outs) {
        fail(r, "Template failed: " + outs.error().message);
        co_return;
      }
      if (misses.empty()) {
        write(r, outs.value());
        co_return;
      }
      if (r->token.empty()) {
        VaultRetry loginRetry = retry(r);
        loginRetry.injected = nullptr;  // the admin failure denies issuing, not the login
        auto tok = co_await vaultJwtLogin(*vault(), opt.jwtMount, r->t.vaultRole, r->t.jwt, loginRetry);
        if (!r->alive) co_return;
        if (!tok) {
          fail(r, "Vault: failed to derive vault token: " + tok.error().message);
          co_return;
        }
        r->token = tok.value();
        if (!r->t.secretsDir.empty()) {
          std::error_code ec;
          fs::path p = fs::path(r->t.secretsDir) / "vault_token";
          std::ofstream(p, std::ios::binary | std::ios::trunc) << r->token;
          fs::permissions(p, static_cast<fs::perms>(0666), ec);
        }
      }
      for (auto& [k, call] : misses) {
        auto d = co_await vaultWrite(*vault(), r->token, call.path, call.params, retry(r));
        if (!r->alive) co_return;
        if (!d) {
          fail(r, "Template failed: " + d.error().message);
          co_return;
        }
        store(r, k, call, std::move(d.value()));
      }
    }
  }
};

TemplateEngine::TemplateEngine(asio::io_context& io, TemplateEngineOptions options, TemplateHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(hooks))) {}

TemplateEngine::~TemplateEngine() { reset(); }

Result<bool> TemplateEngine::start(TaskTemplates t) {
  auto r = std::make_shared<Runner>();
  r->t = std::move(t);
  if (impl_->vault() == nullptr) {  // no Vault configured: templates that need it stay unwritten
    std::erase_if(r->t.templates, [](const TemplateSpec& s) { return templateUsesSecret(s.data, s.left, s.right); });
  }
  std::map<std::string, SecretCall> misses;
  auto outs = impl_->render(*r, &misses);
  if (!outs) return Error(errc::invalid_argument, "Template failed: " + outs.error().message);
  if (misses.empty()) {
    r->started = true;  // written now; no hook, the caller starts the task
    impl_->write(r, outs.value());
    return true;
  }
  stop(r->t.allocId, r->t.task);
  impl_->runners[{r->t.allocId, r->t.task}] = r;
  asio::co_spawn(impl_->io, impl_->run(r), asio::detached);
  return false;
}

void TemplateEngine::stop(const std::string& allocId, const std::string& task) {
  for (auto it = impl_->runners.lower_bound({allocId, task}); it != impl_->runners.end() && it->first.first == allocId;) {
    if (!task.empty() && it->first.second != task) break;
    impl_->stopRunner(it->second);
    it = impl_->runners.erase(it);
  }
}

void TemplateEngine::setFailure(const std::string& ns, const std::string& job, const std::string& error) {
  if (error.empty()) impl_->failures.erase({ns, job});
  else impl_->failures[{ns, job}] = error;
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

void TemplateEngine::restartAll() {
  auto old = std::move(impl_->runners);
  impl_->runners.clear();
  for (auto& [id, r] : old) {
    impl_->stopRunner(r);
    auto fresh = std::make_shared<Runner>();
    fresh->t = r->t;
    fresh->last = r->last;
    fresh->started = r->started;
    impl_->runners[id] = fresh;
    asio::co_spawn(impl_->io, impl_->run(fresh), asio::detached);
  }
}

std::string TemplateEngine::statusJson(const std::string& ns, const std::string& job) const {
  Doc out(rapidjson::kArrayType);
  auto& al = out.GetAllocator();
  for (const auto& [id, r] : impl_->runners) {
    if (r->t.nameSpace != ns || r->t.jobId != job) continue;
    Val o(rapidjson::kObjectType);
    setMember(o, "AllocID", r->t.allocId, al);
    setMember(o, "Task", r->t.task, al);
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
