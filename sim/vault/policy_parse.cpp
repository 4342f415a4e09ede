// ACL policy text parsing: Vault's policy HCL subset and JSON into path rules with capabilities.
#include "vault/acl_policy.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <rapidjson/document.h>

namespace nc::vault_sim {
namespace {

// A tiny HCL value tree: enough for policies.
struct HclValue {
  enum Kind { String, Number, Bool, List, Object } kind = String;
  std::string text;
  std::vector<HclValue> items;  // list items
  // object entries: key, labels, value (blocks are objects with labels)
  struct Entry {
    std::string key;
    std::vector<std::string> labels;
    int line = 0;
    std::unique_ptr<HclValue> value;
  };
  std::vector<Entry> entries;
};

class HclParser {
 public:
  explicit HclParser(std::string_view s) : s_(s) {}

  Result<HclValue> parseBody(bool nested) {
    HclValue obj;
    obj.kind = HclValue::Object;
    while (true) {
      skip();
      if (pos_ >= s_.size()) {
        if (nested) return err("unexpected end of input, expected '}'");
        return obj;
      }
      if (s_[pos_] == '}') {
        if (!nested) return err("unexpected '}'");
        ++pos_;
        return obj;
      }
      HclValue::Entry e;
      e.line = line_;
      auto key = parseKey();
      if (!key) return key.error();
      e.key = *key;
      skip();
      while (pos_ < s_.size() && s_[pos_] == '"') {
        auto lbl = parseString();
        if (!lbl) return lbl.error();
        e.labels.push_back(*lbl);
        skip();
      }
      if (pos_ < s_.size() && (s_[pos_] == '=' || s_[pos_] == ':')) {
        ++pos_;
        skip();
      } else if (pos_ >= s_.size() || s_[pos_] != '{') {
        return err("expected '=' or '{' after key \"" + e.key + "\"");
      }
      auto v = parseValue();
      if (!v) return v.error();
      e.value = std::make_unique<HclValue>(std::move(*v));
      obj.entries.push_back(std::move(e));
      skip();
      if (pos_ < s_.size() && s_[pos_] == ',') ++pos_;
    }
  }

 private:
  Error err(std::string m) const {
    return makeError(errc::parse_error, "At " + std::to_string(line_) + ": " + m);
  }
  void skip() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#' || (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/')) {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '*') {
        auto end = s_.find("*/", pos_ + 2);
        for (auto i = pos_; i < std::min(end, s_.size()); ++i)
          if (s_[i] == '\n') ++line_;
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        break;
      }
    }
  }
  Result<std::string> parseKey() {
    if (s_[pos_] == '"') return parseString();
    std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == '-' || s_[pos_] == '.'))
      ++pos_;
    if (start == pos_) return err(std::string("illegal char '") + s_[pos_] + "'");
    return std::string(s_.substr(start, pos_ - start));
  }
  Result<std::string> parseString() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\n') return err("literal not terminated");
      if (c == '\\' && pos_ < s_.size()) {
        char e = s_[pos_++];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += c;
      }
    }
    if (pos_ >= s_.size()) return err("literal not terminated");
    ++pos_;
    return out;
  }
  Result<HclValue> parseValue() {
    // Objects and lists nest by recursion; deeper input is refused, not a stack overflow.
    if (depth_ >= kMaxNesting) return err("nested more than 100 levels deep");
    ++depth_;
    auto v = parseValueAt();
    --depth_;
    return v;
  }
  Result<HclValue> parseValueAt() {
    skip();
    if (pos_ >= s_.size()) return err("expected a value");
    char c = s_[pos_];
    HclValue v;
    if (c == '"') {
      auto str = parseString();
      if (!str) return str.error();
      v.text = *str;
      return v;
    }
    if (c == '{') {
      ++pos_;
      return parseBody(true);
    }
    if (c == '[') {
      ++pos_;
      v.kind = HclValue::List;
      while (true) {
        skip();
        if (pos_ >= s_.size()) return err("unterminated list");
        if (s_[pos_] == ']') {
          ++pos_;
          return v;
        }
        auto item = parseValue();
        if (!item) return item.error();
        v.items.push_back(std::move(*item));
        skip();
        if (pos_ < s_.size() && s_[pos_] == ',')
          ++pos_;
        else if (pos_ < s_.size() && s_[pos_] != ']')
          return err("expected ',' or ']' in list");
      }
    }
    auto word = parseKey();
    if (!word) return word.error();
    v.kind = (*word == "true" || *word == "false") ? HclValue::Bool : HclValue::Number;
    v.text = *word;
    return v;
  }

  static constexpr int kMaxNesting = 100;
  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int depth_ = 0;
};

Error parseFail(const std::string& m) {
  return makeError(errc::parse_error, "failed to parse policy: " + m);
}

