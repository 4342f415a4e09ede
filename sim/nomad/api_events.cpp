// GET /v1/event/stream: raw NDJSON, a first "{}" heartbeat, then buffered and live events.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api_impl.hpp"

namespace nc::nomadsim {

namespace asio = boost::asio;

ServerResponse ApiImpl::eventStream(const ServerRequest& req) {
  if (req.method != "GET") return text(405, "Invalid method");
  EventFilter filter;
  filter.nameSpace = param(req, "namespace").value_or("default");
  if (filter.nameSpace.empty()) filter.nameSpace = "default";
  for (const auto& [k, v] : req.query) {
    if (k != "topic") continue;
    TopicFilter tf;
    if (!parseTopic(v, tf)) return text(400, "Invalid topic query: " + v);
    filter.topics.push_back(tf);
  }
  std::uint64_t from = 0;
  if (auto idx = param(req, "index"); idx && !idx->empty()) {
    try {
      from = std::stoull(*idx);
    } catch (...) {
      return text(400, "Unable to parse index: " + *idx);
    }
  }
  ServerResponse r;
  r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache"}};
  r.stream = [this, filter, from](http::StreamWriter& out) {
    return streamEvents(filter, from, out);
  };
  return r;
}

Awaitable<void> ApiImpl::streamEvents(EventFilter filter, std::uint64_t from,
                                      http::StreamWriter& out) {
  if (!co_await out.write("{}\n")) co_return;
  auto lastWrite = std::chrono::steady_clock::now();
  while (!stopping_) {
    auto [line, idx] = state_.events().next(from, filter);
    if (!line.empty()) {
      from = idx + 1;
      if (!co_await out.write(std::move(line))) co_return;
      lastWrite = std::chrono::steady_clock::now();
      continue;
    }
    from = std::max(from, state_.events().lastIndex() + 1);
    auto deadline = lastWrite + opt_.heartbeat.nanos();
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!co_await out.write("{}\n")) co_return;
      lastWrite = std::chrono::steady_clock::now();
      continue;
    }
    asio::steady_timer timer(io_);
    timer.expires_at(deadline);
    waiters_.insert(&timer);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    waiters_.erase(&timer);
  }
}

}  // namespace nc::nomadsim
