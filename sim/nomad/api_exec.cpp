// GET /v1/client/allocation/:id/exec (§6): the websocket frame protocol, with a tiny command
// set (cat, ls, echo) run against the simulated task's filesystem view.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_impl.hpp"

namespace nc::nomadsim {

namespace fs = std::filesystem;

namespace {

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct ExecResult {
  std::string out, err;
  int code = 0;
};

// Maps a path as the task sees it (/secrets, /local, /alloc, relative to the task dir) to disk.
fs::path taskPath(const std::string& allocDir, const std::string& task, const std::string& p) {
  fs::path rel = fs::path(p).relative_path();
  auto first = rel.begin() == rel.end() ? std::string() : rel.begin()->string();
  if (first == "alloc") return fs::path(allocDir) / rel;
  return fs::path(allocDir) / task / rel;
}

ExecResult runCommand(const std::vector<std::string>& argv, const std::string& allocDir, const std::string& task) {
  ExecResult r;
  const std::string& cmd = argv[0];
  if (cmd == "echo") {
    for (std::size_t i = 1; i < argv.size(); ++i) r.out += (i > 1 ? " " : "") + argv[i];
    r.out += "\n";
  } else if (cmd == "cat" || cmd == "/bin/cat") {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      fs::path p = taskPath(allocDir, task, argv[i]);
      std::ifstream in(p, std::ios::binary);
      if (!in || fs::is_directory(p)) {
        r.err += fmt::format("cat: {}: {}\n", argv[i], fs::is_directory(p) ? "Is a directory" : "No such file or directory");
        r.code = 1;
        continue;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      r.out += ss.str();
    }
  } else if (cmd == "ls" || cmd == "/bin/ls") {
    std::string arg = argv.size() > 1 ? argv[1] : ".";
    fs::path p = taskPath(allocDir, task, arg == "." ? "" : arg);
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      r.err = fmt::format("ls: {}: No such file or directory\n", arg);
      r.code = 1;
    } else if (!fs::is_directory(p, ec)) {
      r.out = arg + "\n";
    } else {
      std::vector<std::string> names;
      for (const auto& e : fs::directory_iterator(p, ec)) names.push_back(e.path().filename().string());
      std::sort(names.begin(), names.end());
      for (const auto& n : names) r.out += n + "\n";
    }
  } else {
    r.err = fmt::format("failed to exec into task: exec: \"{}\": executable file not found in $PATH\n", cmd);
    r.code = 126;
  }
  return r;
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
  for (const auto& s : cmd.value().GetArray()) argv.push_back(s.IsString() ? s.GetString() : toJson(s));
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
    std::string frame = res.code == 0 ? std::string("{\"exited\":true,\"result\":{}}")
                                 : fmt::format("{{\"exited\":true,\"result\":{{\"exit_code\":{}}}}}", res.code);
    co_await ws.send(std::move(frame));
  }
}

}  // namespace nc::nomadsim
