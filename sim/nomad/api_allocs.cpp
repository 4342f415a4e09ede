// Allocation endpoints (§4) and the client filesystem API (§5) over the simulated alloc dirs.
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_impl.hpp"
#include "bexpr.hpp"

namespace nc::nomadsim {

namespace fs = std::filesystem;

namespace {

std::string fileMode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "----------";
  std::string m = S_ISDIR(st.st_mode) ? "d" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) m += (st.st_mode & (1 << (8 - i))) ? rwx[i] : '-';
  return m;
}

std::int64_t modTimeNs(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

std::string fileInfo(const fs::path& p, bool withType) {
  std::error_code ec;
  bool dir = fs::is_directory(p, ec);
  auto size = dir ? 0 : static_cast<std::int64_t>(fs::file_size(p, ec));
  std::string name = p.filename().string();
  std::string out =
      fmt::format("{{\"Name\":{},\"IsDir\":{},\"Size\":{},\"FileMode\":\"{}\",\"ModTime\":\"{}\"",
                  toJson(Val(rapidjson::StringRef(name.c_str()))), dir, size, fileMode(p),
                  rfc3339(modTimeNs(p)));
  if (withType) {
    std::string type = "application/octet-stream";
    if (dir)
      type = "";
    else if (p.extension() == ".json")
      type = "application/json";
    else {
      std::ifstream in(p, std::ios::binary);
      char buf[512];
      in.read(buf, sizeof(buf));
      std::string head(buf, static_cast<std::size_t>(in.gcount()));
      bool text = head.find('\0') == std::string::npos;
      type = text ? "text/plain; charset=utf-8" : "application/octet-stream";
    }
    out += ",\"ContentType\":\"" + type + "\"";
  }
  return out + "}";
}

}  // namespace

Awaitable<ServerResponse> ApiImpl::allocsRoute(ServerRequest req) {
  auto parsed = parseQuery(req);
  if (auto* r = std::get_if<ServerResponse>(&parsed)) co_return *r;
  QueryOptions q = std::get<QueryOptions>(parsed);
  if (req.method != "GET") co_return text(405, "Invalid method");
  const std::string& node = clients_->options().nodeId;
  const std::string& nodeName = clients_->options().nodeName;
  if (req.path == "/v1/allocations") {
    std::optional<Filter> filter;
    if (!q.filter.empty()) {
      auto f = Filter::parse(q.filter);
      if (!f.has_value())
        co_return text(400, "failed to create result paginator: " + f.error().message);
      filter = f.value();
    }
    std::function<std::uint64_t()> current = [this] { return state_.tableIndex("allocs"); };
    co_await blockUntil(q.index, q.wait, &current);
    bool taskStates = param(req, "task_states") != "false";
    std::string out = "[";
    for (const Allocation* a : clients_->allocs(q.nameSpace, q.prefix)) {
      std::string stub = allocStubJson(*a, node, nodeName, taskStates);
      if (filter) {
        auto full = parseJson(allocJson(*a, node, nodeName));
        if (!filter->matches(full.value())) continue;
      }
      out += (out.size() > 1 ? "," : "") + stub;
    }
    co_return json(200, out + "]", state_.tableIndex("allocs"), &q);
  }
  std::string id = req.path.substr(std::string("/v1/allocation/").size());
  std::function<std::uint64_t()> current = [this, id] {
    const Allocation* a = clients_->alloc(id);
    return a ? a->modifyIndex : state_.tableIndex("allocs");
  };
  co_await blockUntil(q.index, q.wait, &current);
  const Allocation* a = clients_->alloc(id);
  if (a == nullptr || (a->nameSpace != q.nameSpace && q.nameSpace != "*"))
    co_return text(404, "alloc not found");
  co_return json(200, allocJson(*a, node, nodeName), a->modifyIndex, &q);
}

