// Runs an nc::http server on its own io_context thread for integration tests.
#pragma once

#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "http/server.hpp"

namespace nc::http::testing {

class ServerThread {
 public:
  ServerThread() = default;
  ServerThread(const ServerThread&) = delete;
  ~ServerThread() { stop(); }

  /// Starts the server; fails the test (and returns false) when it cannot.
  bool start(ServerOptions options, Handler handler) {
    auto r = startServer(io_, std::move(options), std::move(handler));
    if (!r) {
      ADD_FAILURE() << r.error().describe();
      return false;
    }
    server_ = std::move(*r);
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }

  /// Stops the server and waits until every connection coroutine has ended.
  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    work_.reset();
    thread_.join();
  }

  Server& server() { return *server_; }
  std::string url() const { return server_->url(); }
  unsigned short port() const { return server_->port(); }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  ServerPtr server_;
  std::thread thread_;
};

}  // namespace nc::http::testing
