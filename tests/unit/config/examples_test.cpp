// Every example shipped in config/ loads without a single finding, and means what it says.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "config/load.hpp"
#include "test_files.hpp"

namespace nc::config {
namespace {

using test::repoConfigDir;

TEST(Examples, DaemonConfigAndDesiredStateLoadClean) {
  const auto loaded =
      loadConfiguration(repoConfigDir() / "config.yaml", std::nullopt, Environment());
  EXPECT_TRUE(loaded.diagnostics.empty()) << loaded.diagnostics.toString();
  EXPECT_EQ(loaded.config.desiredStatePath, repoConfigDir() / "desired-state.yaml");
  EXPECT_EQ(loaded.config.vault.auth.token.credential, "vault-token");
  EXPECT_EQ(loaded.config.nomad.token.credential, "nomad-token");
  EXPECT_EQ(loaded.config.health.port, 9102);
  ASSERT_EQ(loaded.config.alerts.sinks.size(), 2u);
  EXPECT_EQ(loaded.config.alerts.sinks[1].type, SinkType::alertmanager);
}

TEST(Examples, DesiredStateDeclaresTheSeedSystem) {
  const auto loaded = loadDesiredState(repoConfigDir() / "desired-state.yaml");
  ASSERT_TRUE(loaded.diagnostics.empty()) << loaded.diagnostics.toString();
  const DesiredState& ds = loaded.value;
  EXPECT_EQ(ds.defaults.mode, Mode::enforce);

  ASSERT_EQ(ds.vault.mounts.size(), 1u);
  EXPECT_EQ(ds.vault.mounts[0].path, "pki-int");
  EXPECT_EQ(ds.vault.mounts[0].type, "pki");

  ASSERT_EQ(ds.vault.pkiRoles.size(), 1u);
  const auto& role = ds.vault.pkiRoles[0];
  EXPECT_EQ(role.mount, "pki-int");
  EXPECT_EQ(role.name, "nomad-job");
  EXPECT_EQ(getBool(role.config, "client_flag"), true);
  EXPECT_EQ(getBool(role.config, "server_flag"), false);
  EXPECT_EQ(getInt(role.config, "ttl"), 24 * 3600);
  EXPECT_EQ(getInt(role.config, "max_ttl"), 168 * 3600);
  EXPECT_EQ(getBool(role.config, "allow_subdomains"), true);
  EXPECT_EQ(getBool(role.config, "allow_bare_domains"), false);
  EXPECT_EQ(getBool(role.config, "allow_localhost"), false);
  EXPECT_EQ(getList(role.config, "allowed_domains"),
            (std::vector<std::string>{"service.consul", "nomad.local"}));

  ASSERT_EQ(ds.vault.policies.size(), 1u);
  EXPECT_EQ(ds.vault.policies[0].name, "nomad-job-pki");
  EXPECT_NE(ds.vault.policies[0].text.find("path \"pki-int/issue/nomad-job\""), std::string::npos);
  EXPECT_NE(ds.vault.policies[0].text.find("capabilities = [\"update\"]"), std::string::npos);

  ASSERT_EQ(ds.vault.auth.size(), 1u);
  const auto& jwt = ds.vault.auth[0];
  EXPECT_EQ(jwt.path, "jwt-nomad");
  EXPECT_EQ(getString(jwt.config, "default_role"), "nomad-workloads");
  ASSERT_EQ(jwt.roles.size(), 1u);
  EXPECT_EQ(jwt.roles[0].name, "nomad-workloads");
  EXPECT_EQ(getString(jwt.roles[0].config, "role_type"), "jwt");
  EXPECT_EQ(getInt(jwt.roles[0].config, "token_period"), 1800);
  const auto policies =
      getList(jwt.roles[0].config, "token_policies").value_or(std::vector<std::string>{});
  EXPECT_NE(std::find(policies.begin(), policies.end(), "nomad-job-pki"), policies.end());

  ASSERT_EQ(ds.nomad.jobs.size(), 3u);
  std::vector<std::string> ids;
  for (const auto& j : ds.nomad.jobs) {
    ids.push_back(j.id);
    EXPECT_EQ(j.format, JobFormat::hcl);
    EXPECT_FALSE(j.source.empty());
    ASSERT_EQ(j.certificates.size(), 1u);
    EXPECT_EQ(j.certificates[0].commonName, j.id + ".service.consul");
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"service-with-tls", "service-template", "batch-with-certs"}));
  EXPECT_EQ(ds.nomad.jobs[1].certificates[0].allocPath(), "proxy/secrets/cert.pem");
  EXPECT_TRUE(ds.nomad.jobs[1].certificates[0].isSecretPath());
  EXPECT_EQ(ds.nomad.jobs[2].certificates[0].allocPath(), "alloc/data/tls/cert.pem");
  EXPECT_EQ(ds.modeOf(ds.nomad.jobs[2].mode), Mode::report);
}

TEST(Examples, JobFilesFollowTheSeedPatterns) {
  const auto ds = loadDesiredState(repoConfigDir() / "desired-state.yaml").value;
  for (const auto& j : ds.nomad.jobs) {
    // Workload identity with the role; no legacy token policies.
    EXPECT_TRUE(std::regex_search(j.source, std::regex(R"(role\s*=\s*"nomad-workloads")")))
        << j.file;
    EXPECT_EQ(j.source.find("policies ="), std::string::npos) << j.file;
    EXPECT_NE(j.source.find("pki-int/issue/nomad-job"), std::string::npos) << j.file;
  }
  const std::string& sidecar = ds.nomad.jobs[0].source;
  EXPECT_NE(sidecar.find("hashicorp/vault:"), std::string::npos);
  EXPECT_NE(sidecar.find("left_delimiter  = \"[[\""), std::string::npos);
  EXPECT_NE(sidecar.find("sidecar = true"), std::string::npos);
  const std::string& tmpl = ds.nomad.jobs[1].source;
  EXPECT_NE(tmpl.find("perms         = \"0600\""), std::string::npos);
  EXPECT_NE(tmpl.find("change_signal = \"SIGHUP\""), std::string::npos);
  EXPECT_NE(tmpl.find("\"ttl=24h\""), std::string::npos);
  EXPECT_NE(tmpl.find("env \"NOMAD_JOB_NAME\""), std::string::npos);
  const std::string& batch = ds.nomad.jobs[2].source;
  EXPECT_NE(batch.find("hook    = \"prestart\""), std::string::npos);
  EXPECT_NE(batch.find("\"ttl=1h\""), std::string::npos);
}

}  // namespace
}  // namespace nc::config
