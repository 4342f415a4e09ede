// HCL2 native-syntax parser: bodies, blocks, attributes and the expression subset job files use.
#include <fmt/format.h>

#include <cctype>
#include <map>

#include "hcl.hpp"

namespace nc::nomadsim::hcl {

std::string Range::str(std::string_view file) const {
  if (start.line == end.line) {
    return fmt::format("{}:{},{}-{}", file, start.line, start.col, end.col);
  }
  return fmt::format("{}:{},{}-{},{}", file, start.line, start.col, end.line, end.col);
}

std::string Diagnostic::str(std::string_view file) const {
  std::string out = hasSubject ? subject.str(file) + ": " : std::string();
  out += summary;
  if (!detail.empty()) out += "; " + detail;
  return out;
}

std::string joinDiagnostics(const Diagnostics& diags, std::string_view file) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += '\n';
    out += d.str(file);
  }
  return out;
}

namespace {

struct SyntaxError {};

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

class Parser {
 public:
  Parser(std::string_view src, Diagnostics& diags) : src_(src), diags_(diags) {}

  Body parseFile() {
    Body body;
    try {
      parseBody(body, false, {});
    } catch (const SyntaxError&) {
    }
    return body;
  }

  /// Parses src_ as one expression (used for "${...}" contents); null on any error.
  ExprPtr parseStandaloneExpr() {
    try {
      skipAll();
      if (peek() == '~') next();
      auto e = parseExpr();
      skipAll();
      if (peek() == '~') next();
      skipAll();
      if (!eof()) return nullptr;
      return e;
    } catch (const SyntaxError&) {
      return nullptr;
    }
  }

 private:
  std::string_view src_;
  Diagnostics& diags_;
  Pos pos_;

  bool eof() const { return pos_.byte >= src_.size(); }
  char peek(std::size_t k = 0) const {
    return pos_.byte + k < src_.size() ? src_[pos_.byte + k] : '\0';
  }
  bool lookingAt(std::string_view s) const { return src_.substr(pos_.byte, s.size()) == s; }
  char next() {
    char c = src_[pos_.byte++];
    if (c == '\n') {
      ++pos_.line;
      pos_.col = 1;
    } else {
      ++pos_.col;
    }
    return c;
  }
  Range here(int width = 1) const {
    Pos e = pos_;
    e.col += width;
    e.byte += width;
    return {pos_, e};
  }

  [[noreturn]] void fail(std::string summary, std::string detail, Range r) {
    diags_.push_back({std::move(summary), std::move(detail), r});
    throw SyntaxError{};
  }

