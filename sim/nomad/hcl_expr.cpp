// HCL expressions: literals, references, lists, objects and unary minus.
#include <cctype>

#include "hcl_parser_impl.hpp"

namespace nc::nomadsim::hcl::detail {

ExprPtr Parser::parseExpr() {
  skipInline();
  auto e = parseOperand();
  skipInline();
  char c = peek();
  bool binary = (c == '+' || c == '*' || c == '/' || c == '%' || c == '?' || c == '<' || c == '>' ||
                 (c == '-' && peek(1) != '\n') || (c == '=' && peek(1) == '=') ||
                 (c == '!' && peek(1) == '=') || (c == '&' && peek(1) == '&') ||
                 (c == '|' && peek(1) == '|'));
  if (binary) {
    fail("Unsupported expression",
         "Operators and conditional expressions are not supported by nomad-sim's job parser.",
         here());
  }
  return e;
}

ExprPtr Parser::parseOperand() {
  const Nesting nesting(*this, here());
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
  fail("Invalid expression",
       "Expected the start of an expression, but found an invalid expression token.", here());
}

ExprPtr Parser::parseList() {
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

ExprPtr Parser::parseObject() {
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

}  // namespace nc::nomadsim::hcl::detail
