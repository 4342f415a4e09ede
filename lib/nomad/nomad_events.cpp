// Event stream subscription: NDJSON lines over Transport::openLineStream, with heartbeat
// timeout, reconnect with backoff and resume from the last seen index + 1.
#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nomad/codec.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {
namespace {

class EventStreamImpl final : public EventStream {
 public:
  EventStreamImpl(const NomadClient& client, EventStreamOptions options)
      : client_(client), options_(std::move(options)), lastIndex_(0) {}

  boost::asio::awaitable<Result<EventBatch>> next() override {
    for (;;) {
      if (closed_) co_return Error(errc::cancelled, "nomad event stream: closed");
      if (!stream_) {
        if (auto err = co_await connect()) co_return *err;
        continue;
      }
      auto line = co_await stream_->nextLine(options_.heartbeatTimeout);
      if (closed_) {  // close() cut this read short: the stream goes now that it is done
        drop(false);
        co_return Error(errc::cancelled, "nomad event stream: closed");
      }
      if (!line) {
        // Heartbeat missed or the connection broke: reconnect and resume.
        spdlog::warn("nomad event stream: {}; reconnecting", line.error().describe());
        lastError_ = line.error();
        drop(true);
        continue;
      }
      if (!*line) {
        // Closed by the server. Before the first `{}` that means the subscription was
        // refused (ACL, bad region: Nomad ≥ 1.11.2 cannot send a status any more).
        lastError_ = Error(errc::connection_failed,
                           "nomad event stream: closed by the server" +
                               std::string(sawLine_ ? "" : " before the first heartbeat"));
        if (sawLine_)
          spdlog::info("nomad event stream: closed by the server; resuming from index {}",
                       lastIndex_ + 1);
        drop(!sawLine_);
        continue;
      }
      if (line->value().empty()) continue;
      if (!sawLine_) {
        sawLine_ = true;
        if (options_.onLive) options_.onLive();
      }
      failures_ = 0;
      auto batch = codec::decodeEventLine(**line);
      if (!batch) co_return batch.error();
      if (!*batch) continue;  // heartbeat
      lastIndex_ = std::max(lastIndex_, (*batch)->index);
      (*batch)->afterReconnect = afterReconnect_;
      afterReconnect_ = false;
      co_return std::move(**batch);
    }
  }

  std::uint64_t lastIndex() const override { return lastIndex_; }
  int reconnects() const override { return reconnects_; }
  bool live() const override { return stream_ && sawLine_ && !closed_; }
  void close() override {
    closed_ = true;
    // Only closed: a next() may be suspended in the stream's read, which ends (cancelled) and
    // then drops it. Destroying it here had that read resume inside a freed object.
    if (stream_) stream_->close();
  }

 private:
  void drop(bool failure) {
    if (stream_) stream_->close();
    stream_.reset();
    if (failure) ++failures_;
  }

  /// Opens the stream (after a backoff when the previous attempts failed). Returns an error
  /// only every maxConsecutiveFailures failures, so the caller learns about an outage.
  boost::asio::awaitable<std::optional<Error>> connect() {
    // Even a clean close waits reconnectMin, so a server that keeps closing at once cannot
    // make us spin.
    if (failures_ > 0 || connectedOnce_) {
      auto shift = std::min(std::max(failures_ - 1, 0), 20);
      std::chrono::nanoseconds delay = std::min<std::chrono::nanoseconds>(
          options_.reconnectMin.nanos() * (1LL << shift), options_.reconnectMax.nanos());
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
      timer.expires_after(delay);
      auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return Error(errc::cancelled, "nomad event stream: cancelled");
      if (failures_ > 0 && options_.maxConsecutiveFailures > 0 &&
          failures_ % options_.maxConsecutiveFailures == 0 && failures_ != reportedAt_) {
        reportedAt_ = failures_;
        co_return lastError_;
      }
    }
    std::uint64_t from = lastIndex_ > 0 ? lastIndex_ + 1 : options_.index;
    auto req =
        client_.makeRequest("GET", "event/stream", codec::eventStreamQuery(options_.topics, from),
                            "", options_.nomadNamespace.value_or(""));
    if (!req) co_return req.error();
    auto s = co_await client_.transport()->openLineStream(std::move(*req));
    if (!s) {
      lastError_ = Error(s.error().code, "nomad event stream: " + s.error().message);
      ++failures_;
      co_return std::nullopt;
    }
    stream_ = std::move(*s);
    sawLine_ = false;
    if (connectedOnce_) {
      ++reconnects_;
      afterReconnect_ = true;
    }
    connectedOnce_ = true;
    co_return std::nullopt;
  }

  const NomadClient& client_;
  EventStreamOptions options_;
  http::LineStreamPtr stream_;
  std::uint64_t lastIndex_;
  int failures_ = 0, reconnects_ = 0, reportedAt_ = 0;
  bool sawLine_ = false, connectedOnce_ = false, afterReconnect_ = false, closed_ = false;
  Error lastError_{errc::connection_failed, "nomad event stream: not connected"};
};

}  // namespace

EventStreamPtr NomadClient::subscribe(EventStreamOptions options) {
  return std::make_unique<EventStreamImpl>(*this, std::move(options));
}

}  // namespace nc::nomad
