// The command set of a simulated task (cat, ls, echo, true, false) over its filesystem view.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nc::nomadsim {

struct ExecResult {
  std::string out, err;
  int code = 0;
};

/// Maps a path as the task sees it (/secrets, /local, /alloc, relative to the task dir) to disk.
std::filesystem::path taskPath(const std::string& allocDir, const std::string& task,
                               const std::string& p);

/// Runs argv in the task; an unknown command exits 126 with Nomad's exec error on stderr.
ExecResult runCommand(const std::vector<std::string>& argv, const std::string& allocDir,
                      const std::string& task);

}  // namespace nc::nomadsim
