// Shared pieces of the client integration tests: a recording handler for the lib/http server,
// a client io_context with a Transport, and a helper that runs one coroutine to completion.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/client.hpp"
#include "server_fixture.hpp"
#include "test_certs.hpp"

namespace nc::http::testing {

namespace net = boost::asio;
using SteadyClock = std::chrono::steady_clock;

template <class T>
T run(net::io_context& io, net::awaitable<T> op) {
  std::optional<T> out;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(v));
  });
  io.restart();
  io.run();
  return std::move(*out);
}

inline net::awaitable<void> sleepFor(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

/// What the server saw: requests per path, remote addresses, tokens.
struct Seen {
  std::mutex m;
  std::map<std::string, int> hits;
  std::set<std::string> remotes;
  std::vector<std::string> tokens;
  std::vector<std::string> bodies;
  std::vector<std::string> serverNames;  ///< SNI per request (TLS)
  void add(const ServerRequest& r) {
    std::lock_guard lock(m);
    ++hits[r.path];
    if (r.tls) serverNames.push_back(r.tlsServerName);
    remotes.insert(r.remoteAddress);
    if (auto t = r.header("X-Vault-Token")) tokens.push_back(*t);
    bodies.push_back(r.method + ":" + r.body);
  }
  int count(const std::string& path) {
    std::lock_guard lock(m);
    return hits[path];
  }
};

inline ServerResponse text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain"});
  r.body = std::move(body);
  return r;
}

inline Handler recording(Seen& seen) {
  return [&seen](ServerRequest req) -> net::awaitable<ServerResponse> {
    seen.add(req);
    int n = seen.count(req.path);
    if (req.path == "/slow") co_await sleepFor(std::chrono::milliseconds(2000));
    if (req.path == "/busy") co_await sleepFor(std::chrono::milliseconds(50));
    if (req.path == "/flaky" && n <= 2) co_return text(503, "sealed");
    if (req.path == "/forbidden") co_return text(403, "permission denied");
    if (req.path == "/down") co_return text(503, "down");
    if (req.path == "/retry-after" && n == 1) {
      auto r = text(503, "later");
      r.headers.push_back({"Retry-After", "1"});
      co_return r;
    }
    if (req.path == "/big") co_return text(200, std::string(2000, 'b'));
    if (req.path == "/truncate") {
      auto r = text(200, std::string(100, 't'));
      r.truncateBodyAt = 10;
      co_return r;
    }
    if (req.path == "/events") {
      ServerResponse r;
      r.stream = [](StreamWriter& w) -> net::awaitable<void> {
        co_await w.write("{\"Index\":1}\n{}\n");
        co_await w.write("{\"Index\":2}\n");
      };
      co_return r;
    }
    if (req.path == "/silent-stream") {
      ServerResponse r;
      r.stream = [](StreamWriter& w) -> net::awaitable<void> {
        co_await w.write("{}\n");
        co_await sleepFor(std::chrono::milliseconds(2000));
      };
      co_return r;
    }
    if (req.path == "/exec" && req.websocketUpgrade) {
      ServerResponse r;
      r.websocket = [](ServerWebSocket& ws) -> net::awaitable<void> {
        while (auto m = co_await ws.receive()) {
          if (*m == "exit") break;
          co_await ws.send("out:" + *m);
        }
        co_await ws.close(4000, "exited");
      };
      co_return r;
    }
    co_return text(200, "ok " + req.method + " " + req.path);
  };
}

inline ClientOptions fastOptions(const std::string& url) {
  ClientOptions o;
  o.baseUrl = url;
  o.retry.baseDelay = Duration::milliseconds(5);
  o.retry.maxDelay = Duration::milliseconds(20);
  o.requestTimeout = Duration::seconds(10);
  return o;
}

struct ClientSide {
  net::io_context io;
  HttpTransportPtr transport;
  explicit ClientSide(ClientOptions o) {
    auto t = makeTransport(io, std::move(o));
    if (!t) throw std::runtime_error(t.error().describe());
    transport = *t;
  }
  Result<Response> send(std::string method, std::string target, std::string body = "",
                        std::optional<Duration> timeout = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.timeout = timeout;
    r.headers.push_back({"X-Vault-Token", "s.test-token"});
    return run(io, transport->send(std::move(r)));
  }
};

}  // namespace nc::http::testing
