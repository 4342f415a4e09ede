// Renders text + {{ env "NAME" }} templates with Go template trim markers.
#include "template_env.hpp"

#include <cctype>
#include <regex>

namespace nc::nomadsim {

std::optional<std::string> renderEnvTemplate(std::string_view tmpl, std::string_view left,
                                             std::string_view right,
                                             const std::map<std::string, std::string>& env) {
  static const std::regex kEnv(R"re(^\s*env\s+"([^"]*)"\s*$)re");
  std::string out;
  std::size_t pos = 0;
  bool trimNext = false;
  while (pos <= tmpl.size()) {
    std::size_t open = tmpl.find(left, pos);
    std::string_view text =
        tmpl.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    std::string chunk(text);
    if (trimNext) {
      std::size_t b = 0;
      while (b < chunk.size() && std::isspace(static_cast<unsigned char>(chunk[b]))) ++b;
      chunk.erase(0, b);
    }
    if (open == std::string_view::npos) {
      out += chunk;
      break;
    }
    std::size_t close = tmpl.find(right, open + left.size());
    if (close == std::string_view::npos) return std::nullopt;
    std::string action(tmpl.substr(open + left.size(), close - open - left.size()));
    // "{{- " trims the whitespace before, " -}}" the whitespace after.
    if (action.size() >= 2 && action[0] == '-' &&
        std::isspace(static_cast<unsigned char>(action[1]))) {
      while (!chunk.empty() && std::isspace(static_cast<unsigned char>(chunk.back())))
        chunk.pop_back();
      action.erase(0, 1);
    }
    trimNext = false;
    if (action.size() >= 2 && action.back() == '-' &&
        std::isspace(static_cast<unsigned char>(action[action.size() - 2]))) {
      trimNext = true;
      action.pop_back();
    }
    out += chunk;
    std::smatch m;
    if (!std::regex_match(action, m, kEnv)) return std::nullopt;
    auto it = env.find(m[1].str());
    if (it != env.end()) out += it->second;
    pos = close + right.size();
  }
  return out;
}

}  // namespace nc::nomadsim
