// Vault login and secret writes for the simulated template runner.
#include "template_vault.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nc::nomadsim {

namespace asio = boost::asio;

std::string vaultWriteName(const std::string& path, const std::vector<std::string>& params) {
  std::string joined;
  for (const auto& p : params) joined += p + "\n";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(joined.data(), joined.size(), md, &len, EVP_sha1(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < 4 && i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return fmt::format("vault.write({} -> {})", path, hex);
}

namespace {

// Vault's Go API error text: "Error making API request.\n\nURL: PUT ...\nCode: 403. Errors:\n\n*
// ...".
std::string apiError(const std::string& method, const std::string& url, int status,
                     const std::string& body) {
  std::string errs;
  auto doc = parseJson(body);
  if (doc && doc.value().IsObject()) {
    if (const Val* e = member(doc.value(), "errors"); e && e->IsArray()) {
      for (const auto& x : e->GetArray()) {
        if (x.IsString()) errs += fmt::format("\n* {}", x.GetString());
      }
    }
  }
  if (errs.empty()) errs = "\n* " + body;
  return fmt::format("Error making API request.\n\nURL: {} {}\nCode: {}. Errors:\n{}", method, url,
                     status, errs);
}

asio::awaitable<Result<Doc>> request(http::Transport& t, std::string method, std::string path,
                                     std::string token, std::string body, VaultRetry retry) {
  std::string url = t.baseUrl() + "/v1/" + path;
  std::string last;
  for (int attempt = 1; attempt <= std::max(1, retry.attempts); ++attempt) {
    if (attempt > 1) {
      asio::steady_timer timer(
          co_await asio::this_coro::executor,
          std::chrono::milliseconds(retry.baseMs << std::min(attempt - 2, 10)));
      co_await timer.async_wait(asio::use_awaitable);
    }
    std::string injected = retry.injected ? retry.injected() : "";
    if (!injected.empty()) {
      last = apiError(
          method, url, 403,
          fmt::format("{{\"errors\":[{}]}}", toJson(Val(rapidjson::StringRef(injected.c_str())))));
      continue;
    }
    http::Request req;
    req.method = method;
    req.target = "/v1/" + path;
    req.body = std::move(body);
    body = req.body;
    req.headers.push_back({"Content-Type", "application/json"});
    if (!token.empty()) req.headers.push_back({"X-Vault-Token", token});
    req.idempotent = false;
    auto r = co_await t.send(std::move(req));
    if (!r) {
      last = fmt::format("{} {}: {}", method, url, r.error().message);
      if (r.error().is(errc::cancelled)) break;
      continue;
    }
    if (r->status / 100 == 2) {
      auto doc = parseJson(r->body.empty() ? "{}" : r->body);
      if (!doc) co_return Error(errc::protocol_error, "bad Vault response: " + doc.error().message);
      co_return std::move(doc.value());
    }
    last = apiError(method, url, r->status, r->body);
  }
  co_return Error(errc::io_error, last);
}

}  // namespace

asio::awaitable<Result<std::string>> vaultJwtLogin(http::Transport& t, std::string mount,
                                                   std::string role, std::string jwt,
                                                   VaultRetry retry) {
  Doc body(rapidjson::kObjectType);
  if (!role.empty()) setMember(body, "role", role, body.GetAllocator());
  setMember(body, "jwt", jwt, body.GetAllocator());
  auto r =
      co_await request(t, "PUT", "auth/" + mount + "/login", "", toJson(body), std::move(retry));
  if (!r) co_return r.error();
  const Val* auth = member(r.value(), "auth");
  std::string token = auth ? getString(*auth, "client_token") : "";
  if (token.empty()) co_return Error(errc::protocol_error, "Vault login returned no client token");
  co_return token;
}

asio::awaitable<Result<Doc>> vaultRead(http::Transport& t, std::string token, std::string path,
                                       VaultRetry retry) {
  auto r = co_await request(t, "GET", path, token, "", std::move(retry));
  if (!r)
    co_return Error(r.error().code, fmt::format("vault.read({}): {}", path, r.error().message));
  co_return std::move(r.value());
}

asio::awaitable<Result<Doc>> vaultWrite(http::Transport& t, std::string token, std::string path,
                                        std::vector<std::string> params, VaultRetry retry) {
  Doc body(rapidjson::kObjectType);
  for (const auto& p : params) {
    auto eq = p.find('=');
    if (eq == std::string::npos) {
      co_return Error(errc::invalid_argument,
                      fmt::format("{}: invalid parameter {:?}", vaultWriteName(path, params), p));
    }
    setMember(body, p.substr(0, eq), p.substr(eq + 1), body.GetAllocator());
  }
  auto r = co_await request(t, "PUT", path, token, toJson(body), std::move(retry));
  if (!r) co_return Error(r.error().code, vaultWriteName(path, params) + ": " + r.error().message);
  co_return std::move(r.value());
}

}  // namespace nc::nomadsim
