// NomadClient: client filesystem API (with the 200-carries-an-error quirk) and alloc exec.
#include <chrono>

#include "nomad/codec.hpp"
#include "nomad/exec_frames.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {
namespace {

std::string pathParam(std::string_view path) {
  return "path=" + http::percentEncode(path);
}

template <class T>
Result<T> withContext(Result<T> r, std::string_view what) {
  if (r) return r;
  return Error(r.error().code, "nomad: " + std::string(what) + ": " + r.error().message);
}

}  // namespace

Task<FileInfo> NomadClient::statFile(std::string allocId, std::string path) {
  auto req =
      makeRequest("GET", "client/fs/stat/" + http::percentEncode(allocId), pathParam(path), "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeFileInfo(r->body), "fs stat " + path);
}

Task<std::vector<FileInfo>> NomadClient::listFiles(std::string allocId, std::string path) {
  auto req =
      makeRequest("GET", "client/fs/ls/" + http::percentEncode(allocId), pathParam(path), "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeFileList(r->body), "fs ls " + path);
}

Task<std::string> NomadClient::catFile(std::string allocId, std::string path) {
  auto req =
      makeRequest("GET", "client/fs/cat/" + http::percentEncode(allocId), pathParam(path), "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  if (auto err = codec::fsErrorInBody(r->body)) co_return *err;
  co_return std::move(r->body);
}

Task<std::string> NomadClient::readFileAt(std::string allocId, std::string path,
                                          std::int64_t offset, std::int64_t limit) {
  std::string q =
      pathParam(path) + "&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
  auto req = makeRequest("GET", "client/fs/readat/" + http::percentEncode(allocId), q, "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  if (auto err = codec::fsErrorInBody(r->body)) co_return *err;
  co_return std::move(r->body);
}

Task<std::string> NomadClient::readFile(std::string allocId, std::string path) {
  if (codec::isRestrictedFsPath(path))
    co_return Error(errc::permission_denied, "nomad: fs read of " + path +
                                                 ": Nomad refuses to read secrets/ and private/ "
                                                 "through the fs API; use exec");
  auto info = co_await statFile(allocId, path);  // a real JSON endpoint with real status codes
  if (!info) co_return info.error();
  if (info->isDir)
    co_return Error(errc::invalid_argument, "nomad: fs read of " + path + ": is a directory");
  auto req =
      makeRequest("GET", "client/fs/cat/" + http::percentEncode(allocId), pathParam(path), "");
  if (!req) co_return req.error();
  auto r = co_await checked(std::move(*req));
  if (!r) co_return r.error();
  // A body that looks like an error text is an error unless stat says the file has exactly
  // that size (a file may legitimately contain such a line).
  if (static_cast<std::int64_t>(r->body.size()) != info->size) {
    if (auto err = codec::fsErrorInBody(r->body)) co_return *err;
  }
  co_return std::move(r->body);
}

Task<ExecResult> NomadClient::exec(std::string allocId, std::string task,
                                   std::vector<std::string> command, ExecOptions options) {
  if (command.empty()) co_return Error(errc::invalid_argument, "nomad exec: empty command");
  std::string what = "exec in " + allocId + "/" + task;
  std::string q = "task=" + http::percentEncode(task) +
                  "&command=" + http::percentEncode(encodeCommand(command)) + "&tty=false";
  auto req =
      makeRequest("GET", "client/allocation/" + http::percentEncode(allocId) + "/exec", q, "");
  if (!req) co_return req.error();
  req->timeout = options.timeout;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.nanos();
  auto ws = co_await transport_->openWebSocket(std::move(*req));
  if (!ws) co_return withContext(Result<ExecResult>(ws.error()), what);
  auto& sock = **ws;
  if (!options.stdinData.empty()) {
    if (auto s = co_await sock.send(encodeStdinFrame(options.stdinData)); !s)
      co_return withContext(Result<ExecResult>(s.error()), what);
  }
  if (auto s = co_await sock.send(encodeStdinClose()); !s)
    co_return withContext(Result<ExecResult>(s.error()), what);

  ExecResult result;
  for (;;) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= decltype(left)::zero()) {
      co_await sock.close();
      co_return Error(errc::timeout,
                      "nomad: " + what + ": timed out after " + options.timeout.toString());
    }
    auto msg =
        co_await sock.receive(Duration(std::chrono::duration_cast<std::chrono::nanoseconds>(left)));
    if (!msg) {
      if (msg.error().is(errc::timeout))
        co_return Error(errc::timeout,
                        "nomad: " + what + ": timed out after " + options.timeout.toString());
      co_return withContext(Result<ExecResult>(msg.error()), what);
    }
    if (!*msg) {
      // Closed before `exited`: Nomad reports errors as close frames (1008 client-side
      // problems such as an unknown or stopped task, 1011 internal/permission errors).
      // The close reason is Nomad's error text (e.g. `unknown task name "x"`); keep it.
      int code = sock.closeCode();
      const std::string& reason = sock.closeReason();
      co_return Error(code == 1008 ? errc::invalid_argument : errc::server_error,
                      "nomad: " + what +
                          ": connection closed by the server before the command "
                          "exited (websocket code " +
                          std::to_string(code) +
                          (reason.empty() ? std::string(", no reason given)") : "): " + reason));
    }
    auto frame = decodeExecFrame(**msg);
    if (!frame) co_return withContext(Result<ExecResult>(frame.error()), what);
    switch (frame->kind) {
      case ExecFrame::Kind::stdoutData:
      case ExecFrame::Kind::stderrData: {
        auto& out =
            frame->kind == ExecFrame::Kind::stdoutData ? result.stdoutData : result.stderrData;
        if (out.size() + frame->data.size() > options.maxOutputBytes) {
          co_await sock.close();
          co_return Error(errc::too_large, "nomad: " + what + ": output exceeds " +
                                               std::to_string(options.maxOutputBytes) + " bytes");
        }
        out += frame->data;
        break;
      }
      case ExecFrame::Kind::exited:
        // Nomad drops the TCP connection right after this frame; do not wait for a close.
        result.exitCode = frame->exitCode;
        result.signal = frame->signal;
        result.oomKilled = frame->oomKilled;
        co_await sock.close();
        co_return result;
      case ExecFrame::Kind::heartbeat:
      case ExecFrame::Kind::unknown:
        break;
    }
  }
}

}  // namespace nc::nomad
