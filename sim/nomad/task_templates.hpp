// A task's templates as Nomad's template hook runs them: render with consul-template semantics,
// log in to Vault with the workload identity, issue `secret` writes (one per identical call),
// write the files, re-issue at 85-95 % of each certificate's life, report re-renders and failures.
#pragma once

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

struct TemplateSpec {
  std::string data, left = "{{", right = "}}";
  std::string path;  ///< absolute destination on disk
  int perms = 0644;
  std::string changeMode = "restart", changeSignal;
};

struct TaskTemplates {
  std::string allocId, nameSpace, jobId, task;
  std::vector<TemplateSpec> templates;
  std::map<std::string, std::string> env;
  std::string vaultRole;  ///< from the task's vault block; "" = the auth method's default role
  std::string jwt;        ///< the vault_default identity
  std::string secretsDir;  ///< where secrets/vault_token goes ("" = nowhere)
};

struct TemplateEngineOptions {
  std::string vaultAddr;
  std::string jwtMount = "jwt-nomad";
  int retryAttempts = 3;   ///< Vault attempts per request before the template fails
  int retryBaseMs = 100;   ///< first backoff, doubled per attempt
};

/// Called on the io_context thread.
struct TemplateHooks {
  /// First render finished: the task may start.
  std::function<void(const std::string& alloc, const std::string& task)> rendered;
  /// A later render changed files; (change_mode, change_signal) of each changed template.
  std::function<void(const std::string& alloc, const std::string& task,
                     std::vector<std::pair<std::string, std::string>> changed)>
      rerendered;
  /// The runner gave up; display is the Killing event's message ("Template failed: ...").
  std::function<void(const std::string& alloc, const std::string& task, const std::string& display)> failed;
};

class TemplateEngine {
 public:
  TemplateEngine(boost::asio::io_context& io, TemplateEngineOptions options, TemplateHooks hooks);
  ~TemplateEngine();

  /// Starts a task's templates. true: rendered now (no Vault data needed); false: waiting for
  /// Vault (hooks follow); error: the template cannot be rendered ("Template failed: ..." text).
  Result<bool> start(TaskTemplates t);
  /// Stops renewals of an allocation (all tasks, or one task).
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