  // Skips spaces and comments on the current line (a block comment may span lines).
  void skipInline() {
    for (;;) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r') {
        next();
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (!eof() && peek() != '\n') next();
      } else if (c == '/' && peek(1) == '*') {
        Range r = here(2);
        next();
        next();
        while (!eof() && !(peek() == '*' && peek(1) == '/')) next();
        if (eof()) fail("Unterminated template string", "No closing marker was found for the comment.", r);
        next();
        next();
      } else {
        return;
      }
    }
  }
  void skipAll() {
    for (;;) {
      skipInline();
      if (peek() == '\n') {
        next();
      } else {
        return;
      }
    }
  }

  std::string readIdent() {
    std::string s;
    while (!eof() && isIdentChar(peek())) s += next();
    return s;
  }

  void expectLineEnd(const char* what) {
    skipInline();
    if (eof() || peek() == '\n') return;
    if (peek() == '}') return;  // single-line block "b { a = 1 }"
    fail(fmt::format("Missing newline after {}", what),
         fmt::format("An {} definition must end with a newline.", what), here());
  }

  void parseBody(Body& body, bool nested, Range open) {
    std::map<std::string, Range> seen;
    body.range.start = nested ? open.start : pos_;
    for (;;) {
      skipAll();
      if (eof()) {
        if (nested) {
          fail("Unclosed configuration block",
               "There is no closing brace for this block before the end of the file. This may be "
               "caused by incorrect brace nesting elsewhere in this file.",
               open);
        }
        body.range.end = pos_;
        return;
      }
      if (peek() == '}' && nested) {
        body.range.end = pos_;
        next();
        return;
      }
      if (!isIdentStart(peek())) {
        fail("Argument or block definition required",
             "An argument or block definition is required here.", here());
      }
      Pos start = pos_;
      std::string name = readIdent();
      Range nameRange{start, pos_};
      skipInline();
      if (peek() == '=' && peek(1) != '=') {
        next();
        auto it = seen.find(name);
        if (it != seen.end()) {
          fail("Attribute redefined",
               fmt::format("The argument \"{}\" was already set at {}. Each argument may be set "
                           "only once.",
                           name, it->second.str()),
               nameRange);
        }
        seen.emplace(name, nameRange);
        Attribute attr{name, parseExpr(), nameRange, {}};
        attr.range = {start, pos_};
        body.attributes.push_back(std::move(attr));
        expectLineEnd("argument");
        continue;
      }
      Block block;
      block.type = name;
      block.typeRange = nameRange;
      Pos defEnd = nameRange.end;
      for (;;) {
        skipInline();
        if (peek() == '"') {
          Pos ls = pos_;
          auto e = parseQuoted();
          if (e->parts.size() > 1 || (e->parts.size() == 1 && e->parts[0].interpolation)) {
            fail("Invalid string literal", "Template sequences are not allowed in this string.",
                 e->range);
          }
          block.labels.push_back(e->parts.empty() ? "" : e->parts[0].text);
          block.labelRanges.push_back({ls, pos_});
          defEnd = pos_;
        } else if (isIdentStart(peek())) {
          Pos ls = pos_;
          block.labels.push_back(readIdent());
          block.labelRanges.push_back({ls, pos_});
          defEnd = pos_;
        } else if (peek() == '{') {
          break;
        } else {
          fail("Invalid block definition",
               "Either a quoted string block label or an opening brace (\"{\") is expected here.",
               here());
        }
      }
      block.defRange = {start, defEnd};
      Range brace = here();
      next();
      parseBody(block.body, true, brace);
      body.blocks.push_back(std::move(block));
      expectLineEnd("block");
    }
  }

  std::shared_ptr<Expr> make(Expr::Kind k, Pos start) {
    auto e = std::make_shared<Expr>();
    e->kind = k;
    e->range.start = start;
    return e;
  }
  void finish(Expr& e) {
    e.range.end = pos_;
    e.source = std::string(src_.substr(e.range.start.byte, pos_.byte - e.range.start.byte));
  }

  ExprPtr parseExpr() {
    skipInline();
    auto e = parseOperand();
    skipInline();
    char c = peek();
    bool binary = (c == '+' || c == '*' || c == '/' || c == '%' || c == '?' || c == '<' ||
                   c == '>' || (c == '-' && peek(1) != '\n') || (c == '=' && peek(1) == '=') ||
                   (c == '!' && peek(1) == '=') || (c == '&' && peek(1) == '&') ||
                   (c == '|' && peek(1) == '|'));
    if (binary) {
      fail("Unsupported expression",
           "Operators and conditional expressions are not supported by nomad-sim's job parser.",
           here());
    }
    return e;
  }

  ExprPtr parseOperand() {
    Pos start = pos_;
    char c = peek();
    if (c == '"') return parseQuoted();
    if (c == '<' && peek(1) == '<') return parseHeredoc();
    if (c == '-') {
      auto e = make(Expr::Kind::Negate, start);
      next();
      skipInline();
      e->items.push_back(parseOperand());
      finish(*e);
      return e;
    }
    if (c == '[') return parseList();
    if (c == '{') return parseObject();
    if (c == '(') {
      next();
      skipAll();
      auto e = parseExpr();
      skipAll();
      if (peek() != ')') fail("Unbalanced parentheses", "Expected a closing parenthesis.", here());
      next();
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      auto e = make(Expr::Kind::Number, start);
      while (std::isdigit(static_cast<unsigned char>(peek()))) next();
      if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
        next();
        while (std::isdigit(static_cast<unsigned char>(peek()))) next();
      }
      if (peek() == 'e' || peek() == 'E') {
        next();
        if (peek() == '+' || peek() == '-') next();
        while (std::isdigit(static_cast<unsigned char>(peek()))) next();
      }
      finish(*e);
      e->number = e->source;
      return e;
    }
    if (isIdentStart(c)) {
      std::string id = readIdent();
      if (id == "true" || id == "false") {
        auto e = make(Expr::Kind::Bool, start);
        e->boolValue = id == "true";
        finish(*e);
        return e;
      }
      if (id == "null") {
        auto e = make(Expr::Kind::Null, start);
        finish(*e);
        return e;
      }
      auto e = make(Expr::Kind::Reference, start);
      e->traversal.push_back(id);
      for (;;) {
        if (peek() == '.' && isIdentStart(peek(1))) {
          next();
          e->traversal.push_back(readIdent());
        } else if (peek() == '[') {
          next();
          std::string key;
          if (peek() == '"') {
            auto k = parseQuoted();
            key = k->parts.empty() ? "" : k->parts[0].text;
          } else {
            while (!eof() && peek() != ']' && peek() != '\n') key += next();
          }
          if (peek() != ']') fail("Missing close bracket", "Expected \"]\" here.", here());
          next();
          e->traversal.push_back(key);
        } else {
          break;
        }
      }
      if (peek() == '(') {
        // A function call: kept as a reference to "__call__" and refused when evaluated.
        int depth = 0;
        do {
          if (eof()) fail("Unbalanced parentheses", "Expected a closing parenthesis.", here());
          char c2 = next();
          if (c2 == '(') ++depth;
          if (c2 == ')') --depth;
        } while (depth > 0);
        e->traversal.insert(e->traversal.begin(), "__call__");
      }
      finish(*e);
      return e;
    }
    fail("Invalid expression", "Expected the start of an expression, but found an invalid expression token.",
         here());
  }

  ExprPtr parseList() {
    auto e = make(Expr::Kind::List, pos_);
    next();
    for (;;) {
      skipAll();
      if (peek() == ']') break;
      if (eof()) fail("Unterminated list", "There is no closing bracket for this list.", e->range);
      e->items.push_back(parseExpr());
      skipAll();
      if (peek() == ',') {
        next();
      } else if (peek() != ']') {
        fail("Missing item separator", "Expected a comma to mark the beginning of the next item.",
             here());
      }
    }
    next();
    finish(*e);
    return e;
  }

  ExprPtr parseObject() {
    auto e = make(Expr::Kind::Object, pos_);
    next();
    for (;;) {
      skipAll();
      if (peek() == '}') break;
      if (eof()) fail("Unterminated object", "There is no closing brace for this object.", e->range);
      ExprPtr key;
      if (isIdentStart(peek())) {
        auto k = make(Expr::Kind::Template, pos_);
        TemplatePart p;
        p.text = readIdent();
        k->parts.push_back(p);
        finish(*k);
        key = k;
      } else {
        key = parseOperand();
      }
      skipInline();
      if (peek() != '=' && peek() != ':') {
        fail("Missing key/value separator",
             "Expected an equals sign (\"=\") to mark the beginning of the attribute value.", here());
      }
      next();
      auto value = parseExpr();
      e->entries.emplace_back(key, value);
      skipInline();
      if (peek() == ',') {
        next();
      } else if (peek() != '\n' && peek() != '}') {
        fail("Missing attribute separator",
             "Expected a newline or comma to mark the beginning of the next attribute.", here());
      }
    }
    next();
    finish(*e);
    return e;
  }

  // Finds the end of a "${...}" or "%{...}" sequence starting at pos_ (on '$' or '%').
  std::string readSequence() {
    Range r = here(2);
    std::string text;
    text += next();
    text += next();
    int depth = 1;
    bool inString = false;
    while (!eof()) {
      char c = peek();
      if (c == '\n' && inString) break;
      text += next();
      if (inString) {
        if (c == '\\' && !eof()) text += next();
        else if (c == '"') inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        return text;
      }
    }
    fail("Unterminated template string", "No closing marker was found for the string.", r);
  }

  void addLiteral(std::vector<TemplatePart>& parts, char c) {
    if (parts.empty() || parts.back().interpolation) parts.push_back({});
    parts.back().text += c;
  }
  void addLiteral(std::vector<TemplatePart>& parts, std::string_view s) {
    for (char c : s) addLiteral(parts, c);
  }
  void addSequence(std::vector<TemplatePart>& parts, std::string text) {
    TemplatePart p;
    p.interpolation = true;
    if (text[0] == '$') {
      Diagnostics ignored;
      Parser inner(std::string_view(text).substr(2, text.size() - 3), ignored);
      p.inner = inner.parseStandaloneExpr();
    }
    p.text = std::move(text);
    parts.push_back(std::move(p));
  }

  void appendUtf8(std::vector<TemplatePart>& parts, unsigned long cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    addLiteral(parts, s);
  }

  ExprPtr parseQuoted() {
    auto e = make(Expr::Kind::Template, pos_);
    Range open = here();
    next();
    for (;;) {
      if (eof() || peek() == '\n') {
        fail("Unterminated template string", "No closing marker was found for the string.", open);
      }
      char c = peek();
      if (c == '"') {
        next();
        break;
      }
      if (c == '\\') {
        Range r = here(2);
        next();
        char k = eof() ? '\0' : next();
        switch (k) {
          case 'n': addLiteral(e->parts, '\n'); break;
          case 'r': addLiteral(e->parts, '\r'); break;
          case 't': addLiteral(e->parts, '\t'); break;
          case '"': addLiteral(e->parts, '"'); break;
          case '\\': addLiteral(e->parts, '\\'); break;
          case 'u':
          case 'U': {
            int n = k == 'u' ? 4 : 8;
            std::string hex;
            for (int i = 0; i < n && std::isxdigit(static_cast<unsigned char>(peek())); ++i) {
              hex += next();
            }
            if (static_cast<int>(hex.size()) != n) {
              fail("Invalid escape sequence", "The \\u escape must be followed by hex digits.", r);
            }
            appendUtf8(e->parts, std::stoul(hex, nullptr, 16));
            break;
          }
          default:
            fail("Invalid escape sequence",
                 fmt::format("The symbol \"{}\" is not a valid escape sequence selector.", k), r);
        }
        continue;
      }
      if ((c == '$' || c == '%') && peek(1) == c && peek(2) == '{') {
        next();
        next();
        next();
        addLiteral(e->parts, std::string(1, c) + "{");
        continue;
      }
      if ((c == '$' || c == '%') && peek(1) == '{') {
        addSequence(e->parts, readSequence());
        continue;
      }
      addLiteral(e->parts, next());
    }
    finish(*e);
    return e;
  }

  ExprPtr parseHeredoc() {
    auto e = make(Expr::Kind::Template, pos_);
    Range open = here(2);
    next();
    next();
    bool indent = false;
    if (peek() == '-') {
      next();
      indent = true;
    }
    std::string marker = readIdent();
    if (marker.empty() || peek() != '\n') {
      fail("Invalid heredoc introduction",
           "A heredoc introduction must be followed by an identifier and a newline.", open);
    }
    next();
    std::vector<std::string> lines;
    for (;;) {
      if (eof()) {
        fail("Unterminated template string",
             fmt::format("No closing marker was found for the heredoc \"{}\".", marker), open);
      }
      std::size_t eol = src_.find('\n', pos_.byte);
      if (eol == std::string_view::npos) eol = src_.size();
      std::string_view line = src_.substr(pos_.byte, eol - pos_.byte);
      std::size_t ws = line.find_first_not_of(" \t");
      std::string_view trimmed = ws == std::string_view::npos ? "" : line.substr(ws);
      if (!trimmed.empty() && trimmed.back() == '\r') trimmed.remove_suffix(1);
      if (trimmed == marker) {
        while (pos_.byte < eol) next();
        break;
      }
      lines.emplace_back(line);
      while (pos_.byte < eol) next();
      if (!eof()) next();
    }
    if (indent) {
      std::size_t minIndent = std::string::npos;
      for (const auto& l : lines) {
        std::size_t ws = l.find_first_not_of(" \t");
        if (ws != std::string::npos) minIndent = std::min(minIndent, ws);
      }
      if (minIndent == std::string::npos) minIndent = 0;
      for (auto& l : lines) l = l.size() >= minIndent ? l.substr(minIndent) : "";
    }
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    // Template sequences inside the heredoc: same rules as quoted strings, but no escapes.
    for (std::size_t i = 0; i < text.size();) {
      char c = text[i];
      if ((c == '$' || c == '%') && i + 2 < text.size() && text[i + 1] == c && text[i + 2] == '{') {
        addLiteral(e->parts, std::string(1, c) + "{");
        i += 3;
      } else if ((c == '$' || c == '%') && i + 1 < text.size() && text[i + 1] == '{') {
        int depth = 0;
        std::size_t j = i + 1;
        for (; j < text.size(); ++j) {
          if (text[j] == '{') ++depth;
          if (text[j] == '}' && --depth == 0) break;
        }
        if (j >= text.size()) {
          fail("Unterminated template string", "No closing marker was found for the string.", open);
        }
        addSequence(e->parts, text.substr(i, j - i + 1));
        i = j + 1;
      } else {
        addLiteral(e->parts, c);
        ++i;
      }
    }
    finish(*e);
    return e;
  }
};

}  // namespace

Body parse(std::string_view source, Diagnostics& diags) {
  Parser p(source, diags);
  return p.parseFile();
}

}  // namespace nc::nomadsim::hcl
