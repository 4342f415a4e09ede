// HttpTransport: keep-alive pool per origin with a cap, deadlines, retries with backoff and a
// retry budget, allow-listed 307/308 redirects, streams, and shutdown.
#include <deque>
#include <map>
#include <random>
#include <set>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/client.hpp"
#include "http/client_conn.hpp"

namespace nc::http {
namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;

/// Closers of everything in flight, so shutdown() can abort it; shared with handed-out streams.
struct Closers {
  std::uint64_t next = 1;
  std::map<std::uint64_t, std::function<void()>> fns;
  std::uint64_t add(std::function<void()> f) {
    fns.emplace(next, std::move(f));
    return next++;
  }
};

std::string pathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

class TrackedLineStream final : public LineStream {
 public:
  TrackedLineStream(std::shared_ptr<Closers> c, LineStreamPtr inner)
      : closers_(std::move(c)), inner_(std::move(inner)) {
    id_ = closers_->add([p = inner_.get()] { p->close(); });
  }
  ~TrackedLineStream() override { closers_->fns.erase(id_); }
  net::awaitable<Result<std::optional<std::string>>> nextLine(Duration idle) override {
    return inner_->nextLine(idle);
  }
  void close() override { inner_->close(); }

 private:
  std::shared_ptr<Closers> closers_;
  LineStreamPtr inner_;
  std::uint64_t id_ = 0;
};

class TrackedWebSocket final : public WebSocket {
 public:
  TrackedWebSocket(std::shared_ptr<Closers> c, std::unique_ptr<ClientWebSocket> inner)
      : closers_(std::move(c)), inner_(std::move(inner)) {
    id_ = closers_->add([p = inner_.get()] { p->abort(); });
  }
  ~TrackedWebSocket() override { closers_->fns.erase(id_); }
  net::awaitable<Result<void>> send(std::string text) override {
    return inner_->send(std::move(text));
  }
  net::awaitable<Result<std::optional<std::string>>> receive(Duration idle) override {
    return inner_->receive(idle);
  }
  int closeCode() const override { return inner_->closeCode(); }
  const std::string& closeReason() const override { return inner_->closeReason(); }
  net::awaitable<void> close() override { return inner_->close(); }

