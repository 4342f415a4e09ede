// Fault-applying handler wrapper (Asio timer for added latency).
#include "common/fault_wrap.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/json_util.hpp"

namespace nc::sim {
namespace {

boost::asio::awaitable<http::ServerResponse> handleOne(FaultTable* faults,
                                                       RequestCounters* counters,
                                                       const SyncHandler* core,
                                                       http::ServerRequest req) {
  if (req.path.starts_with("/_sim/")) co_return (*core)(req);
  counters->count(req.method, req.path);
  FaultDecision d = faults->decide(req.method, req.path);
  if (d.latency.nanos().count() > 0) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(d.latency.nanos());
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  if (d.reset) {
    http::ServerResponse r;
    r.resetConnection = true;
    co_return r;
  }
  if (d.status != 0) {
    if (!d.body.empty()) co_return jsonResponse(d.status, d.body);
    co_return errorsResponse(d.status, {"injected fault"});
  }
  co_return (*core)(req);
}

}  // namespace

http::Handler withFaults(FaultTable& faults, RequestCounters& counters, SyncHandler core) {
  auto shared = std::make_shared<SyncHandler>(std::move(core));
  return [f = &faults, c = &counters, shared](http::ServerRequest req) {
    return handleOne(f, c, shared.get(), std::move(req));
  };
}

}  // namespace nc::sim
