// The process environment as an injectable value (VAULT_*, NOMAD_*, CREDENTIALS_DIRECTORY).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nc::config {

class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> vars)
      : vars_(std::move(vars)) {}
  /// A copy of the current process environment.
  static Environment fromProcess();

  /// The value when set and non-empty.
  std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace nc::config
