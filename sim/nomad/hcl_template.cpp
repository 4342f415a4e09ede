// HCL template expressions: quoted strings with escapes and ${...} sequences, heredocs.
#include <fmt/format.h>

#include <cctype>

#include "hcl_parser_impl.hpp"

namespace nc::nomadsim::hcl::detail {

std::string Parser::readSequence() {
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
      if (c == '\\' && !eof())
        text += next();
      else if (c == '"')
        inString = false;
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

void Parser::addSequence(std::vector<TemplatePart>& parts, std::string text) {
  TemplatePart p;
  p.interpolation = true;
  if (text[0] == '$') {
    Diagnostics ignored;
    Parser inner(std::string_view(text).substr(2, text.size() - 3), ignored, depth_ + 1);
    p.inner = inner.parseStandaloneExpr();
  }
  p.text = std::move(text);
  parts.push_back(std::move(p));
}

void Parser::appendUtf8(std::vector<TemplatePart>& parts, unsigned long cp) {
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

ExprPtr Parser::parseQuoted() {
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
        case 'n':
          addLiteral(e->parts, '\n');
          break;
        case 'r':
          addLiteral(e->parts, '\r');
          break;
        case 't':
          addLiteral(e->parts, '\t');
          break;
        case '"':
          addLiteral(e->parts, '"');
          break;
        case '\\':
          addLiteral(e->parts, '\\');
          break;
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

ExprPtr Parser::parseHeredoc() {
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

}  // namespace nc::nomadsim::hcl::detail
