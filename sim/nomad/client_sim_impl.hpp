// ClientSim's private state and methods, shared by client_sim.cpp (scheduling and task
// lifecycles) and client_tasks.cpp (alloc dirs, identities, templates).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <filesystem>
#include <functional>

#include "client_sim.hpp"
#include "task_templates.hpp"

namespace nc::nomadsim {

namespace fs = std::filesystem;
namespace asio = boost::asio;

struct ClientSim::Impl {
  asio::io_context& io;
  SimState& state;
  const KeyRing& keys;
  const ClientOptions& opt;
  std::map<std::string, Allocation> allocs;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> byJob;  ///< alloc IDs
  std::set<std::shared_ptr<asio::steady_timer>> timers;
  std::unique_ptr<TemplateEngine> templates;
  std::map<std::string, std::set<std::string>>
      waiting;                       ///< alloc -> tasks whose first render is pending
  std::deque<std::string> starting;  ///< placed allocations the client has not started
  bool startScheduled = false;

  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               state.clock().now().time_since_epoch())
        .count();
  }

  void after(int ms, std::function<void()> f);

  void publish(const std::string& type, const std::vector<std::string>& ids, std::uint64_t index);

  std::vector<Allocation*> jobAllocs(const std::string& ns, const std::string& job);

  void updateJob(const std::string& ns, const std::string& jobId, std::uint64_t index);
  void updateJobsOf(const std::vector<std::string>& allocIds, std::uint64_t index);
  /// After a client-side change of these allocations (none: nothing to do): the
  /// AllocationUpdated event, their jobs' summaries, and a wake-up of blocking queries.
  void allocationsUpdated(const std::vector<std::string>& allocIds, std::uint64_t index);

  Doc parsed(const JsonPtr& p) { return std::move(parseJson(*p).value()); }

  void stopDesired(Allocation& a, const std::string& why);

  void schedule(const std::string& ns, const std::string& jobId);

  void start(const std::vector<std::string>& ids);  ///< queues them for startSome()
  void startSome();

  void terminate(TaskState& ts, std::int64_t t);

  void finishBatch(const std::vector<std::string>& ids);

  void kill(const std::vector<std::string>& ids);

  static std::vector<const Val*> taskList(const Val& job, const std::string& group);

  /// Runs the tasks of allocations whose templates are ready.
  void runTasks(const std::vector<std::string>& ids);

  // client_tasks.cpp: alloc dirs, identities, templates and their events.
  void makeDirs(const Allocation& a, const Val& job);
  /// The task's template context: env, Vault role, identity, secrets dir.
  TaskTemplates taskTemplates(const Allocation& a, const Val& task, const fs::path& root);
  /// Starts the task's templates: true = ready, false = waiting for Vault, error = failed.
  Result<bool> startTemplates(const Allocation& a, const Val& task, const fs::path& root);
  std::string identityJwt(const Allocation& a, const Val& task, const Val& identity);
  void templatesRendered(const std::string& allocId, const std::string& task);
  void templatesChanged(const std::string& allocId, const std::string& task,
                        const std::vector<TemplateChange>& changed);
  void templateMissing(const std::string& allocId, const std::string& task,
                       const std::string& display);
  /// change_mode script: runs it in the task, emits its hook event; false = fail the task.
  bool runChangeScript(Allocation& a, const std::string& task, const ChangeScript& sc);
  /// Kills the task with a failing Killing event; siblings stop, the allocation fails.
  void failTask(const std::string& allocId, const std::string& task, const std::string& display);
  /// The task is dead and failed: siblings are killed, the allocation fails.
  void failAlloc(Allocation& a, const std::string& task, std::int64_t t);

  // client_agent.cpp: a task running `vault agent` gets the agent's auto-auth and templates.
  void startAgent(const std::string& allocId, const std::string& task);
  /// The agent process exited (exit_on_retry_failure, bad config): the task fails with exit code 1.
  void agentExited(const std::string& allocId, const std::string& task, const std::string& error);
};

}  // namespace nc::nomadsim