Result<std::uint32_t> capsFrom(const std::string& path, const std::vector<std::string>& caps,
                               const std::string& legacy) {
  std::uint32_t bits = 0;
  for (const auto& c : caps) {
    if (c == "deny")
      bits |= kDeny;
    else if (c == "create")
      bits |= kCreate;
    else if (c == "read")
      bits |= kRead;
    else if (c == "update")
      bits |= kUpdate;
    else if (c == "delete")
      bits |= kDelete;
    else if (c == "list")
      bits |= kList;
    else if (c == "sudo")
      bits |= kSudo;
    else if (c == "patch")
      bits |= kPatch;
    else if (c == "root" || c == "subscribe" || c == "recover")
      continue;
    else
      return parseFail("path \"" + path + "\": invalid capability \"" + c + "\"");
  }
  if (legacy == "deny")
    bits |= kDeny;
  else if (legacy == "read")
    bits |= kRead | kList;
  else if (legacy == "write")
    bits |= kRead | kList | kCreate | kUpdate | kDelete;
  else if (legacy == "sudo")
    bits |= kRead | kList | kCreate | kUpdate | kDelete | kSudo;
  else if (!legacy.empty())
    return parseFail("path \"" + path + "\": invalid policy \"" + legacy + "\"");
  if (bits & kDeny) bits = kDeny;
  return bits;
}

const char* kPathKeys[] = {"policy",
                           "capabilities",
                           "allowed_parameters",
                           "denied_parameters",
                           "required_parameters",
                           "min_wrapping_ttl",
                           "max_wrapping_ttl",
                           "control_group",
                           "mfa_methods",
                           "subscribe_event_types",
                           "pagination_limit"};

Result<ParsedPolicy> parseJsonPolicy(const rapidjson::Document& d) {
  ParsedPolicy p;
  auto paths = d.FindMember("path");
  if (paths == d.MemberEnd()) return p;
  if (!paths->value.IsObject()) return parseFail("\"path\" must be an object");
  for (auto it = paths->value.MemberBegin(); it != paths->value.MemberEnd(); ++it) {
    std::string path = it->name.GetString();
    std::vector<std::string> caps;
    std::string legacy;
    if (it->value.IsObject()) {
      if (auto c = it->value.FindMember("capabilities");
          c != it->value.MemberEnd() && c->value.IsArray())
        for (auto& x : c->value.GetArray())
          if (x.IsString()) caps.emplace_back(x.GetString());
      if (auto l = it->value.FindMember("policy");
          l != it->value.MemberEnd() && l->value.IsString())
        legacy = l->value.GetString();
    }
    auto bits = capsFrom(path, caps, legacy);
    if (!bits) return bits.error();
    if (!path.empty() && path[0] == '/') path.erase(0, 1);
    p.rules.push_back({path, *bits});
  }
  return p;
}

}  // namespace

Result<ParsedPolicy> parsePolicy(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (!d.HasParseError() && d.IsObject()) return parseJsonPolicy(d);
  }
  HclParser parser(text);
  auto body = parser.parseBody(false);
  if (!body) return parseFail(body.error().message);
  ParsedPolicy p;
  for (const auto& e : body->entries) {
    if (e.key == "name") continue;
    if (e.key != "path")
      return parseFail("invalid key \"" + e.key + "\" on line " + std::to_string(e.line));
    // `path "x" { }` or `path = { "x" = { } }`
    std::vector<std::pair<std::string, const HclValue*>> blocks;
    if (!e.labels.empty()) {
      blocks.emplace_back(e.labels[0], e.value.get());
    } else if (e.value->kind == HclValue::Object) {
      for (const auto& inner : e.value->entries) blocks.emplace_back(inner.key, inner.value.get());
    }
    for (const auto& [rawPath, block] : blocks) {
      if (block->kind != HclValue::Object)
        return parseFail("path \"" + rawPath + "\": expected a block");
      std::vector<std::string> caps;
      std::string legacy;
      for (const auto& pe : block->entries) {
        if (std::find(std::begin(kPathKeys), std::end(kPathKeys), pe.key) == std::end(kPathKeys))
          return parseFail("path \"" + rawPath + "\": invalid key \"" + pe.key + "\" on line " +
                           std::to_string(pe.line));
        if (pe.key == "capabilities") {
          if (pe.value->kind != HclValue::List)
            return parseFail("path \"" + rawPath + "\": capabilities must be a list");
          for (const auto& item : pe.value->items) caps.push_back(item.text);
        } else if (pe.key == "policy") {
          legacy = pe.value->text;
        }
      }
      auto bits = capsFrom(rawPath, caps, legacy);
      if (!bits) return bits.error();
      std::string path = rawPath;
      if (!path.empty() && path[0] == '/') path.erase(0, 1);
      p.rules.push_back({path, *bits});
    }
  }
  return p;
}

}  // namespace nc::vault_sim
