// The shell every simulator main shares: listen/TLS options, start the server, print
// "listening on URL", stop cleanly on SIGTERM/SIGINT.
#pragma once

#include <functional>
#include <string>

#include "http/server.hpp"

namespace CLI {
class App;
}

namespace nc::sim {

struct ListenOptions {
  std::string listen = "127.0.0.1:0";
  std::string tlsCert;
  std::string tlsKey;
  std::string tlsClientCa;
};

/// Adds --listen, --tls-cert, --tls-key, --tls-client-ca.
void addListenOptions(CLI::App& app, ListenOptions& options);
/// Checks the combination and builds ServerOptions.
Result<http::ServerOptions> toServerOptions(const ListenOptions& options);

/// Starts the server on `io`, prints "listening on <url>" to stdout (flushed), runs `io`
/// until SIGTERM/SIGINT, then stops the server and calls onStop. Returns the exit code.
int runSimServer(boost::asio::io_context& io, http::ServerOptions options, http::Handler handler,
                 std::function<void()> onStop = {});

}  // namespace nc::sim
