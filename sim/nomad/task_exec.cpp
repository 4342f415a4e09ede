// The simulated tasks' command set (cat, ls, echo, true, false) run against the task's
// filesystem view, for the exec API and template change scripts.
#include "task_exec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace nc::nomadsim {

namespace fs = std::filesystem;

// Maps a path as the task sees it (/secrets, /local, /alloc, relative to the task dir) to disk.
std::filesystem::path taskPath(const std::string& allocDir, const std::string& task,
                               const std::string& p) {
  fs::path rel = fs::path(p).relative_path();
  auto first = rel.begin() == rel.end() ? std::string() : rel.begin()->string();
  if (first == "alloc") return fs::path(allocDir) / rel;
  return fs::path(allocDir) / task / rel;
}

ExecResult runCommand(const std::vector<std::string>& argv, const std::string& allocDir,
                      const std::string& task) {
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
        r.err += fmt::format("cat: {}: {}\n", argv[i],
                             fs::is_directory(p) ? "Is a directory" : "No such file or directory");
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
      for (const auto& e : fs::directory_iterator(p, ec))
        names.push_back(e.path().filename().string());
      std::sort(names.begin(), names.end());
      for (const auto& n : names) r.out += n + "\n";
    }
  } else if (cmd == "true" || cmd == "/bin/true") {
  } else if (cmd == "false" || cmd == "/bin/false") {
    r.code = 1;
  } else {
    r.err = fmt::format(
        "failed to exec into task: exec: \"{}\": executable file not found in $PATH\n", cmd);
    r.code = 126;
  }
  return r;
}

}  // namespace nc::nomadsim
