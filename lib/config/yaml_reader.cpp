// The YAML walking helpers behind the daemon-config and desired-state loaders.
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "config/suggest.hpp"

namespace nc::config::detail {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s.substr(0, 80)) out += ch;
  if (s.size() > 80) out += "...";
  return out + "\"";
}

bool expectScalar(DocContext& c, const YamlNode& n, const std::string& field,
                  std::string_view what) {
  if (n.IsScalar()) return true;
  c.error(n, field, "expected " + std::string(what) + ", got " + describeNode(n));
  return false;
}

}  // namespace

SourceRef DocContext::at(const YamlNode& n) const {
  if (n.Line() < 0) return {src_.displayName, 1, 1};
  return {src_.displayName, n.Line() + 1, n.Column() + 1};
}

bool DocContext::tooMany() {
  if (findings_ < kMaxFindings) {
    ++findings_;
    return false;
  }
  if (!exhausted_) {
    exhausted_ = true;
    diags_.error({src_.displayName, 0, 0}, "<root>",
                 "more than " + std::to_string(kMaxFindings) +
                     " findings; the rest of the file was not checked");
  }
  return true;
}

void DocContext::error(const YamlNode& n, const std::string& field, std::string message) {
  if (tooMany()) return;
  diags_.error(at(n), field.empty() ? "<root>" : field, std::move(message));
}

void DocContext::warning(const YamlNode& n, const std::string& field, std::string message) {
  if (tooMany()) return;
  diags_.warning(at(n), field.empty() ? "<root>" : field, std::move(message));
}

bool DocContext::spend(const YamlNode& at, std::size_t n) {
  if (exhausted_) return false;
  spent_ += n;
  if (spent_ <= kMaxEntries) return true;
  exhausted_ = true;
  diags_.error(this->at(at), "<root>",
               "document too large: more than " + std::to_string(kMaxEntries) +
                   " entries (counting each use of an alias); reading stopped here");
  return false;
}

std::string joinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string indexPath(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describeNode(const YamlNode& n) {
  switch (n.Type()) {
    case YamlNode::Kind::map:
      return "a mapping";
    case YamlNode::Kind::sequence:
      return "a list";
    case YamlNode::Kind::null:
      return "null";
    case YamlNode::Kind::scalar:
      return "the value " + quote(n.Scalar());
    case YamlNode::Kind::undefined:
      break;
  }
  return "nothing";
}

bool readString(DocContext& c, const YamlNode& n, const std::string& field, std::string& out) {
  if (!expectScalar(c, n, field, "a string")) return false;
  out = n.Scalar();
  return true;
}

bool readBool(DocContext& c, const YamlNode& n, const std::string& field, bool& out) {
  if (!expectScalar(c, n, field, "true or false")) return false;
  const std::string& s = n.Scalar();
  if (n.IsPlain() && (s == "true" || s == "True" || s == "TRUE")) {
    out = true;
    return true;
  }
  if (n.IsPlain() && (s == "false" || s == "False" || s == "FALSE")) {
    out = false;
    return true;
  }
  c.error(n, field, "expected true or false, got " + quote(s));
  return false;
}

bool readInt(DocContext& c, const YamlNode& n, const std::string& field, std::int64_t& out,
             std::int64_t min, std::int64_t max) {
  if (!expectScalar(c, n, field, "an integer")) return false;
  const std::string& s = n.Scalar();
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    c.error(n, field, "integer " + quote(s) + " is out of range");
    return false;
  }
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    c.error(n, field, "expected an integer, got " + quote(s));
    return false;
  }
  if (v < min || v > max) {
    c.error(
        n, field,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
    return false;
  }
  out = v;
  return true;
}

bool readDouble(DocContext& c, const YamlNode& n, const std::string& field, double& out, double min,
                double max) {
  if (!expectScalar(c, n, field, "a number")) return false;
  const std::string& s = n.Scalar();
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || !std::isfinite(v)) {
    c.error(n, field, "expected a number, got " + quote(s));
    return false;
  }
  if (v < min || v > max) {
    c.error(n, field,
            "must be between " + fmt::format("{}", min) + " and " + fmt::format("{}", max) +
                ", got " + s);
    return false;
  }
  out = v;
  return true;
}

bool readDuration(DocContext& c, const YamlNode& n, const std::string& field, Duration& out) {
  if (!expectScalar(c, n, field, "a duration such as \"90s\", \"24h\" or \"1h30m\"")) return false;
  auto d = Duration::parse(n.Scalar());
  if (!d) {
    c.error(n, field, d.error().message);
    return false;
  }
  out = *d;
  return true;
}

