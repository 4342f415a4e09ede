// The desired-state options the reconciler adds to lib/config: ignore_differences and exact_text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/load.hpp"
#include "reconcile/controller.hpp"

namespace nc::reconcile {
namespace {

namespace fs = std::filesystem;

TEST(DesiredStateOptions, IgnoreDifferencesAndExactTextAreRead) {
  const fs::path dir =
      fs::temp_directory_path() / ("nc-reconcile-cfg-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "p.hcl") << "path \"x\" {\n  capabilities = [\"read\"]\n}\n";
  std::ofstream(dir / "j.json")
      << R"({"Job":{"ID":"web","Name":"web","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t"}]}]}})";
  std::ofstream(dir / "ds.yaml")
      << "version: 1\n"
         "vault:\n"
         "  mounts:\n    - path: pki\n      type: pki\n"
         "      ignore_differences: [description]\n"
         "  pki_roles:\n    - mount: pki\n      name: r\n      config:\n        ttl: 1h\n"
         "      ignore_differences: [max_ttl, ou]\n"
         "  policies:\n    - name: p\n      file: p.hcl\n      exact_text: true\n"
         "      ignore_differences: [policy]\n"
         "  auth:\n    - path: jwt\n      type: jwt\n      ignore_differences: [config.x]\n"
         "      roles:\n        - name: a\n          config:\n            role_type: jwt\n         "
         "   user_claim: sub\n            bound_audiences: [x]\n"
         "          ignore_differences: [token_ttl]\n"
         "nomad:\n  jobs:\n    - file: j.json\n      ignore_differences: "
         "[\"TaskGroups[*].Count\"]\n";
  auto loaded = config::loadDesiredState(dir / "ds.yaml");
  fs::remove_all(dir);
  std::string all;
  for (const auto& d : loaded.diagnostics.items()) all += d.toString() + "\n";
  ASSERT_TRUE(loaded.ok()) << all;
  const auto& v = loaded.value.vault;
  EXPECT_EQ(v.mounts.at(0).ignoreDifferences, std::vector<std::string>{"description"});
  EXPECT_EQ(v.pkiRoles.at(0).ignoreDifferences, (std::vector<std::string>{"max_ttl", "ou"}));
  EXPECT_TRUE(v.policies.at(0).exactText);
  EXPECT_EQ(v.policies.at(0).ignoreDifferences, std::vector<std::string>{"policy"});
  EXPECT_EQ(v.auth.at(0).ignoreDifferences, std::vector<std::string>{"config.x"});
  EXPECT_EQ(v.auth.at(0).roles.at(0).ignoreDifferences, std::vector<std::string>{"token_ttl"});
  EXPECT_EQ(loaded.value.nomad.jobs.at(0).ignoreDifferences,
            std::vector<std::string>{"TaskGroups[*].Count"});
}

TEST(DesiredStateOptions, IgnoreDifferencesMustBeAList) {
  const fs::path dir =
      fs::temp_directory_path() / ("nc-reconcile-cfg2-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ds.yaml")
      << "version: 1\nvault:\n  mounts:\n    - path: pki\n      type: pki\n"
         "      ignore_differences: {a: b}\n";
  auto loaded = config::loadDesiredState(dir / "ds.yaml");
  fs::remove_all(dir);
  EXPECT_FALSE(loaded.ok());
}

// The daemon config's reconcile.ownership_variable reaches the reconciler; bad paths are errors.
TEST(DaemonConfigOptions, OwnershipVariableIsConfigurable) {
  const fs::path dir =
      fs::temp_directory_path() / ("nc-reconcile-cfg3-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ds.yaml") << "version: 1\n";
  std::ofstream(dir / "a.yaml")
      << "desired_state: ds.yaml\nreconcile:\n  ownership_variable: ops/certd-owned\n";
  std::ofstream(dir / "b.yaml") << "desired_state: ds.yaml\n";
  std::ofstream(dir / "c.yaml")
      << "desired_state: ds.yaml\nreconcile:\n  ownership_variable: \"bad path!\"\n";
  config::Environment env;
  auto a = config::loadDaemonConfig(dir / "a.yaml", env);
  auto b = config::loadDaemonConfig(dir / "b.yaml", env);
  auto c = config::loadDaemonConfig(dir / "c.yaml", env);
  fs::remove_all(dir);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(ControllerOptions::fromConfig(a.value).reconciler.ownershipPath, "ops/certd-owned");
  EXPECT_EQ(ControllerOptions::fromConfig(b.value).reconciler.ownershipPath,
            "nomad-certd/ownership");
  ASSERT_FALSE(c.ok());
  std::string all;
  for (const auto& d : c.diagnostics.items()) all += d.toString() + "\n";
  EXPECT_NE(all.find("reconcile.ownership_variable"), std::string::npos) << all;
}

}  // namespace
}  // namespace nc::reconcile
