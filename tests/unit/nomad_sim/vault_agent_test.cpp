// The simulated Vault Agent's view of a task and its configuration: which tasks run `vault agent`,
// the -config path as the task sees it, and the auto_auth/template/template_config it reads.
#include <gtest/gtest.h>

#include "vault_agent.hpp"

namespace nc::nomadsim {
namespace {

Doc task(const std::string& json) {
  return std::move(parseJson(json).value());
}

TEST(VaultAgent, RecognisesTheAgentTaskAndItsConfigPath) {
  EXPECT_EQ(vaultAgentConfigPath(task(R"({"Config":{"image":"hashicorp/vault:1.19",
      "args":["agent","-config=${NOMAD_TASK_DIR}/agent.hcl"]}})")),
            "/local/agent.hcl");
  EXPECT_EQ(vaultAgentConfigPath(task(R"({"Config":{"command":"/usr/bin/vault",
      "args":["agent","-config","${NOMAD_SECRETS_DIR}/a.hcl"]}})")),
            "/secrets/a.hcl");
  EXPECT_EQ(vaultAgentConfigPath(
                task(R"({"Config":{"image":"hashicorp/vault:1.19","args":["server"]}})")),
            "");
  EXPECT_EQ(
      vaultAgentConfigPath(task(R"({"Config":{"image":"alpine","args":["agent","-config=x"]}})")),
      "");
  EXPECT_EQ(vaultAgentConfigPath(task(R"({"Config":{"image":"hashicorp/vault","command":"/bin/sh",
      "args":["agent"]}})")),
            "");
}

TEST(VaultAgent, ParsesAutoAuthTemplatesAndExitOnRetryFailure) {
  auto c = parseAgentConfig(R"(vault {
  address = "http://127.0.0.1:8200"
}
auto_auth {
  method {
    type = "token_file"
    config = {
      token_file_path = "/secrets/vault_token"
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = "/alloc/tls/cert.pem"
  perms       = "0600"
  contents    = <<-EOT
    {{- with secret "pki-int/issue/nomad-job" "common_name=a.service.consul" -}}
    {{ .Data.certificate }}
    {{- end }}
  EOT
}
template {
  destination     = "/alloc/x"
  source          = "/local/x.tpl"
  left_delimiter  = "<<"
  right_delimiter = ">>"
}
)");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->address, "http://127.0.0.1:8200");
  EXPECT_EQ(c->authType, "token_file");
  EXPECT_EQ(c->authConfig.at("token_file_path"), "/secrets/vault_token");
  EXPECT_TRUE(c->exitOnRetryFailure);
  ASSERT_EQ(c->templates.size(), 2u);
  EXPECT_EQ(c->templates[0].destination, "/alloc/tls/cert.pem");
  EXPECT_EQ(c->templates[0].perms, "0600");
  EXPECT_EQ(c->templates[0].contents,
            "{{- with secret \"pki-int/issue/nomad-job\" \"common_name=a.service.consul\" -}}\n"
            "{{ .Data.certificate }}\n{{- end }}\n");
  EXPECT_EQ(c->templates[1].source, "/local/x.tpl");
  EXPECT_EQ(c->templates[1].left, "<<");
  EXPECT_EQ(c->templates[0].left, "{{");
}

TEST(VaultAgent, JwtMethodWithConfigBlockAndErrors) {
  auto c = parseAgentConfig(R"(auto_auth {
  method "jwt" {
    mount_path = "auth/jwt-nomad"
    config {
      path = "/secrets/nomad_vault_default.jwt"
      role = "nomad-workloads"
    }
  }
}
)");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->authType, "jwt");
  EXPECT_EQ(c->mountPath, "auth/jwt-nomad");
  EXPECT_EQ(c->authConfig.at("role"), "nomad-workloads");
  EXPECT_FALSE(c->exitOnRetryFailure);
  EXPECT_TRUE(c->templates.empty());

  auto bad = parseAgentConfig("template {\n  destination = \"x\"\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("agent.hcl:"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parseAgentConfig("template {\n  contents = \"x\"\n}\n").has_value());
}

}  // namespace
}  // namespace nc::nomadsim
