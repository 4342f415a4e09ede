// TemplateEngine's private state, shared by task_templates.cpp (render, fetch, write, renew) and
// task_templates_control.cpp (start/stop and the admin controls).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "http/client.hpp"
#include "json.hpp"
#include "task_templates.hpp"
#include "template_vault.hpp"

namespace nc::nomadsim {

namespace asio = boost::asio;
using TimerPtr = std::shared_ptr<asio::steady_timer>;

struct SecretCall {
  std::string path;
  std::vector<std::string> params;  ///< empty: a read (GET); else a write with these k=v
};

struct SecretState {
  SecretCall call;
  std::shared_ptr<Doc> doc;
  TimerPtr timer;
  std::int64_t issuedAtMs = 0, renewAtMs = 0, expiresAtMs = 0;
  int issues = 0;
  bool due = false;  ///< came due while renewals were paused
};

struct Runner {
  TaskTemplates t;
  std::string token;
  std::map<std::string, SecretState> secrets;
  std::vector<std::optional<std::string>> last;  ///< content last written, per template
  std::map<std::size_t, std::pair<TimerPtr, std::int64_t>>
      quiet;                      ///< template -> (wait timer, first tick ms)
  std::set<TimerPtr> timers;      ///< splay and Missing-event timers
  std::set<std::string> missing;  ///< dependencies the first render waits for
  bool missingArmed = false;
  bool alive = true, started = false;
  int renders = 0;
};
using RunnerPtr = std::shared_ptr<Runner>;

std::int64_t nowMs();
/// consul-template's dependency name: vault.read(path) or vault.write(path -> hash).
std::string dependencyName(const SecretCall& c);
std::string secretKey(const SecretCall& c);
/// The runners map key: the task, or "<task>#agent" for its Vault Agent.
std::string runnerKey(const TaskTemplates& t);

struct TemplateEngine::Impl : std::enable_shared_from_this<TemplateEngine::Impl> {
  asio::io_context& io;
  TemplateEngineOptions opt;
  TemplateHooks hooks;
  http::HttpTransportPtr transport;
  std::map<std::pair<std::string, std::string>, RunnerPtr> runners;     ///< (alloc, runnerKey)
  std::map<std::pair<std::string, std::string>, std::string> failures;  ///< (ns, job) -> error
  std::set<std::pair<std::string, std::string>> paused;
  std::mt19937_64 rng{std::random_device{}()};

  Impl(asio::io_context& i, TemplateEngineOptions o, TemplateHooks h)
      : io(i), opt(std::move(o)), hooks(std::move(h)) {}

  http::Transport* vault();
  VaultRetry retry(const RunnerPtr& r);
  /// Runs f after ms unless the runner stopped first.
  TimerPtr after(const RunnerPtr& r, std::int64_t ms, std::function<void()> f);

  // Renders every template with the data at hand; misses collects secret calls not fetched yet.
  Result<std::vector<std::string>> render(Runner& r, std::map<std::string, SecretCall>* misses);
  /// Writes changed templates (those with a wait go through quiescence first), then finish().
  void write(const RunnerPtr& r, const std::vector<std::string>& outs);
  void writeOne(Runner& r, std::size_t i, const std::string& out,
                std::vector<TemplateChange>* changed);
  /// First render complete: hooks.rendered; later: the change actions after the splay.
  void finish(const RunnerPtr& r, std::vector<TemplateChange> changed);
  void tickQuiet(const RunnerPtr& r, std::size_t i);
  void quietFired(const RunnerPtr& r, std::size_t i);
  void noteMissing(const RunnerPtr& r, const std::map<std::string, SecretCall>& misses);

  void fail(const RunnerPtr& r, const std::string& display);
  void stopRunner(const RunnerPtr& r);
  void schedule(const RunnerPtr& r, const std::string& k);
  void store(const RunnerPtr& r, const std::string& k, const SecretCall& call, Doc doc);
  asio::awaitable<Result<Doc>> fetch(RunnerPtr r, SecretCall call);
  asio::awaitable<bool> login(RunnerPtr r);
  asio::awaitable<void> renew(RunnerPtr r, std::string k);
  asio::awaitable<void> run(RunnerPtr r);
};

}  // namespace nc::nomadsim
