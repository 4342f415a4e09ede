// HCL2 native-syntax parser: diagnostics, bodies, blocks and attributes (hcl_expr.cpp parses
// expressions, hcl_template.cpp strings and heredocs).
#include <fmt/format.h>

#include <map>

#include "hcl_parser_impl.hpp"

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

namespace detail {

void Parser::skipInline() {
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
      if (eof())
        fail("Unterminated template string", "No closing marker was found for the comment.", r);
      next();
      next();
    } else {
      return;
    }
  }
}

void Parser::skipAll() {
  for (;;) {
    skipInline();
    if (peek() == '\n') {
      next();
    } else {
      return;
    }
  }
}

void Parser::expectLineEnd(const char* what) {
  skipInline();
  if (eof() || peek() == '\n') return;
  if (peek() == '}') return;  // single-line block "b { a = 1 }"
  fail(fmt::format("Missing newline after {}", what),
       fmt::format("An {} definition must end with a newline.", what), here());
}

void Parser::parseBody(Body& body, bool nested, Range open) {
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
    {
      const Nesting nesting(*this, brace);
      parseBody(block.body, true, brace);
    }
    body.blocks.push_back(std::move(block));
    expectLineEnd("block");
  }
}

}  // namespace detail

Body parse(std::string_view source, Diagnostics& diags) {
  detail::Parser p(source, diags);
  return p.parseFile();
}

}  // namespace nc::nomadsim::hcl
