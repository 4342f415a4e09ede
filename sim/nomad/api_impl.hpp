// NomadApi's implementation, shared by the api_*.cpp sources only (it pulls in Asio).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api.hpp"
#include "client_sim.hpp"
#include "common/fault_table.hpp"
#include "keyring.hpp"
#include "state.hpp"
#include "state_vars.hpp"

namespace nc::nomadsim {

using http::ServerRequest;
using http::ServerResponse;
template <class T>
using Awaitable = boost::asio::awaitable<T>;

/// The common query parameters of §1.3, parsed.
struct QueryOptions {
  std::string nameSpace = "default";
  std::uint64_t index = 0;
  Duration wait;
  bool stale = false;
  std::string prefix;
  std::string filter;
  bool pretty = false;
};

struct ExecRequest {
  std::string allocId, task, commandJson, headerToken;
  bool handshake = false;
};

class ApiImpl final : public NomadApi {
 public:
  ApiImpl(boost::asio::io_context& io, ApiOptions options, ClockPtr clock,
          std::unique_ptr<KeyRing> keys);
  http::Handler handler() override;
  void shutdown() override;

  Awaitable<ServerResponse> handle(ServerRequest req);

  // ---- conventions (api_http.cpp) ----
  static ServerResponse text(int status, std::string body);
  /// JSON reply; with an index, the read meta headers (X-Nomad-Index, KnownLeader, LastContact).
  ServerResponse json(int status, std::string body, std::optional<std::uint64_t> index,
                      const QueryOptions* q = nullptr) const;
  /// Parses §1.3 parameters; a response when they are invalid.
  std::variant<QueryOptions, ServerResponse> parseQuery(const ServerRequest& req) const;
  /// Blocks until current() > minIndex, the wait (capped, plus jitter) expires, or shutdown.
  /// current points to a caller's local (a pointer: GCC 12 mishandles temporaries passed to
  /// coroutines).
  Awaitable<void> blockUntil(std::uint64_t minIndex, Duration wait,
                             const std::function<std::uint64_t()>* current);
  void notifyWaiters();
  bool authorized(const ServerRequest& req) const;
  static std::optional<std::string> param(const ServerRequest& req, std::string_view name);

  // ---- endpoints ----
  Awaitable<ServerResponse> jobsList(ServerRequest req);  // api_jobs.cpp
  ServerResponse jobRegister(const ServerRequest& req, const std::string& pathId);
  ServerResponse jobsParse(const ServerRequest& req);
  Awaitable<ServerResponse> jobRoute(ServerRequest req);
  ServerResponse jobPlan(const ServerRequest& req, const std::string& id);  // api_plan.cpp
  ServerResponse jobDelete(const ServerRequest& req, const std::string& id);
  Awaitable<ServerResponse> jobVersions(ServerRequest req);
  Awaitable<ServerResponse> varsRoute(ServerRequest req);  // api_vars.cpp
  ServerResponse eventStream(const ServerRequest& req);    // api_events.cpp
  Awaitable<void> streamEvents(EventFilter filter, std::uint64_t from, http::StreamWriter& out);
  ServerResponse agentRoute(const ServerRequest& req);       // api_agent.cpp
  ServerResponse adminRoute(const ServerRequest& req);       // api_admin.cpp
  Awaitable<ServerResponse> allocsRoute(ServerRequest req);  // api_allocs.cpp
  std::string jobAllocsJson(const std::string& ns, const std::string& jobId) const;
  ServerResponse fsRoute(const ServerRequest& req);
  ServerResponse execRoute(const ServerRequest& req);  // api_exec.cpp
  Awaitable<void> execSession(ExecRequest er, http::ServerWebSocket& ws);

  boost::asio::io_context& io_;
  ApiOptions opt_;
  ClockPtr clock_;
  SimState state_;
  VarService vars_;
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<ClientSim> clients_;
  sim::FaultTable faults_;
  sim::RequestCounters counters_;
  std::set<boost::asio::steady_timer*> waiters_;
  boost::asio::steady_timer tick_;
  bool stopping_ = false;
  bool leader_ = true;
};

}  // namespace nc::nomadsim
