// Fuzz target: the desired state loader (YAML, field validation, referenced job files).
// The input is the desired-state file; it may name job.hcl / job.json / p.hcl, which hold
// fixed small contents, so the job and policy readers are reached too.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.hpp"

namespace {

std::filesystem::path workDir() {
  static const std::filesystem::path dir =
      [] {
        auto d =
            std::filesystem::temp_directory_path() / ("nc-fuzz-ds-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::ofstream(d / "job.hcl")
            << "job \"web\" {\n  group \"g\" {\n    task \"server\" {}\n  }\n}\n";
        std::ofstream(d / "job.json")
            << R"({"Job":{"ID":"api","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t"}]}]}})";
        std::ofstream(d / "p.hcl")
            << "path \"pki-int/issue/x\" {\n  capabilities = [\"update\"]\n}\n";
        return d;
      }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto path = workDir() / "ds.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto loaded = nc::config::loadDesiredState(path);
  for (const auto& d : loaded.diagnostics.items()) (void)d.toString();
  return 0;
}