 private:
  std::shared_ptr<Closers> closers_;
  std::unique_ptr<ClientWebSocket> inner_;
  std::uint64_t id_ = 0;
};

class HttpTransportImpl final : public HttpTransport,
                                public std::enable_shared_from_this<HttpTransportImpl> {
 public:
  HttpTransportImpl(net::io_context& io, ClientOptions o, Origin base, std::vector<Origin> allowed,
                    std::shared_ptr<ClientTls> tls)
      : io_(io),
        opts_(std::move(o)),
        base_(std::move(base)),
        baseUrl_(base_.toString()),
        allowed_(std::move(allowed)),
        tls_(std::move(tls)),
        budget_(opts_.retry.budgetTokens, opts_.retry.budgetSuccessCredit),
        rng_(std::random_device{}()) {}

  const std::string& baseUrl() const override { return baseUrl_; }

  net::awaitable<Result<Response>> send(Request request) override {
    auto self = shared_from_this();
    co_return co_await self->sendWithRetries(std::move(request));
  }

  net::awaitable<Result<LineStreamPtr>> openLineStream(Request request) override {
    auto self = shared_from_this();
    auto deadline = deadlineFor(request);
    auto conn = co_await self->connect(base_, deadline);
    if (!conn) co_return conn.error();
    std::string what = request.method + " " + pathOf(request.target) + " on " + baseUrl_;
    auto id = closers_->add([c = conn->get()] { c->close(); });
    auto r = co_await (*conn)->openLines(
        toBeastRequest(request, base_.hostHeader(), request.target, opts_.userAgent), deadline,
        opts_.maxBodyBytes, what);
    closers_->fns.erase(id);
    if (!r) co_return r.error();
    if (shutdown_) co_return makeError(errc::cancelled, what + ": transport shut down");
    co_return LineStreamPtr(std::make_unique<TrackedLineStream>(closers_, std::move(*r)));
  }

  net::awaitable<Result<WebSocketPtr>> openWebSocket(Request request) override {
    auto self = shared_from_this();
    auto deadline = deadlineFor(request);
    auto conn = co_await self->connect(base_, deadline);
    if (!conn) co_return conn.error();
    std::string what = "websocket " + pathOf(request.target) + " on " + baseUrl_;
    auto id = closers_->add([c = conn->get()] { c->close(); });
    auto r = co_await (*conn)->openWebSocket(
        toBeastRequest(request, base_.hostHeader(), request.target, opts_.userAgent), deadline,
        what);
    closers_->fns.erase(id);
    if (!r) co_return r.error();
    if (shutdown_) co_return makeError(errc::cancelled, what + ": transport shut down");
    co_return WebSocketPtr(std::make_unique<TrackedWebSocket>(closers_, std::move(*r)));
  }

  void shutdown() override {
    net::dispatch(io_, [self = shared_from_this()] { self->doShutdown(); });
  }

 private:
  struct Pool {
    std::vector<std::unique_ptr<ClientConn>> idle;
    std::size_t active = 0;
    std::deque<std::shared_ptr<net::steady_timer>> waiters;
  };
  struct Lease {
    std::unique_ptr<ClientConn> conn;
    bool reused = false;
  };

  Deadline deadlineFor(const Request& r) const {
    return Clock::now() + (r.timeout ? *r.timeout : opts_.requestTimeout).nanos();
  }

  Error cancelled(const std::string& what) const {
    return makeError(errc::cancelled, what + ": transport shut down");
  }

  void doShutdown() {
    if (shutdown_) return;
    shutdown_ = true;
    for (auto& [key, pool] : pools_) {
      pool.idle.clear();
      for (auto& w : pool.waiters) w->cancel();
    }
    for (auto& t : sleeping_) t->cancel();
    auto fns = closers_->fns;
    for (auto& [id, fn] : fns) fn();
  }

  net::awaitable<Result<std::unique_ptr<ClientConn>>> connect(Origin origin, Deadline deadline) {
    if (shutdown_) co_return cancelled("connect to " + origin.toString());
    auto conn = makeConn(io_.get_executor(), origin.tls() ? tls_ : nullptr);
    auto id = closers_->add([c = conn.get()] { c->close(); });
    auto r = co_await conn->open(origin,
                                 std::min(deadline, Clock::now() + opts_.connectTimeout.nanos()));
    closers_->fns.erase(id);
    if (shutdown_) co_return cancelled("connect to " + origin.toString());
    if (!r) co_return r.error();
    co_return conn;
  }

  void wakeOne(Pool& pool) {
    if (pool.waiters.empty()) return;
    pool.waiters.front()->cancel();
    pool.waiters.pop_front();
  }

  net::awaitable<Result<Lease>> acquire(Origin origin, Deadline deadline) {
    const std::string key = origin.toString();
    for (;;) {
      if (shutdown_) co_return cancelled("connect to " + key);
      Pool& pool = pools_[key];
      while (!pool.idle.empty()) {
        Lease lease{std::move(pool.idle.back()), true};
        pool.idle.pop_back();
        if (!lease.conn->idleUsable()) {  // closed by the server while idle
          lease.conn->close();
          continue;
        }
        ++pool.active;
        co_return lease;
      }
      if (pool.active < opts_.maxConnections) {
        ++pool.active;
        auto conn = co_await connect(origin, deadline);
        if (!conn) {
          release(key, nullptr, false);
          co_return conn.error();
        }
        co_return Lease{std::move(*conn), false};
      }
      auto timer = std::make_shared<net::steady_timer>(io_, deadline);
      pool.waiters.push_back(timer);
      auto [ec] = co_await timer->async_wait(kTuple);
      if (!ec) {
        auto& w = pools_[key].waiters;
        w.erase(std::remove(w.begin(), w.end(), timer), w.end());
        co_return makeError(errc::timeout, "no free connection to " + key + " before the deadline");
      }
    }
  }

  void release(const std::string& key, std::unique_ptr<ClientConn> conn, bool reusable) {
    Pool& pool = pools_[key];
    --pool.active;
    if (conn && reusable && !shutdown_) pool.idle.push_back(std::move(conn));
    wakeOne(pool);
  }

  /// One attempt on one origin; a reused connection the server had closed is replaced once,
  /// for idempotent requests only: a POST may have reached the server before it closed.
  net::awaitable<Result<Response>> attempt(Origin origin, std::string target,
                                           const Request& request, Deadline deadline) {
    const std::string key = origin.toString();
    const bool idempotent = request.idempotent.value_or(isIdempotentMethod(request.method));
    const std::string what = request.method + " " + pathOf(target) + " on " + key;
    for (int tries = 0;; ++tries) {
      auto lease = co_await acquire(origin, deadline);
      if (!lease) co_return lease.error();
      auto conn = std::move(lease->conn);
      auto id = closers_->add([c = conn.get()] { c->close(); });
      auto r = co_await conn->roundTrip(
          toBeastRequest(request, origin.hostHeader(), target, opts_.userAgent), deadline,
          opts_.maxBodyBytes, what);
      closers_->fns.erase(id);
      bool stale = !r && lease->reused && conn->lastErrorStale();
      bool reusable = r && conn->reusable();
      release(key, std::move(conn), reusable);
      if (shutdown_) co_return cancelled(what);
      if (stale && tries == 0 && idempotent) {
        pools_[key].idle.clear();  // its siblings were closed by the server too
        continue;
      }
      co_return r;
    }
  }

  net::awaitable<bool> sleep(Duration d) {
    auto timer = std::make_shared<net::steady_timer>(io_, d.nanos());
    sleeping_.insert(timer);
    auto [ec] = co_await timer->async_wait(kTuple);
    sleeping_.erase(timer);
    co_return !ec && !shutdown_;
  }

  net::awaitable<Result<Response>> sendWithRetries(Request request) {
    const auto start = Clock::now();
    const Deadline deadline = deadlineFor(request);
    const bool idempotent = request.idempotent.value_or(isIdempotentMethod(request.method));
    Origin origin = base_;
    std::string target = request.target;
    int hops = 0;
    for (int n = 1;;) {
      auto r = co_await attempt(origin, target, request, deadline);
      if (shutdown_) co_return cancelled(request.method + " " + pathOf(target));
      if (r && isFollowableRedirect(r->status)) {
        auto next =
            decideRedirect(origin, allowed_, r->header("Location"), hops, opts_.maxRedirects);
        if (!next) {
          spdlog::warn("{}: {} {}: {}", opts_.name, request.method, pathOf(target),
                       next.error().message);
          co_return next.error();
        }
        spdlog::debug("{}: {} {} redirected to {}", opts_.name, request.method, pathOf(target),
                      next->origin.toString());
        origin = next->origin;
        target = next->target;
        ++hops;
        continue;
      }
      AttemptOutcome o;
      o.attempt = n;
      o.idempotent = idempotent;
      if (r) {
        o.status = r->status;
        const std::string* ra = r->header("Retry-After");
        if (ra && (r->status == 429 || r->status == 503))
          o.retryAfter = parseRetryAfter(*ra, std::chrono::system_clock::now());
      } else {
        o.connectionError = r.error().is(errc::connection_failed);
      }
      bool failed = o.status ? isRetryableStatus(*o.status) : o.connectionError;
      auto decision =
          decideRetry(opts_.retry, o, std::uniform_real_distribution<double>(0, 1)(rng_));
      if (!failed) budget_.recordSuccess();
      bool retry = decision.retry && Clock::now() + decision.delay.nanos() < deadline;
      if (retry && !budget_.tryRetry()) {
        spdlog::warn("{}: retry budget exhausted, not retrying {} {}", opts_.name, request.method,
                     pathOf(target));
        retry = false;
      }
      if (!retry) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        if (r)
          spdlog::debug("{}: {} {} -> {} ({} ms, {} attempt(s))", opts_.name, request.method,
                        pathOf(target), r->status, ms.count(), n);
        else
          spdlog::debug("{}: {} {} failed: {}", opts_.name, request.method, pathOf(target),
                        r.error().message);
        co_return r;
      }
      spdlog::debug("{}: {} {} -> {}, retrying in {}", opts_.name, request.method, pathOf(target),
                    r ? std::to_string(r->status) : r.error().message, decision.delay.toString());
      if (!co_await sleep(decision.delay))
        co_return cancelled(request.method + " " + pathOf(target));
      ++n;
    }
  }