std::string ApiImpl::jobAllocsJson(const std::string& ns, const std::string& jobId) const {
  std::string out = "[";
  for (const Allocation* a : clients_->jobAllocs(ns, jobId)) {
    out += (out.size() > 1 ? "," : "") +
           allocStubJson(*a, clients_->options().nodeId, clients_->options().nodeName, true);
  }
  return out + "]";
}

ServerResponse ApiImpl::fsRoute(const ServerRequest& req) {
  // /v1/client/fs/<op>/<alloc>
  std::string rest = req.path.substr(std::string("/v1/client/fs/").size());
  auto slash = rest.find('/');
  std::string op = rest.substr(0, slash);
  std::string allocId = slash == std::string::npos ? "" : rest.substr(slash + 1);
  bool content = op == "cat" || op == "readat";
  // cat/readat errors arrive as 200 with the error text (noxssrw commits the status first).
  auto fail = [&](int status, std::string msg) {
    return content ? text(200, std::move(msg)) : text(status, std::move(msg));
  };
  if (op != "ls" && op != "stat" && op != "cat" && op != "readat") return text(404, "");
  if (allocId.empty()) return fail(400, "must provide a valid alloc id");
  const Allocation* a = clients_->alloc(allocId);
  std::string root = clients_->allocDir(allocId);
  if (a == nullptr || root.empty() || !fs::exists(root)) {
    return fail(404, fmt::format("Unknown allocation \"{}\"", allocId));
  }
  std::string path = param(req, "path").value_or(op == "ls" ? "/" : "");
  if (path.empty()) return fail(400, "must provide a file name");
  fs::path base = fs::weakly_canonical(root);
  fs::path full = fs::weakly_canonical(base / fs::path(path).relative_path());
  auto rel = full.lexically_relative(base).string();
  if (rel.rfind("..", 0) == 0) return fail(400, "Path escapes the alloc directory");
  // cat / readat: the secrets/ and private/ dirs of any task are refused (case-insensitive
  // prefix), before the file is even looked at.
  std::string lower = rel;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& task : a->taskOrder) {
    std::string t = task;
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!content) break;
    if (lower.rfind(t + "/secrets", 0) == 0)
      return fail(500, "Reading secret file prohibited: " + path);
    if (lower.rfind(t + "/private", 0) == 0)
      return fail(500, "Reading private file prohibited: " + path);
  }
  std::error_code ec;
  if (!fs::exists(full, ec))
    return fail(404, fmt::format("stat {}: no such file or directory", full.string()));
  if (op == "ls") {
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(full, ec))
      entries.push_back(fileInfo(e.path(), false));
    std::sort(entries.begin(), entries.end());
    std::string out = "[";
    for (std::size_t i = 0; i < entries.size(); ++i) out += (i ? "," : "") + entries[i];
    return json(200, out + "]", std::nullopt);
  }
  if (op == "stat") return json(200, fileInfo(full, true), std::nullopt);
  if (fs::is_directory(full, ec)) return fail(400, fmt::format("file \"{}\" is a directory", path));
  std::ifstream in(full, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (op == "readat") {
    auto off = param(req, "offset");
    if (!off || off->empty()) return fail(400, "must provide a valid offset");
    std::int64_t offset = 0, limit = 0;
    try {
      offset = std::stoll(*off);
      limit = std::stoll(param(req, "limit").value_or("0"));
    } catch (...) {
      return fail(400, "must provide a valid offset");
    }
    data = offset >= static_cast<std::int64_t>(data.size())
               ? ""
               : data.substr(static_cast<std::size_t>(offset));
    if (limit > 0 && static_cast<std::size_t>(limit) < data.size())
      data.resize(static_cast<std::size_t>(limit));
  }
  ServerResponse r;
  r.headers = {
      {"Content-Type", data.find('\0') == std::string::npos ? "text/plain; charset=utf-8"
                                                            : "application/octet-stream"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-XSS-Protection", "1; mode=block"},
      {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"}};
  r.body = std::move(data);
  return r;
}

}  // namespace nc::nomadsim
