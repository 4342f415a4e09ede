// Minimal HCL reader: enough of HCL's native syntax to read job, agent and policy files.
#include "preflight/hcl_reader.hpp"

#include <algorithm>
#include <cctype>

namespace nc::preflight {

const HclAttr* HclBlock::attr(std::string_view name) const {
  for (const auto& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<const HclBlock*> HclBlock::children(std::string_view t) const {
  std::vector<const HclBlock*> out;
  for (const auto& b : blocks)
    if (b.type == t) out.push_back(&b);
  return out;
}

namespace {

class Reader {
 public:
  Reader(std::string_view s, int firstLine) : s_(s), line_(firstLine) {}

  Result<HclBlock> document() {
    HclBlock root;
    root.line = line_;
    if (auto r = body(root, false); !r) return r.error();
    return root;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  int line_;

  Error fail(const std::string& what) const {
    return makeError(errc::parse_error, "line " + std::to_string(line_) + ": " + what);
  }
  bool eof() const { return i_ >= s_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  char next() {
    char c = s_[i_++];
    if (c == '\n') ++line_;
    return c;
  }

  // Skips blanks and comments; stops at a newline unless `newlines`.
  void skip(bool newlines) {
    while (!eof()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n') || (c == ',' && newlines)) {
        next();
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (!eof() && peek() != '\n') next();
      } else if (c == '/' && peek(1) == '*') {
        next(), next();
        while (!eof() && !(peek() == '*' && peek(1) == '/')) next();
        if (!eof()) next(), next();
      } else {
        break;
      }
    }
  }

  static bool identChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }

  std::string ident() {
    std::size_t b = i_;
    while (!eof() && identChar(peek())) next();
    return std::string(s_.substr(b, i_ - b));
  }

  Result<std::string> quoted() {
    next();  // opening quote
    std::string out;
    int depth = 0;  // inside ${ } / %{ } a quote does not end the string
    while (true) {
      if (eof() || peek() == '\n') return fail("unterminated string");
      char c = next();
      if (depth == 0 && c == '"') break;
      if (c == '\\') {
        char e = eof() ? '\\' : next();
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          default:
            out += e;
        }
        continue;
      }
      if ((c == '$' || c == '%') && peek() == '{') {
        out += c;
        out += next();
        ++depth;
        continue;
      }
      if (depth > 0 && c == '"') {  // a nested string inside an interpolation
        out += c;
        while (!eof() && peek() != '"' && peek() != '\n') out += next();
        if (!eof() && peek() == '"') out += next();
        continue;
      }
      if (depth > 0 && c == '}') --depth;
      out += c;
    }
    return out;
  }

  Result<std::string> heredoc(int& contentLine) {
    i_ += 2;  // <<
    bool indent = peek() == '-';
    if (indent) next();
    std::string marker = ident();
    if (marker.empty()) return fail("heredoc without a marker");
    while (!eof() && peek() != '\n') next();
    if (eof()) return fail("unterminated heredoc " + marker);
    next();
    contentLine = line_;
    std::vector<std::string_view> lines;
    while (true) {
      if (eof()) return fail("unterminated heredoc " + marker);
      std::size_t b = i_;
      while (!eof() && peek() != '\n') next();
      std::string_view ln = s_.substr(b, i_ - b);
      if (!eof()) next();
      std::string_view trimmed = ln;
      while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
        trimmed.remove_prefix(1);
      while (!trimmed.empty() && trimmed.back() == '\r') trimmed.remove_suffix(1);
      if (trimmed == marker) break;
      lines.push_back(ln);
    }
    std::size_t strip = 0;
    if (indent) {
      strip = std::string::npos;
      for (auto ln : lines) {
        std::size_t k = ln.find_first_not_of(" \t");
        if (k == std::string_view::npos) continue;  // blank lines do not count
        strip = std::min(strip, k);
      }
      if (strip == std::string::npos) strip = 0;
    }
    std::string out;
    for (auto ln : lines) {
      out += ln.size() >= strip ? ln.substr(strip) : std::string_view{};
      out += '\n';
    }
    return out;
  }

  // Any other expression: copied as text up to the end of the line at bracket depth 0.
  Result<std::string> rawExpr() {
    std::size_t b = i_;
    int depth = 0;
    while (!eof()) {
      char c = peek();
      if (c == '"') {
        if (auto q = quoted(); !q) return q.error();
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      }
      if (depth == 0 && (c == '\n' || c == '#' || c == ',')) break;
      next();
    }
    std::string t(s_.substr(b, i_ - b));
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    return t;
  }

  Result<void> value(HclAttr& a) {
    skip(false);
    a.valueLine = line_;
    if (peek() == '"') {
      auto q = quoted();
      if (!q) return q.error();
      a.text = std::move(*q), a.isString = true;
    } else if (peek() == '<' && peek(1) == '<') {
      auto h = heredoc(a.valueLine);
      if (!h) return h.error();
      a.text = std::move(*h), a.isString = true;
    } else if (peek() == '[') {
      std::size_t b = i_;
      next();
      bool allStrings = true;
      while (true) {
        skip(true);
        if (eof()) return fail("unterminated list");
        if (peek() == ']') {
          next();
          break;
        }
        if (peek() == '"') {
          auto q = quoted();
          if (!q) return q.error();
          a.list.push_back(std::move(*q));
        } else {
          allStrings = false;
          auto r = rawExpr();
          if (!r) return r.error();
          if (r->empty()) return fail("unexpected '" + std::string(1, peek()) + "' in list");
        }
      }
      a.isList = allStrings;
      a.text = std::string(s_.substr(b, i_ - b));
    } else if (peek() == '{') {  // object value: keep its text
      std::size_t b = i_;
      int depth = 0;
      do {
        if (eof()) return fail("unterminated object");
        char c = peek();
        if (c == '"') {
          if (auto q = quoted(); !q) return q.error();
          continue;
        }
        if (c == '{') ++depth;
        if (c == '}') --depth;
        next();
      } while (depth > 0);
      a.text = std::string(s_.substr(b, i_ - b));
    } else {
      auto r = rawExpr();
      if (!r) return r.error();
      if (r->empty()) return fail("attribute " + a.name + " has no value");
      a.text = std::move(*r);
    }
    return {};
  }

  Result<void> body(HclBlock& into, bool nested) {
    while (true) {
      skip(true);
      if (eof()) {
        if (nested)
          return fail("block " + into.type + " (line " + std::to_string(into.line) +
                      ") is not closed");
        return {};
      }
      if (peek() == '}') {
        if (!nested) return fail("unexpected '}'");
        next();
        return {};
      }
      int at = line_;
      std::string name = peek() == '"' ? std::string() : ident();
      if (name.empty() && peek() != '"') return fail("unexpected '" + std::string(1, peek()) + "'");
      skip(false);
      if (peek() == '=' && peek(1) != '=') {
        next();
        HclAttr a;
        a.name = std::move(name);
        a.line = at;
        if (auto r = value(a); !r) return r;
        into.attrs.push_back(std::move(a));
        continue;
      }
      HclBlock b;
      b.type = std::move(name);
      b.line = at;
      while (true) {
        skip(false);
        if (peek() == '"') {
          auto q = quoted();
          if (!q) return q.error();
          if (b.type.empty()) return fail("a block label without a block type");
          b.labels.push_back(std::move(*q));
        } else if (identChar(peek())) {
          b.labels.push_back(ident());
        } else {
          break;
        }
      }
      if (peek() != '{') return fail("expected '{' or '=' after " + b.type);
      next();
      if (auto r = body(b, true); !r) return r;
      into.blocks.push_back(std::move(b));
    }
  }
};

}  // namespace

Result<HclBlock> readHcl(std::string_view text, int firstLine) {
  return Reader(text, firstLine).document();
}

}  // namespace nc::preflight
