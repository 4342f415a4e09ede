// A simulated Vault Agent: recognises a task that runs `vault agent -config=...` and reads the
// parts of its HCL configuration the simulation acts on (auto_auth, template, template_config).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "json.hpp"

namespace nc::nomadsim {

struct AgentTemplate {
  std::string destination, contents, source;
  std::string perms;  ///< "" = 0644
  std::string left = "{{", right = "}}";
};

struct AgentConfig {
  std::string address;    ///< vault.address ("" = VAULT_ADDR)
  std::string authType;   ///< auto_auth.method.type: token_file, jwt ...
  std::string mountPath;  ///< auto_auth.method.mount_path ("" = auth/<type>)
  std::map<std::string, std::string> authConfig;  ///< auto_auth.method.config
  bool exitOnRetryFailure = false;                ///< template_config.exit_on_retry_failure
  std::vector<AgentTemplate> templates;
};

/// The -config path of a task whose command is `vault agent` (docker image or exec command
/// "vault"), as the task sees it; "" when the task is not a Vault Agent.
std::string vaultAgentConfigPath(const Val& task);

/// Parses an agent configuration (HCL); errors carry Vault Agent-like texts with line numbers.
Result<AgentConfig> parseAgentConfig(std::string_view hcl);

}  // namespace nc::nomadsim
