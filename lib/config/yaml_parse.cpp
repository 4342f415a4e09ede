// Parsing a YAML file into one document, with yaml-cpp's failures turned into diagnostics.
#include <algorithm>
#include <string>

#include <yaml-cpp/exceptions.h>

#include "config/yaml_reader.hpp"

namespace nc::config::detail {

std::unique_ptr<const YamlDocument> parseYaml(const SourceText& src, Diagnostics& diags) {
  try {
    YamlStream stream = readYamlStream(src.text);
    if (stream.stuckAt) {
      const YAML::Mark& m = *stream.stuckAt;
      const auto pos = static_cast<std::size_t>(std::max(m.pos, 0));
      const std::string token = pos < src.text.size() ? src.text.substr(pos, 1) : "";
      // Only a document's first token can be left unconsumed, so the place is always its root.
      diags.error({src.displayName, m.line + 1, m.column + 1}, "<root>",
                  "invalid YAML: unexpected \"" + token + "\" where a value should start" +
                      (token == "," ? " (a ',' separates items inside [ ] or { })" : ""));
      return nullptr;
    }
    if (stream.documents != 1) {
      diags.error({src.displayName, 1, 1}, "<root>",
                  "expected one YAML document, found " + std::to_string(stream.documents));
      return nullptr;
    }
    return std::move(stream.first);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 1 : e.mark.column + 1;
    diags.error({src.displayName, line, col}, outlinePath(src.text, line),
                "invalid YAML: " + e.msg);
    return nullptr;
  }
}

}  // namespace nc::config::detail
