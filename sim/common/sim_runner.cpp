// Simulator main shell: options, start, readiness line, signals.
#include "common/sim_runner.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace nc::sim {

void addListenOptions(CLI::App& app, ListenOptions& o) {
  app.add_option("--listen", o.listen, "HOST:PORT to listen on (port 0 picks a free port)");
  app.add_option("--tls-cert", o.tlsCert, "PEM certificate chain; enables TLS");
  app.add_option("--tls-key", o.tlsKey, "PEM private key for --tls-cert");
  app.add_option("--tls-client-ca", o.tlsClientCa, "PEM CA bundle; requires client certificates");
}

Result<http::ServerOptions> toServerOptions(const ListenOptions& o) {
  http::ServerOptions s;
  s.listen = o.listen;
  if (o.tlsCert.empty() != o.tlsKey.empty())
    return makeError(errc::invalid_argument, "--tls-cert and --tls-key go together");
  if (!o.tlsClientCa.empty() && o.tlsCert.empty())
    return makeError(errc::invalid_argument, "--tls-client-ca needs --tls-cert and --tls-key");
  if (!o.tlsCert.empty()) s.tls = http::ServerTlsOptions{o.tlsCert, o.tlsKey, o.tlsClientCa};
  return s;
}

int runSimServer(boost::asio::io_context& io, http::ServerOptions options, http::Handler handler,
                 std::function<void()> onStop) {
  auto server = http::startServer(io, std::move(options), std::move(handler));
  if (!server) {
    std::cerr << "error: " << server.error().message << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    (*server)->stop();
    if (onStop) onStop();
    io.stop();
  });
  std::cout << "listening on " << (*server)->url() << std::endl;
  io.run();
  return 0;
}

}  // namespace nc::sim
