// HTTP sinks: a 2xx answer means accepted; anything else is an error the queue retries.
#include "events/http_sinks.hpp"

#include "events/sink_payloads.hpp"

namespace nc::events {
namespace {

boost::asio::awaitable<Result<void>> post(http::Transport& transport, std::string target,
                                          http::Headers headers, std::string body) {
  http::Request req;
  req.method = "POST";
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = std::move(body);
  req.idempotent =
      true;  // receivers de-duplicate (Alertmanager by labels, webhooks by fingerprint)
  auto res = co_await transport.send(std::move(req));
  if (!res) co_return res.error();
  if (res->status < 200 || res->status >= 300)
    co_return Error(res->status >= 500 ? errc::server_error : errc::invalid_argument,
                    transport.baseUrl() + " answered " + std::to_string(res->status) + ": " +
                        res->body.substr(0, 300));
  co_return Result<void>();
}

}  // namespace

AlertmanagerSink::AlertmanagerSink(http::TransportPtr transport, ClockPtr clock,
                                   AlertmanagerSinkOptions options)
    : transport_(std::move(transport)), clock_(std::move(clock)), options_(std::move(options)) {}

boost::asio::awaitable<Result<void>> AlertmanagerSink::deliver(std::vector<Alert> batch) {
  std::string body =
      alertmanagerBody(batch, clock_->now(), options_.validity, options_.generatorUrl);
  co_return co_await post(*transport_, "/api/v2/alerts", options_.headers, std::move(body));
}

WebhookSink::WebhookSink(http::TransportPtr transport, WebhookSinkOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

boost::asio::awaitable<Result<void>> WebhookSink::deliver(std::vector<Alert> batch) {
  std::string body = webhookBody(batch);
  http::Headers headers = options_.headers;
  if (options_.hmacSecret)
    headers.push_back({"X-Nomad-Certd-Signature", hmacSignature(*options_.hmacSecret, body)});
  co_return co_await post(*transport_, options_.path, std::move(headers), std::move(body));
}

}  // namespace nc::events
