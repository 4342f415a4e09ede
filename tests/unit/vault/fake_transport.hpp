// A scripted in-memory http::Transport for client unit tests (also used by the Nomad tests).
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "http/transport.hpp"

namespace nc::testing {

inline http::Response response(int status, std::string body, http::Headers headers = {}) {
  return http::Response{status, std::move(headers), std::move(body)};
}

/// Lines (or errors) handed out in order; exhausted = closed cleanly by the server.
class FakeLineStream final : public http::LineStream {
 public:
  explicit FakeLineStream(std::vector<Result<std::optional<std::string>>> items)
      : items_(items.begin(), items.end()) {}
  boost::asio::awaitable<Result<std::optional<std::string>>> nextLine(Duration idle) override {
    lastIdle = idle;
    if (items_.empty()) co_return std::optional<std::string>();
    auto item = std::move(items_.front());
    items_.pop_front();
    co_return item;
  }
  void close() override {}
  Duration lastIdle;

 private:
  std::deque<Result<std::optional<std::string>>> items_;
};

struct WebSocketLog {
  std::vector<std::string> sent;
  bool closed = false;
  std::vector<Duration> receiveTimeouts;
};

class FakeWebSocket final : public http::WebSocket {
 public:
  FakeWebSocket(std::vector<Result<std::optional<std::string>>> incoming, int closeCode,
                WebSocketLog* log, std::string closeReason = "")
      : incoming_(incoming.begin(), incoming.end()),
        closeCode_(closeCode),
        closeReason_(std::move(closeReason)),
        log_(log) {}
  boost::asio::awaitable<Result<void>> send(std::string text) override {
    log_->sent.push_back(std::move(text));
    co_return Result<void>();
  }
  boost::asio::awaitable<Result<std::optional<std::string>>> receive(Duration idle) override {
    log_->receiveTimeouts.push_back(idle);
    if (incoming_.empty()) co_return std::optional<std::string>();
    auto item = std::move(incoming_.front());
    incoming_.pop_front();
    co_return item;
  }
  int closeCode() const override { return closeCode_; }
  const std::string& closeReason() const override { return closeReason_; }
  boost::asio::awaitable<void> close() override {
    log_->closed = true;
    co_return;
  }

 private:
  std::deque<Result<std::optional<std::string>>> incoming_;
  int closeCode_;
  std::string closeReason_;
  WebSocketLog* log_;
};

/// Records every request; answers from a queue of scripted results.
class FakeTransport final : public http::Transport {
 public:
  std::vector<http::Request> requests;
  std::deque<Result<http::Response>> responses;
  std::deque<Result<http::LineStreamPtr>> lineStreams;
  std::deque<Result<http::WebSocketPtr>> webSockets;

  void push(int status, std::string body, http::Headers headers = {}) {
    responses.push_back(response(status, std::move(body), std::move(headers)));
  }
  void pushError(errc code, std::string message) {
    responses.push_back(Error(code, std::move(message)));
  }
  const http::Request& last() const { return requests.back(); }

  boost::asio::awaitable<Result<http::Response>> send(http::Request request) override {
    requests.push_back(std::move(request));
    if (responses.empty())
      co_return Error(errc::connection_failed, "fake transport: no scripted response");
    auto r = std::move(responses.front());
    responses.pop_front();
    co_return r;
  }
  boost::asio::awaitable<Result<http::LineStreamPtr>> openLineStream(
      http::Request request) override {
    requests.push_back(std::move(request));
    if (lineStreams.empty())
      co_return Error(errc::connection_failed, "fake transport: no scripted stream");
    auto r = std::move(lineStreams.front());
    lineStreams.pop_front();
    co_return r;
  }
  boost::asio::awaitable<Result<http::WebSocketPtr>> openWebSocket(http::Request request) override {
    requests.push_back(std::move(request));
    if (webSockets.empty())
      co_return Error(errc::connection_failed, "fake transport: no scripted websocket");
    auto r = std::move(webSockets.front());
    webSockets.pop_front();
    co_return r;
  }
  const std::string& baseUrl() const override { return base_; }

 private:
  std::string base_ = "http://fake";
};

/// Runs one coroutine to completion on a private io_context and returns its value.
template <class T>
T run(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  return std::move(*out);
}

inline std::string headerOr(const http::Request& r, std::string_view name,
                            std::string def = "<absent>") {
  const auto* v = http::findHeader(r.headers, name);
  return v ? *v : def;
}

}  // namespace nc::testing
