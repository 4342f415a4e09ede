// The part of consul-template the simulated client renders today: literal text and
// {{ env "NAME" }} actions (with trim markers and custom delimiters).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nc::nomadsim {

/// Renders a template made only of text and env actions; std::nullopt when it uses anything
/// else (Vault secrets, range, printf...), which this simulator does not evaluate yet.
std::optional<std::string> renderEnvTemplate(std::string_view tmpl, std::string_view left,
                                             std::string_view right,
                                             const std::map<std::string, std::string>& env);

}  // namespace nc::nomadsim