  net::io_context& io_;
  ClientOptions opts_;
  Origin base_;
  std::string baseUrl_;
  std::vector<Origin> allowed_;
  std::shared_ptr<ClientTls> tls_;
  RetryBudget budget_;
  std::mt19937_64 rng_;
  std::map<std::string, Pool> pools_;
  std::set<std::shared_ptr<net::steady_timer>> sleeping_;
  std::shared_ptr<Closers> closers_ = std::make_shared<Closers>();
  bool shutdown_ = false;
};

}  // namespace

Result<HttpTransportPtr> makeTransport(net::io_context& io, ClientOptions options) {
  auto base = parseUrl(options.baseUrl);
  if (!base) return base.error();
  if (base->target != "/")
    return makeError(errc::invalid_argument,
                     "base URL '" + options.baseUrl + "' must not have a path or query");
  std::vector<Origin> allowed{base->origin};
  for (const auto& extra : options.redirectAllowList) {
    auto u = parseUrl(extra);
    if (!u) return u.error();
    allowed.push_back(u->origin);
  }
  auto tls = makeClientTls(options.tls);
  if (!tls) return tls.error();
  return HttpTransportPtr(std::make_shared<HttpTransportImpl>(io, std::move(options), base->origin,
                                                              std::move(allowed), std::move(*tls)));
}

}  // namespace nc::http