bool readEnum(DocContext& c, const YamlNode& n, const std::string& field, std::string& out,
              const std::vector<std::string>& allowed) {
  std::string s;
  if (!readString(c, n, field, s)) return false;
  if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) {
    out = s;
    return true;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  c.error(n, field,
          "invalid value " + quote(s) + "; expected one of " + list + didYouMean(s, allowed));
  return false;
}

bool readStringList(DocContext& c, const YamlNode& n, const std::string& field,
                    std::vector<std::string>& out) {
  if (!n.IsSequence()) {
    c.error(n, field, "expected a list of strings, got " + describeNode(n));
    return false;
  }
  if (!c.spend(n, n.size())) return false;
  bool ok = true;
  std::vector<std::string> items;
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::string s;
    if (readString(c, n[i], indexPath(field, i), s))
      items.push_back(std::move(s));
    else
      ok = false;
  }
  if (ok) out = std::move(items);
  return ok;
}

bool readStringMap(DocContext& c, const YamlNode& n, const std::string& field,
                   std::map<std::string, std::string>& out) {
  if (!n.IsMap()) {
    c.error(n, field, "expected a mapping of strings, got " + describeNode(n));
    return false;
  }
  if (!c.spend(n, n.size())) return false;
  bool ok = true;
  std::map<std::string, std::string> m;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k, v;
    if (!readString(c, it->first, field, k)) {
      ok = false;
      continue;
    }
    if (m.count(k)) {
      c.error(it->first, joinPath(field, k), "duplicate key");
      ok = false;
      continue;
    }
    if (readString(c, it->second, joinPath(field, k), v))
      m.emplace(k, v);
    else
      ok = false;
  }
  if (ok) out = std::move(m);
  return ok;
}

MapReader::MapReader(DocContext& ctx, const YamlNode& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!node.IsMap()) {
    ctx_.error(node, path_, "expected a mapping, got " + describeNode(node));
    return;
  }
  if (!ctx_.spend(node, node.size())) return;
  valid_ = true;
  std::set<std::string, std::less<>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx_.error(it->first, path_, "keys must be plain strings, got " + describeNode(it->first));
      continue;
    }
    const std::string& k = it->first.Scalar();
    if (!seen.insert(k).second) {
      ctx_.error(it->first, field(k), "duplicate key");
      continue;
    }
    entries_.emplace_back(it->first, it->second);
  }
}

std::optional<YamlNode> MapReader::take(std::string_view key) {
  known_.insert(std::string(key));
  for (const auto& [k, v] : entries_)
    if (k.Scalar() == key) return v;
  return std::nullopt;
}

std::optional<YamlNode> MapReader::require(std::string_view key) {
  auto v = take(key);
  if (!v && valid_) ctx_.error(node_, field(key), "missing required field");
  return v;
}

void MapReader::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) known_.insert(std::string(k));
}

bool MapReader::optString(std::string_view key, std::string& out) {
  auto v = take(key);
  return v && readString(ctx_, *v, field(key), out);
}

bool MapReader::reqString(std::string_view key, std::string& out) {
  auto v = require(key);
  if (!v) return false;
  if (!readString(ctx_, *v, field(key), out)) return false;
  if (out.empty()) {
    ctx_.error(*v, field(key), "must not be empty");
    return false;
  }
  return true;
}

bool MapReader::optBool(std::string_view key, bool& out) {
  auto v = take(key);
  return v && readBool(ctx_, *v, field(key), out);
}

bool MapReader::optInt(std::string_view key, std::int64_t& out, std::int64_t min,
                       std::int64_t max) {
  auto v = take(key);
  return v && readInt(ctx_, *v, field(key), out, min, max);
}

bool MapReader::optDouble(std::string_view key, double& out, double min, double max) {
  auto v = take(key);
  return v && readDouble(ctx_, *v, field(key), out, min, max);
}

bool MapReader::optDuration(std::string_view key, Duration& out) {
  auto v = take(key);
  return v && readDuration(ctx_, *v, field(key), out);
}

bool MapReader::optEnum(std::string_view key, std::string& out,
                        const std::vector<std::string>& allowed) {
  auto v = take(key);
  return v && readEnum(ctx_, *v, field(key), out, allowed);
}

bool MapReader::optStringList(std::string_view key, std::vector<std::string>& out) {
  auto v = take(key);
  return v && readStringList(ctx_, *v, field(key), out);
}

bool MapReader::optStringMap(std::string_view key, std::map<std::string, std::string>& out) {
  auto v = take(key);
  return v && readStringMap(ctx_, *v, field(key), out);
}

void MapReader::finish() {
  if (!valid_) return;
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& [k, v] : entries_) {
    if (known_.count(k.Scalar())) continue;
    ctx_.error(k, field(k.Scalar()), "unknown key" + didYouMean(k.Scalar(), known));
  }
}

}  // namespace nc::config::detail
