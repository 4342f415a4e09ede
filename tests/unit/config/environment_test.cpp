// Environment defaults (VAULT_*, NOMAD_*) and systemd credentials for tokens.
#include <gtest/gtest.h>

#include <sstream>

#include "config/load.hpp"
#include "test_files.hpp"

namespace nc::config {
namespace {

TEST(Environment, FillsWhatTheConfigLeavesUnset) {
  test::TempDir dir;
  dir.write("ca.pem", "x");
  dir.write("ds.yaml", "version: 1\n");
  Environment env({{"VAULT_ADDR", "https://vault.example:8200"},
                   {"VAULT_TOKEN", "hvs.SECRET-vault-token"},
                   {"VAULT_CACERT", (dir.path() / "ca.pem").string()},
                   {"VAULT_TLS_SERVER_NAME", "vault.service.consul"},
                   {"VAULT_NAMESPACE", "team-a"},
                   {"NOMAD_ADDR", "https://nomad.example:4646"},
                   {"NOMAD_TOKEN", "nomad-secret"},
                   {"NOMAD_NAMESPACE", "prod"},
                   {"NOMAD_REGION", "eu"},
                   {"NOMAD_SKIP_VERIFY", "true"}});
  auto l = loadDaemonConfig(dir.write("config.yaml", "desired_state: ds.yaml\n"), env);
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  const auto& c = l.value;
  EXPECT_EQ(c.vault.address, "https://vault.example:8200");
  EXPECT_EQ(c.vault.tls.caCert, (dir.path() / "ca.pem").string());
  EXPECT_EQ(c.vault.tls.serverName, "vault.service.consul");
  EXPECT_EQ(c.vault.vaultNamespace, "team-a");
  EXPECT_EQ(c.vault.auth.token.value.reveal(), "hvs.SECRET-vault-token");
  EXPECT_EQ(c.vault.auth.token.origin, "VAULT_TOKEN");
  EXPECT_EQ(c.nomad.address, "https://nomad.example:4646");
  EXPECT_EQ(c.nomad.nomadNamespace, "prod");
  EXPECT_EQ(c.nomad.region, "eu");
  EXPECT_TRUE(c.nomad.tls.insecureSkipVerify);
  EXPECT_EQ(c.nomad.token.value.reveal(), "nomad-secret");
}

TEST(Environment, ConfigWinsOverEnvironment) {
  test::TempDir dir;
  dir.write("ds.yaml", "version: 1\n");
  Environment env({{"VAULT_ADDR", "https://from-env:8200"}, {"NOMAD_NAMESPACE", "env-ns"}});
  auto l = loadDaemonConfig(dir.write("config.yaml",
                                      "desired_state: ds.yaml\nvault: {address: "
                                      "\"http://from-file:8200\"}\nnomad: {namespace: file-ns}\n"),
                            env);
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  EXPECT_EQ(l.value.vault.address, "http://from-file:8200");
  EXPECT_EQ(l.value.nomad.nomadNamespace, "file-ns");
}

TEST(Environment, BadEnvironmentValuesAreReported) {
  test::TempDir dir;
  dir.write("ds.yaml", "version: 1\n");
  Environment env({{"NOMAD_ADDR", "nomad:4646"}, {"VAULT_CACERT", "/nonexistent/ca.pem"}});
  auto l = loadDaemonConfig(dir.write("config.yaml", "desired_state: ds.yaml\n"), env);
  ASSERT_EQ(l.diagnostics.errorCount(), 2u) << l.diagnostics.toString();
  const std::string all = l.diagnostics.toString();
  EXPECT_NE(all.find("$NOMAD_ADDR: nomad.address:"), std::string::npos) << all;
  EXPECT_NE(all.find("$VAULT_CACERT: vault.tls.ca_cert: VAULT_CACERT names a missing file"),
            std::string::npos)
      << all;
}

TEST(Credentials, TokensComeFromTheCredentialsDirectory) {
  test::TempDir dir;
  dir.write("ds.yaml", "version: 1\n");
  dir.write("creds/vault-token", "hvs.from-credential\n");
  dir.write("creds/nomad-token", "nomad-from-credential\n");
  Environment env({{"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()},
                   {"VAULT_TOKEN", "ignored-env-token"}});
  auto l = loadDaemonConfig(dir.write("config.yaml",
                                      "desired_state: ds.yaml\n"
                                      "vault: {auth: {token_credential: vault-token}}\n"
                                      "nomad: {token_credential: nomad-token}\n"),
                            env);
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  EXPECT_EQ(l.value.vault.auth.token.file, (dir.path() / "creds/vault-token").string());
  EXPECT_EQ(l.value.vault.auth.token.origin, "credential vault-token");
  EXPECT_TRUE(l.value.vault.auth.token.value.empty());
  EXPECT_EQ(l.value.nomad.token.file, (dir.path() / "creds/nomad-token").string());
}

TEST(Credentials, MissingCredentialIsAnErrorUnderSystemd) {
  test::TempDir dir;
  dir.write("ds.yaml", "version: 1\n");
  std::filesystem::create_directories(dir.path() / "creds");
  Environment env({{"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()}});
  auto l = loadDaemonConfig(
      dir.write("config.yaml", "desired_state: ds.yaml\nnomad:\n  token_credential: nomad-token\n"),
      env);
  ASSERT_EQ(l.diagnostics.errorCount(), 1u) << l.diagnostics.toString();
  EXPECT_NE(l.diagnostics.toString().find(
                "config.yaml:3:21: nomad.token_credential: credential \"nomad-token\" not found"),
            std::string::npos)
      << l.diagnostics.toString();
}

TEST(Credentials, OutsideSystemdTheTokenFileIsUsed) {
  test::TempDir dir;
  dir.write("ds.yaml", "version: 1\n");
  dir.write("vault-token", "t");
  auto l = loadDaemonConfig(
      dir.write("config.yaml",
                "desired_state: ds.yaml\nvault:\n  auth:\n"
                "    token_credential: vault-token\n    token_file: vault-token\n"),
      Environment());
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  EXPECT_EQ(l.value.vault.auth.token.file, (dir.path() / "vault-token").string());
}

TEST(Secret, NeverPrintsItsValue) {
  Secret s("hvs.very-secret");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str().find("very-secret"), std::string::npos);
  EXPECT_EQ(fmt::format("{}", s).find("very-secret"), std::string::npos);
  EXPECT_EQ(s.toString(), "(redacted, 15 bytes)");
  EXPECT_EQ(s.reveal(), "hvs.very-secret");
  EXPECT_EQ(Secret().toString(), "(empty)");
}

}  // namespace
}  // namespace nc::config
