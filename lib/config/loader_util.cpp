// Shared loader helpers: relative file resolution, modes and thresholds.
#include "config/loader_util.hpp"

#include <charconv>

namespace nc::config::detail {

ResolvedFile resolveRelative(const SourceText& namingFile, const std::string& reference) {
  const std::filesystem::path ref(reference);
  if (ref.is_absolute()) return {ref.lexically_normal(), ref.lexically_normal().string()};
  const auto realDir = namingFile.path.parent_path();
  const auto shownDir = std::filesystem::path(namingFile.displayName).parent_path();
  return {(realDir / ref).lexically_normal(), (shownDir / ref).lexically_normal().string()};
}

bool readMode(MapReader& r, std::optional<Mode>& out) {
  std::string s;
  if (!r.optEnum("mode", s, {"report", "enforce"})) return false;
  out = s == "enforce" ? Mode::enforce : Mode::report;
  return true;
}

bool readThreshold(MapReader& r, std::string_view key, std::optional<ThresholdSpec>& out) {
  auto node = r.take(key);
  if (!node) return false;
  std::string text;
  if (!readString(r.ctx(), *node, r.field(key), text)) return false;
  auto t = parseThreshold(text);
  if (!t) {
    r.ctx().error(*node, r.field(key), t.error().message);
    return false;
  }
  out = *t;
  return true;
}

}  // namespace nc::config::detail

namespace nc::config {

const char* toString(Mode m) {
  return m == Mode::enforce ? "enforce" : "report";
}

Result<ThresholdSpec> parseThreshold(std::string_view text) {
  ThresholdSpec t;
  t.text = std::string(text);
  if (!text.empty() && text.back() == '%') {
    const std::string_view num = text.substr(0, text.size() - 1);
    double v = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (num.empty() || ec != std::errc() || p != num.data() + num.size() || !(v > 0) || !(v < 100))
      return makeError(errc::invalid_argument,
                       "invalid threshold \"" + std::string(text) +
                           "\": a percentage must be a number between 0% and 100% (exclusive)");
    t.fraction = v / 100.0;
    return t;
  }
  auto d = Duration::parse(text);
  if (!d)
    return makeError(errc::invalid_argument,
                     "invalid threshold \"" + std::string(text) +
                         "\": expected a duration (\"72h\") or a share of the lifetime (\"33%\")");
  if (d->nanos().count() == 0)
    return makeError(errc::invalid_argument,
                     "invalid threshold \"" + std::string(text) + "\": must be greater than 0");
  t.duration = *d;
  return t;
}

std::string CertificateSpec::allocPath() const {
  if (path.starts_with("alloc/")) return path;
  return task + "/" + path;
}

bool CertificateSpec::isSecretPath() const {
  return path.starts_with("secrets/") || path.starts_with("private/");
}

}  // namespace nc::config
