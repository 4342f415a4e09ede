// Builds the Vault and Nomad clients and the alert sinks from the daemon config.
#include "clients.hpp"

#include <cctype>
#include <fstream>
#include <iterator>

#include <boost/asio/io_context.hpp>

#include "events/http_sinks.hpp"
#include "events/log_sink.hpp"
#include "http/client.hpp"
#include "nomad/from_config.hpp"
#include "nomad/nomad_client.hpp"
#include "vault/from_config.hpp"
#include "vault/token_manager.hpp"
#include "vault/vault_client.hpp"

namespace nc::cli {

Result<std::optional<config::Secret>> loadSecret(const config::TokenConfig& source,
                                                 const std::string& what) {
  if (source.file.empty()) {
    if (source.value.empty()) return std::optional<config::Secret>();
    return std::optional<config::Secret>(source.value);
  }
  std::ifstream in(source.file, std::ios::binary);
  if (!in) return makeError(errc::io_error, what + ": cannot read " + source.origin);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty())
    return makeError(errc::invalid_argument, what + ": " + source.origin + " is empty");
  return std::optional<config::Secret>(config::Secret(std::move(text)));
}

void Clients::shutdown() {
  for (auto& t : transports)
    if (t) t->shutdown();
}

Result<Clients> makeClients(boost::asio::io_context& io, const config::DaemonConfig& config,
                            ClockPtr clock) {
  Clients c;
  auto vs = vault::vaultSetupFromConfig(config.vault, clock);
  if (!vs) return vs.error();
  auto vt = http::makeTransport(io, vs->transport);
  if (!vt) return makeError(errc::invalid_argument, "vault: " + vt.error().message);
  c.transports.push_back(*vt);
  auto vaultClient = std::make_shared<vault::VaultClient>(*vt, vs->tokens, vs->options);
  c.vault = vaultClient;
  c.tokens =
      std::make_shared<vault::TokenManager>(vaultClient, clock, vs->manager, vs->slot, vs->file);

  auto ns = nomad::nomadSetupFromConfig(config.nomad);
  if (!ns) return ns.error();
  auto nt = http::makeTransport(io, ns->transport);
  if (!nt) return makeError(errc::invalid_argument, "nomad: " + nt.error().message);
  c.transports.push_back(*nt);
  c.nomad = std::make_shared<nomad::NomadClient>(*nt, ns->token, ns->options);
  return c;
}

namespace {

http::ClientOptions sinkTransport(const config::SinkConfig& s, std::string baseUrl) {
  http::ClientOptions o;
  o.baseUrl = std::move(baseUrl);
  o.name = s.name;
  o.tls = http::ClientTlsOptions{s.tls.caCert,    s.tls.caPath,     s.tls.clientCert,
                                 s.tls.clientKey, s.tls.serverName, s.tls.insecureSkipVerify};
  o.requestTimeout = s.timeout;
  o.connectTimeout = s.timeout;
  return o;
}

/// "https://h:p/x/y" → {"https://h:p", "/x/y"}.
std::pair<std::string, std::string> splitUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

}  // namespace

Result<std::vector<events::AlertSinkPtr>> makeSinks(boost::asio::io_context& io,
                                                    const config::DaemonConfig& config,
                                                    ClockPtr clock, Clients& clients,
                                                    const std::string& generatorUrl) {
  std::vector<events::AlertSinkPtr> sinks;
  if (config.alerts.sinks.empty()) sinks.push_back(std::make_shared<events::LogSink>("log"));
  for (const config::SinkConfig& s : config.alerts.sinks) {
    http::Headers headers;
    for (const auto& [k, v] : s.headers) headers.push_back({k, v});
    switch (s.type) {
      case config::SinkType::log:
        sinks.push_back(std::make_shared<events::LogSink>(s.name));
        break;
      case config::SinkType::alertmanager: {
        std::string base = s.url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        auto t = http::makeTransport(io, sinkTransport(s, base));
        if (!t)
          return makeError(errc::invalid_argument, "sink " + s.name + ": " + t.error().message);
        clients.transports.push_back(*t);
        events::AlertmanagerSinkOptions o;
        o.name = s.name;
        o.generatorUrl = generatorUrl;
        o.headers = headers;
        sinks.push_back(std::make_shared<events::AlertmanagerSink>(*t, clock, o));
        break;
      }
      case config::SinkType::webhook: {
        auto [base, path] = splitUrl(s.url);
        auto t = http::makeTransport(io, sinkTransport(s, base));
        if (!t)
          return makeError(errc::invalid_argument, "sink " + s.name + ": " + t.error().message);
        clients.transports.push_back(*t);
        events::WebhookSinkOptions o;
        o.name = s.name;
        o.path = path;
        o.headers = headers;
        auto secret = loadSecret(s.hmacSecret, "sink " + s.name + " hmac secret");
        if (!secret) return secret.error();
        if (*secret) o.hmacSecret = (*secret)->reveal();
        sinks.push_back(std::make_shared<events::WebhookSink>(*t, o));
        break;
      }
    }
  }
  return sinks;
}

}  // namespace nc::cli
