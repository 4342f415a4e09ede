// Scanning Go (consul-template) templates: actions, `secret` calls with their arguments
// evaluated where they are constant, and syntax mistakes that make a template useless.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nc::preflight {

/// Values `env "X"` resolves to; a missing variable leaves the argument unknown.
using TemplateEnv = std::map<std::string, std::string>;

/// One `secret "<path>" args...` call.
struct SecretCall {
  std::string path;
  std::vector<std::optional<std::string>> args;  ///< "k=v" when constant, nullopt otherwise
  std::string argsText;                          ///< the arguments as written (comparison)
  int line = 0;                                  ///< line inside the template (1-based)
};

struct TemplateIssue {
  std::string id;  ///< "template-unbalanced", "template-nested-action", "template-list-printed"
  std::string message;
  int line = 0;
};

struct TemplateScan {
  std::vector<SecretCall> secrets;
  std::vector<TemplateIssue> issues;
  std::vector<std::string> printedFields;  ///< fields printed, e.g. ".Data.private_key"
  bool hasActions = false;
};

/// Scans `text` with the given delimiters ("{{", "}}" by default).
TemplateScan scanTemplate(std::string_view text, const TemplateEnv& env,
                          std::string_view left = "{{", std::string_view right = "}}");

/// Replaces every action by its value when it is a constant expression (`env "X"`, a string,
/// printf of constants) and by `unknown` otherwise; used to render Nomad's layer of a file
/// that embeds another template language.
std::string renderConstant(std::string_view text, const TemplateEnv& env, std::string_view left,
                           std::string_view right, std::string_view unknown = "UNKNOWN");

}  // namespace nc::preflight
