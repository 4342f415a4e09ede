// nomad-sim HTTP conventions and routing: faults, counters, ACL tokens, leader loss, query
// parameters, blocking queries and Nomad's plain-text errors.
#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

#include "api_impl.hpp"
#include "go_duration.hpp"

namespace nc::nomadsim {

namespace asio = boost::asio;

Result<std::unique_ptr<NomadApi>> NomadApi::create(asio::io_context& io, ApiOptions options,
                                                   ClockPtr clock) {
  auto keys = KeyRing::generate();
  if (!keys.has_value()) return keys.error();
  return std::unique_ptr<NomadApi>(
      new ApiImpl(io, std::move(options), std::move(clock), std::move(keys.value())));
}

ApiImpl::ApiImpl(asio::io_context& io, ApiOptions options, ClockPtr clock,
                 std::unique_ptr<KeyRing> keys)
    : io_(io),
      opt_(std::move(options)),
      clock_(clock),
      state_(clock),
      vars_(state_),
      keys_(std::move(keys)),
      tick_(io) {
  state_.setOnChange([this] { notifyWaiters(); });
  ClientOptions co;
  co.dataDir = opt_.dataDir;
  co.region = opt_.region;
  co.datacenter = opt_.datacenter;
  co.vaultAddr = opt_.vaultAddr;
  co.vaultJwtMount = opt_.vaultJwtMount;
  co.vaultRetryAttempts = opt_.vaultRetryAttempts;
  co.vaultRetryBaseMs = opt_.vaultRetryBaseMs;
  co.templateEventRateMs = opt_.templateEventRateMs;
  clients_ = std::make_unique<ClientSim>(io_, state_, *keys_, co);
  // The scheduler runs after the register reply, as an evaluation would.
  state_.setOnJobWrite([this](const std::string& ns, const std::string& id) {
    asio::post(io_, [this, ns, id] {
      if (!stopping_) clients_->jobChanged(ns, id);
    });
  });
  // Lock lapses and removals are timed; a 100 ms tick applies them.
  struct Ticker {
    ApiImpl* self;
    void operator()(boost::system::error_code ec) const {
      if (ec || self->stopping_) return;
      self->vars_.tick();
      self->tick_.expires_after(std::chrono::milliseconds(100));
      self->tick_.async_wait(*this);
    }
  };
  tick_.expires_after(std::chrono::milliseconds(100));
  tick_.async_wait(Ticker{this});
}

http::Handler ApiImpl::handler() {
  return [this](ServerRequest req) { return handle(std::move(req)); };
}

void ApiImpl::shutdown() {
  stopping_ = true;
  tick_.cancel();
  clients_->reset();
  notifyWaiters();
}

void ApiImpl::notifyWaiters() {
  auto copy = waiters_;
  for (auto* t : copy) t->cancel();
}

ServerResponse ApiImpl::text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  if (!body.empty() || status >= 400)
    r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

ServerResponse ApiImpl::json(int status, std::string body, std::optional<std::uint64_t> index,
                             const QueryOptions* q) const {
  ServerResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  if (index) {
    // Nomad never reports index 0, so that a blocking query can always follow.
    r.headers.push_back({"X-Nomad-Index", std::to_string(std::max<std::uint64_t>(*index, 1))});
    if (q != nullptr) {
      r.headers.push_back({"X-Nomad-KnownLeader", leader_ ? "true" : "false"});
      r.headers.push_back({"X-Nomad-LastContact", "0"});
    }
  }
  if (q != nullptr && q->pretty) {
    auto d = parseJson(body);
    if (d.has_value()) body = toJson(d.value(), true);
  }
  r.body = std::move(body);
  return r;
}

std::optional<std::string> ApiImpl::param(const ServerRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::variant<QueryOptions, ServerResponse> ApiImpl::parseQuery(const ServerRequest& req) const {
  QueryOptions q;
  if (auto r = param(req, "region"); r && !r->empty() && *r != opt_.region) {
    return text(500, "No path to region");
  }
  if (auto ns = param(req, "namespace"); ns && !ns->empty()) q.nameSpace = *ns;
  if (auto idx = param(req, "index"); idx && !idx->empty()) {
    try {
      std::size_t used = 0;
      q.index = std::stoull(*idx, &used);
      if (used != idx->size() || (*idx)[0] == '-') throw std::invalid_argument("x");
    } catch (...) {
      return text(400, "Invalid index");
    }
  }
  q.wait = opt_.maxWait;
  if (auto w = param(req, "wait"); w && !w->empty()) {
    auto ns = parseGoDuration(*w);
    if (!ns || *ns < 0) return text(400, "Invalid wait time");
    q.wait = Duration(std::chrono::nanoseconds(*ns));
    if (q.wait > opt_.maxWait) q.wait = opt_.maxWait;
  }
  if (auto s = param(req, "stale")) {
    if (s->empty() || *s == "true")
      q.stale = true;
    else if (*s != "false")
      return text(400, "Expect `true` or `false` for `stale` query string parameter");
  }
  q.prefix = param(req, "prefix").value_or("");
  q.filter = param(req, "filter").value_or("");
  if (auto p = param(req, "pretty")) q.pretty = *p != "0";
  return q;
}

Awaitable<void> ApiImpl::blockUntil(std::uint64_t minIndex, Duration wait,
                                    const std::function<std::uint64_t()>* current) {
  if (minIndex == 0) co_return;
  static std::mt19937_64 rng{std::random_device{}()};
  auto jitterMax = wait.nanos().count() / 16;
  auto jitter =
      jitterMax > 0 ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(jitterMax)) : 0;
  auto deadline =
      std::chrono::steady_clock::now() + wait.nanos() + std::chrono::nanoseconds(jitter);
  while (!stopping_ && (*current)() <= minIndex && std::chrono::steady_clock::now() < deadline) {
    asio::steady_timer timer(io_);
    timer.expires_at(deadline);
    waiters_.insert(&timer);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    waiters_.erase(&timer);
  }
}

bool ApiImpl::authorized(const ServerRequest& req) const {
  if (opt_.aclToken.empty()) return true;
  auto trim = [](std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::string token;
  if (const auto* h = req.header("X-Nomad-Token"); h != nullptr && !trim(*h).empty()) {
    token = trim(*h);
  } else if (const auto* a = req.header("Authorization");
             a != nullptr && a->rfind("Bearer ", 0) == 0) {
    token = trim(a->substr(7));
  }
  return token == opt_.aclToken;
}

Awaitable<ServerResponse> ApiImpl::handle(ServerRequest req) {
  const std::string& path = req.path;
  bool admin = path.rfind("/_sim/", 0) == 0;
  if (!admin) {
    counters_.count(req.method, path);
    sim::FaultDecision fault = faults_.decide(req.method, path);
    if (fault.latency.nanos().count() > 0) {
      asio::steady_timer t(io_);
      t.expires_after(fault.latency.nanos());
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (fault.reset) {
      ServerResponse r;
      r.resetConnection = true;
      co_return r;
    }
    if (fault.status != 0)
      co_return text(fault.status, fault.body.empty() ? "injected fault" : fault.body);
  }
  if (admin) co_return adminRoute(req);
  if (path == "/.well-known/jwks.json" || path == "/v1/agent/health" ||
      path == "/v1/status/leader" || path == "/v1/status/peers") {
    co_return agentRoute(req);
  }
  if (path.rfind("/v1/", 0) != 0) co_return text(404, "");
  // exec upgrades before it authenticates (the token may come in the first frame).
  if (path.rfind("/v1/client/allocation/", 0) == 0 && path.size() > 5 &&
      path.compare(path.size() - 5, 5, "/exec") == 0) {
    co_return execRoute(req);
  }
  bool isStream = path == "/v1/event/stream";
  if (!authorized(req)) {
    if (isStream) {  // the stream is hijacked first: a 200 that closes with no lines
      ServerResponse r;
      r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache"}};
      r.stream = [](http::StreamWriter&) -> Awaitable<void> { co_return; };
      co_return r;
    }
    co_return text(403, "Permission denied");
  }
  bool stale = param(req, "stale").has_value() && param(req, "stale") != "false";
  if (!leader_ && path.rfind("/v1/agent/", 0) != 0 && (req.method != "GET" || !stale)) {
    co_return text(500, "No cluster leader");
  }
  if (path == "/v1/jobs") {
    if (req.method == "GET") co_return co_await jobsList(std::move(req));
    if (req.method == "PUT" || req.method == "POST") co_return jobRegister(req, "");
    co_return text(405, "Invalid method");
  }
  if (path == "/v1/jobs/parse") {
    if (req.method != "PUT" && req.method != "POST") co_return text(405, "Invalid method");
    co_return jobsParse(req);
  }
  if (path.rfind("/v1/job/", 0) == 0) co_return co_await jobRoute(std::move(req));
  if (path == "/v1/vars" || path.rfind("/v1/var/", 0) == 0)
    co_return co_await varsRoute(std::move(req));
  if (isStream) co_return eventStream(req);
  if (path.rfind("/v1/agent/", 0) == 0 || path.rfind("/v1/evaluation/", 0) == 0)
    co_return agentRoute(req);
  if (path == "/v1/allocations" || path.rfind("/v1/allocation/", 0) == 0) {
    co_return co_await allocsRoute(std::move(req));
  }
  if (path.rfind("/v1/client/fs/", 0) == 0) co_return fsRoute(req);
  co_return text(404, "");
}

}  // namespace nc::nomadsim
