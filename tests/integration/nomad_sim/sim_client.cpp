// Test helpers: nomad-sim child process and a synchronous Beast HTTP client / line reader.
#include "sim_client.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <strings.h>
#include <stdexcept>
#include <thread>

namespace nc::nomadsim::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::string Reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

SimProcess::SimProcess(std::vector<std::string> extraArgs) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::string bin = std::string(NC_BINARY_DIR) + "/sim/nomad/nomad-sim";
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> args = {bin, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1) {
    if (c == '\n') break;
    line += c;
  }
  close(fds[0]);
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) throw std::runtime_error("nomad-sim did not start: " + line);
  url_ = line.substr(prefix.size());
  port_ = static_cast<unsigned short>(std::stoi(url_.substr(url_.rfind(':') + 1)));
}

int SimProcess::terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

SimProcess::~SimProcess() {
  terminate();
}

Reply request(unsigned short port, const std::string& method, const std::string& target,
              const std::string& body, std::vector<std::pair<std::string, std::string>> headers,
              std::chrono::seconds timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buf, res);
  Reply r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res)
    r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return r;
}

WsResult websocketSession(unsigned short port, const std::string& target,
                          std::vector<std::string> send,
                          std::vector<std::pair<std::string, std::string>> headers) {
  net::io_context io;
  beast::websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  ws.set_option(
      beast::websocket::stream_base::decorator([headers](beast::websocket::request_type& req) {
        for (const auto& [k, v] : headers) req.set(k, v);
      }));
  ws.handshake("127.0.0.1", target);
  ws.text(true);
  for (const auto& f : send) ws.write(net::buffer(f));
  WsResult r;
  for (;;) {
    beast::flat_buffer buf;
    beast::error_code ec;
    ws.read(buf, ec);
    if (ec) {
      if (ec == beast::websocket::error::closed) {
        r.closeCode = static_cast<int>(ws.reason().code);
        r.closeReason = std::string(ws.reason().reason.c_str());
      }
      break;
    }
    r.frames.push_back(beast::buffers_to_string(buf.data()));
  }
  return r;
}

struct LineReader::Impl {
  net::io_context io;
  tcp::socket sock{io};
  std::string buffer;
  bool closed = false;
};

LineReader::LineReader(unsigned short port, const std::string& target,
                       std::vector<std::pair<std::string, std::string>> headers)
    : impl_(std::make_unique<Impl>()) {
  impl_->sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  net::write(impl_->sock, net::buffer(req));
  // Headers end at the blank line; the body is raw NDJSON until the server closes.
  while (impl_->buffer.find("\r\n\r\n") == std::string::npos) {
    char chunk[4096];
    beast::error_code ec;
    std::size_t n = impl_->sock.read_some(net::buffer(chunk), ec);
    if (ec) break;
    impl_->buffer.append(chunk, n);
  }
  auto end = impl_->buffer.find("\r\n\r\n");
  if (end == std::string::npos) return;
  std::string head = impl_->buffer.substr(0, end);
  impl_->buffer.erase(0, end + 4);
  auto sp = head.find(' ');
  status_ = std::stoi(head.substr(sp + 1, 3));
}

LineReader::~LineReader() = default;

std::optional<std::string> LineReader::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = impl_->buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = impl_->buffer.substr(0, nl);
      impl_->buffer.erase(0, nl + 1);
      return line;
    }
    if (impl_->closed) return std::nullopt;
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return std::nullopt;
    if (impl_->sock.available() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      // Detect a closed socket: a poll-style zero-byte check via non-blocking read.
      impl_->sock.non_blocking(true);
      char chunk[4096];
      beast::error_code ec;
      std::size_t n = impl_->sock.read_some(net::buffer(chunk), ec);
      impl_->sock.non_blocking(false);
      if (ec == net::error::would_block) continue;
      if (ec) {
        impl_->closed = true;
        continue;
      }
      impl_->buffer.append(chunk, n);
      continue;
    }
    char chunk[4096];
    beast::error_code ec;
    std::size_t n = impl_->sock.read_some(net::buffer(chunk), ec);
    if (ec)
      impl_->closed = true;
    else
      impl_->buffer.append(chunk, n);
  }
}

}  // namespace nc::nomadsim::test
