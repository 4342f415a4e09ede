// Starts a simulator binary on a free loopback port, waits for its "listening on URL" line,
// and stops it with SIGTERM; plus a helper to run coroutines on a shared io_context.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

extern char** environ;

namespace nc::testing {

class SimProcess {
 public:
  SimProcess(const std::string& binary, std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<char*> argv;
    args.insert(args.begin(), binary);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + binary);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
    url_ = waitForUrl(std::chrono::seconds(20));
  }
  ~SimProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  const std::string& url() const { return url_; }

 private:
  std::string waitForUrl(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string buf;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char c[512];
      auto n = ::read(out_, c, sizeof c);
      if (n <= 0) break;
      buf.append(c, static_cast<std::size_t>(n));
      auto pos = buf.find("listening on ");
      if (pos != std::string::npos) {
        auto end = buf.find('\n', pos);
        if (end == std::string::npos) continue;
        return buf.substr(pos + 13, end - pos - 13);
      }
    }
    throw std::runtime_error("simulator did not print its URL; output: " + buf);
  }
  pid_t pid_ = -1;
  int out_ = -1;
  std::string url_;
};

/// Runs one coroutine on `io` until it finishes (other work on `io` may stay pending).
template <class T>
T runOn(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> out;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
      [&](std::exception_ptr e) {
        error = e;
        done = true;
      });
  io.restart();
  while (!done) io.run_one();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

/// The simulator binary: $NC_VAULT_SIM / $NC_NOMAD_SIM when set, else the one built here.
inline std::string binaryPath(const char* name) {
  const bool vault = std::string(name) == "vault-sim";
  if (const char* env = std::getenv(vault ? "NC_VAULT_SIM" : "NC_NOMAD_SIM")) return env;
  return vault ? NC_VAULT_SIM_PATH : NC_NOMAD_SIM_PATH;
}

}  // namespace nc::testing
