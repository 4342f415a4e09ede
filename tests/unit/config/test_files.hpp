// Test helper: a temporary directory that holds configuration files and is removed afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace nc::config::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to path()/name (creating folders) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// The repository's config/ folder.
std::filesystem::path repoConfigDir();

}  // namespace nc::config::test
