// Small GETs over keep-alive: requests/s on one core and heap allocations per request, counted
// with a replaced global operator new; prints a table. With a simulator's URL (vault-sim, its own
// process) it also measures the client against a real peer, with the client's CPU per request.
// Usage: http_bench [REQUESTS] [SIMULATOR_URL]
#include <time.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "http/client.hpp"
#include "http/server.hpp"

namespace {

thread_local std::uint64_t tlAllocations = 0;

}  // namespace

void* operator new(std::size_t n) {
  ++tlAllocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++tlAllocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

namespace net = boost::asio;
using namespace nc;
using namespace nc::http;
using SteadyClock = std::chrono::steady_clock;

net::awaitable<ServerResponse> health(ServerRequest) {
  ServerResponse r;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = R"({"initialized":true,"sealed":false,"standby":false,"version":"1.15.0"})";
  co_return r;
}

struct Row {
  std::string name;
  int requests = 0;
  double seconds = 0;
  std::uint64_t allocations = 0;
  int failures = 0;
  double cpuSeconds = 0;  // this thread's CPU time: the client's share when the server is elsewhere
};

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

/// One client loop; the last loop to finish stops io (a server on the same io never idles).
net::awaitable<void> worker(net::io_context* io, TransportPtr t, int count, int* failures,
                            int* running) {
  for (int i = 0; i < count; ++i) {
    Request req;
    req.target = "/v1/sys/health?standbyok=true";
    req.headers.push_back({"X-Vault-Token", "bench-token"});
    auto r = co_await t->send(std::move(req));
    if (!r || r->status != 200) ++*failures;
  }
  if (--*running == 0) io->stop();
}

/// Runs `workers` concurrent loops on io until done; counts allocations of this thread.
Row measure(std::string name, net::io_context& io, TransportPtr t, int total, int workers) {
  Row row{std::move(name), total, 0, 0, 0, 0};
  int warm = 0, running = 1;
  net::co_spawn(io, worker(&io, t, 200, &warm, &running), net::detached);
  io.restart();
  io.run();
  running = workers;
  auto a0 = tlAllocations;
  double cpu0 = threadCpuSeconds();
  auto start = SteadyClock::now();
  for (int w = 0; w < workers; ++w)
    net::co_spawn(io, worker(&io, t, total / workers, &row.failures, &running), net::detached);
  io.restart();
  io.run();
  row.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  row.allocations = tlAllocations - a0;
  row.cpuSeconds = threadCpuSeconds() - cpu0;
  return row;
}

HttpTransportPtr client(net::io_context& io, const std::string& url, std::size_t conns) {
  ClientOptions o;
  o.baseUrl = url;
  o.maxConnections = conns;
  return makeTransport(io, o).value();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const std::string simulatorUrl = argc > 2 ? argv[2] : "";
  spdlog::set_level(spdlog::level::warn);
  std::vector<Row> rows;

  {  // Client and server share one io_context on one thread: the whole cost on one core.
    net::io_context io;
    auto server = startServer(io, {}, health).value();
    auto t = client(io, server->url(), 1);
    rows.push_back(measure("client+server, one thread, 1 conn", io, t, n, 1));
    auto t8 = client(io, server->url(), 8);
    rows.push_back(measure("client+server, one thread, 8 conns", io, t8, n, 8));
    server->stop();
  }
  {  // Server on its own thread: the client's share alone.
    net::io_context serverIo;
    auto server = startServer(serverIo, {}, health).value();
    auto work = net::make_work_guard(serverIo);
    std::thread th([&] { serverIo.run(); });
    net::io_context io;
    auto t = client(io, server->url(), 1);
    rows.push_back(measure("client only (server on 2nd thread)", io, t, n, 1));
    server->stop();
    work.reset();
    th.join();
  }
  if (!simulatorUrl.empty()) {  // A simulator in its own process: the client against a real peer.
    net::io_context io;
    auto t = client(io, simulatorUrl, 1);
    rows.push_back(measure("client -> simulator, 1 conn", io, t, n, 1));
    auto t8 = client(io, simulatorUrl, 8);
    rows.push_back(measure("client -> simulator, 8 conns", io, t8, n, 8));
  }

  std::printf("%s\n",
              fmt::format("{:<38} {:>9} {:>9} {:>10} {:>14} {:>11} {:>8}", "scenario", "requests",
                          "seconds", "req/s", "req/thread-cpu-s", "allocs/req", "failures")
                  .c_str());
  int failures = 0;
  for (const auto& r : rows) {
    failures += r.failures;
    std::printf("%s\n", fmt::format("{:<38} {:>9} {:>9.3f} {:>10.0f} {:>14.0f} {:>11.1f} {:>8}",
                                    r.name, r.requests, r.seconds, r.requests / r.seconds,
                                    r.requests / r.cpuSeconds, double(r.allocations) / r.requests,
                                    r.failures)
                            .c_str());
  }
  if (failures > 0) return 1;
  return 0;
}
