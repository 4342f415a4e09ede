// A task's templates as Nomad's template hook runs them: render with consul-template semantics,
// log in to Vault with the workload identity, issue `secret` writes (one per identical call),
// write the files, re-issue at 85-95 % of each certificate's life, report re-renders and failures.
// Also runs a simulated Vault Agent's templates (agent semantics: no Nomad events).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace boost::asio {
class io_context;
}

namespace nc::nomadsim {

struct ChangeScript {
  std::string command;
  std::vector<std::string> args;
  bool failOnError = false;
};

struct TemplateSpec {
  std::string data, left = "{{", right = "}}";
  std::string path;  ///< absolute destination on disk
  int perms = 0644;
  std::string changeMode = "restart", changeSignal;
  ChangeScript script;         ///< change_mode = "script"
  std::int64_t splayMs = 0;    ///< the change action waits a random 0..splay after a re-render
  std::int64_t waitMinMs = 0;  ///< wait {min,max}: quiescence before writing (0 = none)
  std::int64_t waitMaxMs = 0;
};

/// What a re-rendered template asks for (its change_mode and the mode's parameters).
struct TemplateChange {
  std::string mode, signal;
  ChangeScript script;
  std::int64_t splayMs = 0;
};

struct TaskTemplates {
  std::string allocId, nameSpace, jobId, task;
  std::vector<TemplateSpec> templates;
  std::map<std::string, std::string> env;
  std::string vaultRole;   ///< from the task's vault block; "" = the auth method's default role
  std::string jwt;         ///< the identity JWT to log in with
  std::string jwtMount;    ///< "" = the engine's mount
  std::string secretsDir;  ///< where secrets/vault_token goes ("" = nowhere)
  bool deriveToken =
      false;          ///< the task has a vault block: log in before rendering (Nomad's vault hook)
  std::string token;  ///< a token to use as is (Vault Agent token_file auth)
  /// A Vault Agent's templates: renders are invisible to Nomad (no events, no task gating);
  /// exitOnRetryFailure makes a Vault failure end the agent (hooks.agentExited).
  bool agent = false;
  bool exitOnRetryFailure = false;
};

struct TemplateEngineOptions {
  std::string vaultAddr;
  std::string jwtMount = "jwt-nomad";
  int retryAttempts = 3;   ///< Vault attempts per request before the template fails
  int retryBaseMs = 100;   ///< first backoff, doubled per attempt
  int eventRateMs = 3000;  ///< Nomad's MaxTemplateEventRate: a Missing event after this long
};

/// Called on the io_context thread.
struct TemplateHooks {
  /// First render finished: the task may start.
  std::function<void(const std::string& alloc, const std::string& task)> rendered;
  /// A later render changed files (called after the splay): each changed template's change mode.
  std::function<void(const std::string& alloc, const std::string& task,
                     std::vector<TemplateChange> changed)>
      rerendered;
  /// The first render still waits for data: a "Missing: ..." Template event.
  std::function<void(const std::string& alloc, const std::string& task, const std::string& display)>
      missing;
  /// A Vault Agent with exit_on_retry_failure gave up (its process exits with code 1).
  std::function<void(const std::string& alloc, const std::string& task, const std::string& error)>
      agentExited;
  /// The runner gave up; display is the Killing event's message ("Template failed: ...").
  std::function<void(const std::string& alloc, const std::string& task, const std::string& display)>
      failed;
};

class TemplateEngine {
 public:
  TemplateEngine(boost::asio::io_context& io, TemplateEngineOptions options, TemplateHooks hooks);
  ~TemplateEngine();

  /// Starts a task's templates. true: rendered now (no Vault data needed); false: waiting for
  /// Vault (hooks follow); error: the template cannot be rendered ("Template failed: ..." text).
  Result<bool> start(TaskTemplates t);
  /// Stops renewals of an allocation (all tasks, or one task; a task's agent runner included).
  void stop(const std::string& allocId, const std::string& task = "");
  /// Makes every Vault request of the job's tasks fail with error ("" = back to normal).
  void setFailure(const std::string& ns, const std::string& job, const std::string& error);
  /// Pauses re-issuing for a job; resuming re-issues what came due meanwhile.
  void setRenewalsPaused(const std::string& ns, const std::string& job, bool paused);
  /// A client restart: every runner is rebuilt (new login, new issuance, re-render).
  void restartAll();
  /// JSON array describing the job's runners (tokens are not shown).
  std::string statusJson(const std::string& ns, const std::string& job) const;
  void reset();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nc::nomadsim
