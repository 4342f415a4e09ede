// EventQueue: spool-backed delivery loops, one coroutine per sink.
#include "events/event_queue.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace nc::events {
namespace asio = boost::asio;

Duration backoffDelay(int failures, Duration initial, Duration max, double random01) {
  if (failures <= 0) return Duration{};
  double cap = static_cast<double>(max.nanos().count());
  double exp = static_cast<double>(initial.nanos().count()) * std::pow(2.0, failures - 1);
  double ceiling = std::min(cap, exp);
  return Duration(Duration::Rep(static_cast<Duration::Rep::rep>(ceiling * random01)));
}

struct SinkLoop {
  AlertSinkPtr sink;
  SinkStats stats;
  std::unique_ptr<asio::steady_timer> wake;  // cancelled by publish() to wake an idle loop
  bool idle = false;
};

struct EventQueue::Impl {
  asio::io_context& io;
  std::unique_ptr<EventSpool> spool;
  std::vector<std::unique_ptr<SinkLoop>> loops;
  DispatchOptions options;
  std::mt19937_64 rng{std::random_device{}()};
  bool running = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  explicit Impl(asio::io_context& i) : io(i) {}

  static asio::awaitable<void> run(Impl* self, SinkLoop* loop, std::shared_ptr<bool> alive);
};

asio::awaitable<void> EventQueue::Impl::run(Impl* self, SinkLoop* loop,
                                            std::shared_ptr<bool> alive) {
  int failures = 0;
  // Delivered but not acknowledged (the cursor could not be saved): not sent again while the
  // acknowledgement is retried.
  std::uint64_t deliveredUpTo = 0;
  // Owned copies: the queue may be destroyed while a delivery is in flight.
  const AlertSinkPtr sink = loop->sink;
  const std::string name = sink->name();
  while (*alive && self->running) {
    auto records = self->spool->peek(name, self->options.batchSize);
    if (!records) {
      spdlog::error("event queue: sink {}: {}", name, records.error().message);
      records = std::vector<SpoolRecord>{};
    }
    if (records->empty()) {
      loop->idle = true;
      loop->wake->expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await loop->wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive) co_return;
      loop->idle = false;
      continue;
    }
    std::vector<Alert> batch;
    for (const auto& rec : *records) {
      if (rec.seq <= deliveredUpTo) continue;
      auto alert = decodeAlert(rec.payload);
      if (alert) {
        batch.push_back(std::move(*alert));
      } else {
        ++loop->stats.skipped;
        spdlog::warn("event queue: sink {}: skipping unreadable event #{}: {}", name, rec.seq,
                     alert.error().message);
      }
    }
    std::uint64_t last = records->back().seq;
    const std::size_t count = batch.size();
    // (No co_await inside a conditional expression: g++ 12 miscompiles its temporaries.)
    Result<void> delivered;
    if (!batch.empty()) delivered = co_await sink->deliver(std::move(batch));
    if (!*alive) co_return;
    Result<void> outcome = delivered;
    if (delivered) {
      loop->stats.delivered += count;
      deliveredUpTo = last;
      outcome = self->spool->ack(name, last);
      if (outcome) {
        loop->stats.lastError.clear();
        failures = 0;
        continue;
      }
    }
    // A failed delivery, or a delivery whose cursor could not be saved (spool directory gone or
    // full): either way wait before trying again, never spin.
    ++failures;
    ++loop->stats.failures;
    loop->stats.lastError = outcome.error().message;
    Duration delay = backoffDelay(failures, self->options.initialBackoff, self->options.maxBackoff,
                                  std::uniform_real_distribution<double>(0, 1)(self->rng));
    if (delivered)
      spdlog::error(
          "event queue: sink {}: cannot record the delivery of {} event(s) ({}); retry in {}", name,
          count, outcome.error().message, delay.toString());
    else
      spdlog::warn("event queue: sink {}: delivery of {} event(s) failed ({}); retry in {}", name,
                   count, outcome.error().message, delay.toString());
    asio::steady_timer backoff(self->io);
    backoff.expires_after(delay.as<asio::steady_timer::duration>());
    boost::system::error_code ec;
    co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

EventQueue::EventQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventQueue::~EventQueue() {
  stop();
}

Result<std::unique_ptr<EventQueue>> EventQueue::open(asio::io_context& io,
                                                     std::filesystem::path spoolDir,
                                                     std::vector<AlertSinkPtr> sinks,
                                                     DispatchOptions options) {
  std::vector<std::string> names;
  for (const auto& s : sinks) {
    if (std::find(names.begin(), names.end(), s->name()) != names.end())
      return Error(errc::invalid_argument, "two alert sinks are named " + s->name());
    names.push_back(s->name());
  }
  auto spool = EventSpool::open(std::move(spoolDir), names, options.spool);
  if (!spool) return spool.error();
  auto impl = std::make_unique<Impl>(io);
  impl->spool = std::move(*spool);
  impl->options = options;
  for (auto& s : sinks) {
    auto loop = std::make_unique<SinkLoop>();
    loop->sink = std::move(s);
    loop->stats.name = loop->sink->name();
    loop->wake = std::make_unique<asio::steady_timer>(io);
    impl->loops.push_back(std::move(loop));
  }
  for (const auto& msg : impl->spool->recovery().messages) spdlog::warn("event spool: {}", msg);
  return std::unique_ptr<EventQueue>(new EventQueue(std::move(impl)));
}

Result<std::uint64_t> EventQueue::publish(const Alert& alert) {
  auto seq = impl_->spool->append(encodeAlert(alert));
  if (!seq) return seq;
  for (auto& loop : impl_->loops)
    if (loop->idle) loop->wake->cancel();
  return seq;
}

void EventQueue::start() {
  if (impl_->running) return;
  impl_->running = true;
  for (auto& loop : impl_->loops)
    asio::co_spawn(impl_->io, Impl::run(impl_.get(), loop.get(), impl_->alive), asio::detached);
}

void EventQueue::stop() {
  if (!impl_ || !impl_->running) return;
  impl_->running = false;
  *impl_->alive = false;
  impl_->alive = std::make_shared<bool>(true);  // a later start() gets fresh loops
  for (auto& loop : impl_->loops) loop->wake->cancel();
}

std::vector<SinkStats> EventQueue::stats() const {
  std::vector<SinkStats> out;
  for (const auto& loop : impl_->loops) {
    SinkStats s = loop->stats;
    s.depth = impl_->spool->depth(loop->sink->name());
    out.push_back(std::move(s));
  }
  return out;
}

const SpoolRecovery& EventQueue::recovery() const {
  return impl_->spool->recovery();
}

}  // namespace nc::events
