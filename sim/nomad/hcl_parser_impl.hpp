// Internals of the HCL parser shared by hcl_parser.cpp (bodies), hcl_expr.cpp (expressions) and
// hcl_template.cpp (quoted strings, heredocs, escapes).
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "hcl.hpp"

namespace nc::nomadsim::hcl::detail {

struct SyntaxError {};

inline bool isIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
inline bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

class Parser {
 public:
  /// `depth` is the nesting already entered by an enclosing parser (a "${...}" inside a string).
  Parser(std::string_view src, Diagnostics& diags, int depth = 0)
      : src_(src), diags_(diags), depth_(depth) {}

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
  // Blocks, lists, objects, parentheses, unary minus and "${...}" nest by recursion; past this
  // depth the input is refused with a diagnostic instead of overflowing the stack.
  static constexpr int kMaxNesting = 200;

  std::string_view src_;
  Diagnostics& diags_;
  Pos pos_;
  int depth_ = 0;

  /// Held while parsing one nested construct.
  class Nesting {
   public:
    Nesting(Parser& p, Range at) : p_(p) {
      if (p_.depth_ >= kMaxNesting)
        p_.fail("Nesting too deep",
                "Blocks and expressions nest more than " + std::to_string(kMaxNesting) +
                    " levels deep; nomad-sim's job parser refuses such input.",
                at);
      ++p_.depth_;
    }
    ~Nesting() { --p_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& p_;
  };

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
  void skipInline();
  void skipAll();

  std::string readIdent() {
    std::string s;
    while (!eof() && isIdentChar(peek())) s += next();
    return s;
  }

  void expectLineEnd(const char* what);

  void parseBody(Body& body, bool nested, Range open);

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

  ExprPtr parseExpr();

  ExprPtr parseOperand();

  ExprPtr parseList();

  ExprPtr parseObject();

  // Finds the end of a "${...}" or "%{...}" sequence starting at pos_ (on '$' or '%').
  std::string readSequence();

  void addLiteral(std::vector<TemplatePart>& parts, char c) {
    if (parts.empty() || parts.back().interpolation) parts.push_back({});
    parts.back().text += c;
  }
  void addLiteral(std::vector<TemplatePart>& parts, std::string_view s) {
    for (char c : s) addLiteral(parts, c);
  }
  void addSequence(std::vector<TemplatePart>& parts, std::string text);

  void appendUtf8(std::vector<TemplatePart>& parts, unsigned long cp);

  ExprPtr parseQuoted();

  ExprPtr parseHeredoc();
};

}  // namespace nc::nomadsim::hcl::detail
