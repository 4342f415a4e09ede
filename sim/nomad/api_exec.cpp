// GET /v1/client/allocation/:id/exec (§6): the websocket frame protocol, with a tiny command
// set (cat, ls, echo) run against the simulated task's filesystem view.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_impl.hpp"
#include "task_exec.hpp"

namespace nc::nomadsim {

namespace fs = std::filesystem;

namespace {

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

ServerResponse ApiImpl::execRoute(const ServerRequest& req) {
  // /v1/client/allocation/<id>/exec
  std::string rest = req.path.substr(std::string("/v1/client/allocation/").size());
  std::string allocId = rest.substr(0, rest.find('/'));
  ExecRequest er;
  er.allocId = allocId;
  er.task = param(req, "task").value_or("");
  er.commandJson = param(req, "command").value_or("");
  er.handshake = param(req, "ws_handshake") == "true";
  const auto* tok = req.header("X-Nomad-Token");
  er.headerToken = tok ? *tok : "";
  ServerResponse r;
  if (!req.websocketUpgrade) return text(400, "exec requires a websocket upgrade");
  r.websocket = [this, er](http::ServerWebSocket& ws) { return execSession(er, ws); };
  return r;
}

Awaitable<void> ApiImpl::execSession(ExecRequest er, http::ServerWebSocket& ws) {
  // The agent upgrades first and validates afterwards: errors are close frames.
  std::string token = er.headerToken;
  if (er.handshake) {
    auto first = co_await ws.receive();
    if (!first) co_return;
    auto hs = parseJson(*first);
    std::string hsToken = hs.has_value() ? getString(hs.value(), "auth_token") : "";
    if (!token.empty() && !hsToken.empty() && hsToken != token) {
      {
        std::string reason = "handshake auth token mismatched auth header token";
        co_await ws.close(1008, std::move(reason));
      }
      co_return;
    }
    if (!hsToken.empty()) token = hsToken;
  }
  if (!opt_.aclToken.empty() && token != opt_.aclToken) {
    {
      std::string reason = "Permission denied";
      co_await ws.close(1011, std::move(reason));
    }
    co_return;
  }
  const Allocation* a = clients_->alloc(er.allocId);
  if (a == nullptr) {
    {
      std::string reason = fmt::format("Unknown allocation \"{}\"", er.allocId);
      co_await ws.close(1008, std::move(reason));
    }
    co_return;
  }
  auto cmd = parseJson(er.commandJson.empty() ? "null" : er.commandJson);
  if (!cmd.has_value() || !cmd.value().IsArray() || cmd.value().Empty()) {
    {
      std::string reason = "command is not present";
      co_await ws.close(1008, std::move(reason));
    }
    co_return;
  }
  auto ts = a->tasks.find(er.task);
  if (ts == a->tasks.end()) {
    {
      std::string reason = fmt::format("unknown task name \"{}\"", er.task);
      co_await ws.close(1008, std::move(reason));
    }
    co_return;
  }
  if (a->clientStatus != "running") {
    {
      std::string reason = fmt::format("exec not possible, client status of allocation {} is {}",
                                       a->id, a->clientStatus);
      co_await ws.close(1008, std::move(reason));
    }
    co_return;
  }
  if (ts->second.state != "running") {
    {
      std::string reason = fmt::format("task \"{}\" is not running.", er.task);
      co_await ws.close(1008, std::move(reason));
    }
    co_return;
  }
  std::vector<std::string> argv;
  for (const auto& s : cmd.value().GetArray())
    argv.push_back(s.IsString() ? s.GetString() : toJson(s));
  ExecResult res = runCommand(argv, clients_->allocDir(a->id), er.task);
  std::vector<std::string> frames;
  if (!res.out.empty()) frames.push_back("{\"stdout\":{\"data\":\"" + base64(res.out) + "\"}}");
  if (!res.err.empty()) frames.push_back("{\"stderr\":{\"data\":\"" + base64(res.err) + "\"}}");
  for (auto& f : frames) {
    std::string frame = std::move(f);
    co_await ws.send(std::move(frame));
  }
  {
    std::string frame = "{\"stdout\":{\"close\":true}}";
    co_await ws.send(std::move(frame));
  }
  {
    std::string frame = "{\"stderr\":{\"close\":true}}";
    co_await ws.send(std::move(frame));
  }
  {
    std::string frame =
        res.code == 0
            ? std::string("{\"exited\":true,\"result\":{}}")
            : fmt::format("{{\"exited\":true,\"result\":{{\"exit_code\":{}}}}}", res.code);
    co_await ws.send(std::move(frame));
  }
}

}  // namespace nc::nomadsim
