// The simulated template hook: render, fetch missing Vault data, write (after the template's
// wait quiescence), renew on timers, apply change modes after the splay, Missing events.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "go_template.hpp"
#include "http/client.hpp"
#include "task_templates_impl.hpp"

namespace nc::nomadsim {

namespace fs = std::filesystem;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string dependencyName(const SecretCall& c) {
  return c.params.empty() ? fmt::format("vault.read({})", c.path)
                          : vaultWriteName(c.path, c.params);
}

std::string secretKey(const SecretCall& c) {
  std::string k = c.path;
  for (const auto& p : c.params) k += '\x1f' + p;
  return k;
}

std::string runnerKey(const TaskTemplates& t) {
  return t.agent ? t.task + "#agent" : t.task;
}

http::Transport* TemplateEngine::Impl::vault() {
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

VaultRetry TemplateEngine::Impl::retry(const RunnerPtr& r) {
  VaultRetry v{opt.retryAttempts, opt.retryBaseMs, {}};
  auto self = shared_from_this();
  std::pair<std::string, std::string> job{r->t.nameSpace, r->t.jobId};
  v.injected = [self, job] {
    auto it = self->failures.find(job);
    return it == self->failures.end() ? std::string() : it->second;
  };
  return v;
}

TimerPtr TemplateEngine::Impl::after(const RunnerPtr& r, std::int64_t ms, std::function<void()> f) {
  auto t = std::make_shared<asio::steady_timer>(
      io, std::chrono::milliseconds(std::max<std::int64_t>(0, ms)));
  r->timers.insert(t);
  std::weak_ptr<Impl> weak = weak_from_this();
  t->async_wait([weak, r, t, f = std::move(f)](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    r->timers.erase(t);
    if (!ec && r->alive) f();
  });
  return t;
}

Result<std::vector<std::string>> TemplateEngine::Impl::render(
    Runner& r, std::map<std::string, SecretCall>* misses) {
  TemplateFuncs f;
  f.env = [&r](const std::string& n) {
    auto it = r.t.env.find(n);
    return it == r.t.env.end() ? std::string() : it->second;
  };
  f.secret = [&r, misses](const std::string& path,
                          const std::vector<std::string>& params) -> const Val* {
    SecretCall c{path, params};
    auto it = r.secrets.find(secretKey(c));
    if (it != r.secrets.end() && it->second.doc) return it->second.doc.get();
    if (misses) misses->emplace(secretKey(c), c);
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

void TemplateEngine::Impl::write(const RunnerPtr& r, const std::vector<std::string>& outs) {
  std::vector<TemplateChange> changed;
  r->last.resize(outs.size());
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (r->last[i] == outs[i]) continue;
    if (r->t.templates[i].waitMinMs >
        0) {  // consul-template quiescence: write when the data settles
      tickQuiet(r, i);
      continue;
    }
    writeOne(*r, i, outs[i], &changed);
  }
  r->renders++;
  finish(r, std::move(changed));
}

void TemplateEngine::Impl::writeOne(Runner& r, std::size_t i, const std::string& out,
                                    std::vector<TemplateChange>* changed) {
  const TemplateSpec& spec = r.t.templates[i];
  std::error_code ec;
  fs::create_directories(fs::path(spec.path).parent_path(), ec);
  std::ofstream(spec.path, std::ios::binary | std::ios::trunc) << out;
  fs::permissions(spec.path, static_cast<fs::perms>(spec.perms), ec);
  if (r.last[i] && changed)
    changed->push_back({spec.changeMode, spec.changeSignal, spec.script, spec.splayMs});
  r.last[i] = out;
}

void TemplateEngine::Impl::finish(const RunnerPtr& r, std::vector<TemplateChange> changed) {
  if (!r->started) {
    for (const auto& l : r->last) {
      if (!l) return;  // a template is still in its wait
    }
    r->started = true;
    if (!r->t.agent && hooks.rendered) hooks.rendered(r->t.allocId, r->t.task);
    return;
  }
  if (r->t.agent || changed.empty() || !hooks.rerendered) return;
  // Nomad's onTemplateRendered: nothing for noop; else wait a random 0..max(splay) first.
  std::int64_t splay = 0;
  bool act = false;
  for (const auto& c : changed) {
    if (c.mode == "noop") continue;
    act = true;
    splay = std::max(splay, c.splayMs);
  }
  if (!act) return;
  auto fire = [this, r, changed = std::move(changed)] {
    hooks.rerendered(r->t.allocId, r->t.task, changed);
  };
  if (splay <= 0) {
    fire();
    return;
  }
  after(r, std::uniform_int_distribution<std::int64_t>(0, splay - 1)(rng), std::move(fire));
}

void TemplateEngine::Impl::tickQuiet(const RunnerPtr& r, std::size_t i) {
  const TemplateSpec& spec = r->t.templates[i];
  std::int64_t now = nowMs();
  auto it = r->quiet.find(i);
  std::int64_t first = now;
  if (it != r->quiet.end()) {
    first = it->second.second;
    it->second.first->cancel();
  }
  std::int64_t delay = spec.waitMinMs;
  if (spec.waitMaxMs > 0)
    delay = std::min(delay, std::max<std::int64_t>(0, first + spec.waitMaxMs - now));
  r->quiet[i] = {after(r, delay, [this, r, i] { quietFired(r, i); }), first};
}

void TemplateEngine::Impl::quietFired(const RunnerPtr& r, std::size_t i) {
  r->quiet.erase(i);
  auto outs = render(*r, nullptr);
  if (!outs) {
    fail(r, "Template failed: " + outs.error().message);
    return;
  }
  std::vector<TemplateChange> changed;
  r->last.resize(outs.value().size());
  if (r->last[i] != outs.value()[i]) writeOne(*r, i, outs.value()[i], &changed);
  r->renders++;
  finish(r, std::move(changed));
}

// Nomad's handleFirstRender: the set of missing dependencies is reported as one Template event
// MaxTemplateEventRate after it changed, if the first render still waits then.
void TemplateEngine::Impl::noteMissing(const RunnerPtr& r,
                                       const std::map<std::string, SecretCall>& misses) {
  if (r->t.agent || r->started) return;
  std::set<std::string> names;
  for (const auto& [k, call] : misses) names.insert(dependencyName(call));
  if (names == r->missing) return;
  r->missing = std::move(names);
  if (r->missingArmed) return;
  r->missingArmed = true;
  after(r, opt.eventRateMs, [this, r] {
    r->missingArmed = false;
    if (r->started || r->missing.empty() || !hooks.missing) return;
    std::vector<std::string> list(r->missing.begin(), r->missing.end());
    if (list.size() > 3) {
      std::size_t more = list.size() - 3;
      list.resize(3);
      list.push_back(fmt::format("and {} more", more));
    }
    hooks.missing(r->t.allocId, r->t.task, fmt::format("Missing: {}", fmt::join(list, ", ")));
  });
}

void TemplateEngine::Impl::fail(const RunnerPtr& r, const std::string& display) {
  if (!r->alive) return;
  stopRunner(r);
  runners.erase({r->t.allocId, runnerKey(r->t)});
  if (!r->t.agent) {
    if (hooks.failed) hooks.failed(r->t.allocId, r->t.task, display);
  } else if (r->t.exitOnRetryFailure && hooks.agentExited) {
    hooks.agentExited(r->t.allocId, r->t.task, display);
  }
}

void TemplateEngine::Impl::stopRunner(const RunnerPtr& r) {
  r->alive = false;
  for (auto& [k, s] : r->secrets) {
    if (s.timer) s.timer->cancel();
  }
  for (const auto& t : r->timers) t->cancel();
}

// consul-template's lease check for a non-renewable secret: the certificate's remaining life
// (or the lease) times a uniform 0.85-0.95.
void TemplateEngine::Impl::schedule(const RunnerPtr& r, const std::string& k) {
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

void TemplateEngine::Impl::store(const RunnerPtr& r, const std::string& k, const SecretCall& call,
                                 Doc doc) {
  SecretState& s = r->secrets[k];
  if (s.timer) s.timer->cancel();
  s.call = call;
  s.doc = std::make_shared<Doc>(std::move(doc));
  s.issues++;
  s.due = false;
  schedule(r, k);
}

asio::awaitable<Result<Doc>> TemplateEngine::Impl::fetch(RunnerPtr r, SecretCall call) {
  if (call.params.empty()) co_return co_await vaultRead(*vault(), r->token, call.path, retry(r));
  co_return co_await vaultWrite(*vault(), r->token, call.path, call.params, retry(r));
}

asio::awaitable<bool> TemplateEngine::Impl::login(RunnerPtr r) {
  VaultRetry loginRetry = retry(r);
  loginRetry.injected = nullptr;  // the admin failure denies issuing, not the login
  std::string mount = r->t.jwtMount.empty() ? opt.jwtMount : r->t.jwtMount;
  auto tok = co_await vaultJwtLogin(*vault(), mount, r->t.vaultRole, r->t.jwt, loginRetry);
  if (!r->alive) co_return false;
  if (!tok) {
    fail(r, "Vault: failed to derive vault token: " + tok.error().message);
    co_return false;
  }
  r->token = tok.value();
  if (!r->t.secretsDir.empty()) {
    std::error_code ec;
    fs::path p = fs::path(r->t.secretsDir) / "vault_token";
    std::ofstream(p, std::ios::binary | std::ios::trunc) << r->token;
    fs::permissions(p, static_cast<fs::perms>(0666), ec);
  }
  co_return true;
}

asio::awaitable<void> TemplateEngine::Impl::renew(RunnerPtr r, std::string k) {
  auto self = shared_from_this();
  SecretCall call = r->secrets[k].call;
  auto d = co_await fetch(r, call);
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

// First render: the vault hook's login first when the task has a vault block, then loop until
// nothing is missing, fetching what the last pass asked for.
asio::awaitable<void> TemplateEngine::Impl::run(RunnerPtr r) {
  auto self = shared_from_this();
  if (r->token.empty() && r->t.deriveToken) {
    bool ok = co_await login(r);
    if (!ok) co_return;
  }
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
    noteMissing(r, misses);
    if (r->token.empty()) {
      bool ok = co_await login(r);
      if (!ok) co_return;
    }
    for (auto& [k, call] : misses) {
      auto d = co_await fetch(r, call);
      if (!r->alive) co_return;
      if (!d) {
        fail(r, "Template failed: " + d.error().message);
        co_return;
      }
      store(r, k, call, std::move(d.value()));
    }
  }
}

}  // namespace nc::nomadsim
