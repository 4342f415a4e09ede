// The consul-template subset nomad-sim evaluates, with Go text/template semantics: text, trim
// markers, custom delimiters, with/range/if/else/end, .Field chains, pipelines and the functions
// env, secret, printf, print, toJSON, toJSONPretty, trimSpace, toUpper, toLower, len, eq, ne.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "json.hpp"

namespace nc::nomadsim {

struct TemplateFuncs {
  /// The value of an environment variable ("" when unset, as consul-template's env does).
  std::function<std::string(const std::string&)> env;
  /// The Vault response (the whole JSON: data, lease_id...) of `secret path params...`, or
  /// nullptr while it has not been fetched (the template then sees nil, as a first render does).
  std::function<const Val*(const std::string& path, const std::vector<std::string>& params)> secret;
};

/// Renders a template; errors are Go-like ("template: :1: function \"x\" not defined").
Result<std::string> renderGoTemplate(std::string_view tmpl, std::string_view left,
                                     std::string_view right, const TemplateFuncs& funcs);

/// The secret calls of a template (path + params), evaluated with the given funcs; used to
/// tell whether a template needs Vault at all.
bool templateUsesSecret(std::string_view tmpl, std::string_view left, std::string_view right);

/// Go's print of a JSON value decoded into interface{}: "[a b]", "map[k:v]", "<nil>".
std::string goPrint(const Val& v);

}  // namespace nc::nomadsim
