// Temporary directories for configuration tests.
#include "test_files.hpp"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace nc::config::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "nc-config-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content) const {
  const auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

std::filesystem::path repoConfigDir() {
  return std::filesystem::path(NC_SOURCE_DIR) / "config";
}

}  // namespace nc::config::test
