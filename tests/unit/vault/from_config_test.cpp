// lib/config → client settings adapters (Vault and Nomad).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "nomad/from_config.hpp"
#include "vault/from_config.hpp"

namespace nc {
namespace {

TEST(VaultFromConfig, TokenAppRoleAndTls) {
  config::VaultConfig c;
  c.address = "https://vault.internal:8200";
  c.vaultNamespace = "ns1/";
  c.tls.caCert = "/etc/ca.pem";
  c.tls.serverName = "vault.internal";
  c.auth.token.value = config::Secret("hvs.env");
  auto s = vault::vaultSetupFromConfig(c, std::make_shared<ManualClock>());
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->transport.baseUrl, "https://vault.internal:8200");
  EXPECT_EQ(s->transport.tls.caFile, "/etc/ca.pem");
  EXPECT_EQ(s->transport.tls.serverName, "vault.internal");
  EXPECT_EQ(s->options.vaultNamespace, "ns1/");
  EXPECT_EQ(*s->tokens->token(), "hvs.env");
  EXPECT_FALSE(s->slot);

  c.auth.method = config::VaultAuthMethod::approle;
  EXPECT_TRUE(vault::vaultSetupFromConfig(c, nullptr).error().is(errc::invalid_argument));
  c.auth.roleIdFile = "/r";
  c.auth.secretIdFile = "/s";
  s = vault::vaultSetupFromConfig(c, nullptr);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->slot);
  EXPECT_EQ(s->manager.roleIdFile, "/r");
  EXPECT_EQ(*s->tokens->token(), "");  // until the TokenManager logs in
}

TEST(NomadFromConfig, TokenFileIsReReadWhenItChanges) {
  auto dir = std::filesystem::temp_directory_path() / ("nc-fromcfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "first\n";
  config::NomadConfig c;
  c.address = "https://127.0.0.1:4646";
  c.region = "eu";
  c.token.file = (dir / "token").string();
  auto s = nomad::nomadSetupFromConfig(c);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->options.region, "eu");
  EXPECT_EQ(s->options.nomadNamespace, "default");
  EXPECT_EQ(*s->token(), "first");
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::ofstream(dir / "token", std::ios::trunc) << "second-token";
  EXPECT_EQ(*s->token(), "second-token");
  std::filesystem::remove_all(dir);

  config::NomadConfig env;
  env.token.value = config::Secret("from-env");
  EXPECT_EQ(*nomad::nomadSetupFromConfig(env)->token(), "from-env");
}

}  // namespace
}  // namespace nc
