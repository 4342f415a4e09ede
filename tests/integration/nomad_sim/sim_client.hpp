// Test helpers: start nomad-sim as a child process on a free port, and a small synchronous
// HTTP client (Beast) for requests and the NDJSON event stream.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nc::nomadsim::test {

struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;
};

/// A running nomad-sim; SIGTERM and wait on destruction.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> extraArgs = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  const std::string& url() const { return url_; }
  unsigned short port() const { return port_; }
  /// Sends SIGTERM and returns the exit status (-1 when it did not exit within 10 s).
  int terminate();

 private:
  int pid_ = -1;
  std::string url_;
  unsigned short port_ = 0;
};

/// One request on a fresh connection.
Reply request(unsigned short port, const std::string& method, const std::string& target,
              const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {},
              std::chrono::seconds timeout = std::chrono::seconds(30));

struct WsResult {
  std::vector<std::string> frames;  ///< text frames received, in order
  int closeCode = 0;                ///< close frame code; 0 when the connection just ended
  std::string closeReason;
};
/// Opens a websocket, sends `send` as text frames, and reads until the server closes.
WsResult websocketSession(unsigned short port, const std::string& target,
                          std::vector<std::string> send,
                          std::vector<std::pair<std::string, std::string>> headers = {});

/// Reads the event stream line by line.
class LineReader {
 public:
  LineReader(unsigned short port, const std::string& target,
             std::vector<std::pair<std::string, std::string>> headers = {});
  ~LineReader();
  int status() const { return status_; }
  /// Next line (without "\n"); nullopt on close or when nothing arrives within timeout.
  std::optional<std::string> next(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
};

}  // namespace nc::nomadsim::test
