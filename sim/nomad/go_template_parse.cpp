// Go text/template subset: the action tokenizer, pipeline parser, lexer and tree parser.
#include <fmt/format.h>

#include <cctype>

#include "go_template_ast.hpp"

namespace nc::nomadsim::gotmpl {

Error tmplError(const std::string& msg) {
  return Error(errc::invalid_argument, "template: " + msg);
}

namespace {

bool isSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// --- action tokenizer and pipeline parser ---------------------------------------------------
// Parentheses, with/range/if and "else if" nest by recursion (and so do rendering and freeing
// the tree): deeper input is refused rather than allowed to overflow the stack.
constexpr int kMaxNesting = 500;

Error tooDeep() {
  return tmplError(fmt::format("nested more than {} levels deep", kMaxNesting));
}

struct ActionParser {
  std::string_view s;
  std::size_t p = 0;
  int depth = 0;

  void skip() {
    while (p < s.size() && isSpace(s[p])) ++p;
  }
  Result<Pipe> pipe(bool inParen) {
    Pipe out;
    std::vector<Operand> cmd;
    for (;;) {
      skip();
      if (p >= s.size() || (inParen && s[p] == ')')) break;
      if (s[p] == '|') {
        if (cmd.empty()) return tmplError("missing command before |");
        out.cmds.push_back(std::move(cmd));
        cmd.clear();
        ++p;
        continue;
      }
      auto op = operand();
      if (!op) return op.error();
      cmd.push_back(std::move(op.value()));
    }
    if (inParen) {
      if (p >= s.size()) return tmplError("unclosed left paren");
      ++p;
    }
    if (cmd.empty())
      return tmplError(out.cmds.empty() ? "missing value for command" : "missing command after |");
    out.cmds.push_back(std::move(cmd));
    return out;
  }
  Result<Operand> operand() {
    Operand o;
    char c = s[p];
    if (c == '"') {
      o.kind = Operand::Str;
      for (++p; p < s.size() && s[p] != '"'; ++p) {
        if (s[p] == '\\' && p + 1 < s.size()) {
          char e = s[++p];
          o.text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          o.text += s[p];
        }
      }
      if (p >= s.size()) return tmplError("unterminated quoted string");
      ++p;
    } else if (c == '`') {
      o.kind = Operand::Str;
      auto end = s.find('`', p + 1);
      if (end == std::string_view::npos) return tmplError("unterminated raw quoted string");
      o.text = std::string(s.substr(p + 1, end - p - 1));
      p = end + 1;
    } else if (c == '(') {
      if (depth >= kMaxNesting) return tooDeep();
      ++p;
      ++depth;
      auto sub = pipe(true);
      --depth;
      if (!sub) return sub.error();
      o.kind = Operand::Sub;
      o.sub = std::make_shared<Pipe>(std::move(sub.value()));
    } else if (c == '.') {
      o.kind = Operand::Field;
      ++p;
      while (p < s.size() && !isSpace(s[p]) && s[p] != ')' && s[p] != '|') {
        std::size_t e = p;
        while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_')) ++e;
        if (e == p) return tmplError(fmt::format("bad character {:?} in field", s[p]));
        o.fields.emplace_back(s.substr(p, e - p));
        p = e;
        if (p < s.size() && s[p] == '.') ++p;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      o.kind = Operand::Num;
      while (p < s.size() && !isSpace(s[p]) && s[p] != ')' && s[p] != '|') o.text += s[p++];
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_'))
        o.text += s[p++];
      o.kind = o.text == "true" || o.text == "false" ? Operand::Bool
               : o.text == "nil"                     ? Operand::Nil
                                                     : Operand::Ident;
    } else {
      return tmplError(fmt::format("unexpected {:?} in command", c));
    }
    return o;
  }
};

Result<Pipe> parsePipe(std::string_view text) {
  ActionParser ap{text};
  return ap.pipe(false);
}

// --- template lexer and tree parser ---------------------------------------------------------
struct Piece {
  bool action = false;
  std::string text;
};

// The right delimiter that ends an action; quoted strings inside the action may contain it.
std::size_t findClose(std::string_view t, std::size_t i, std::string_view right) {
  while (i < t.size()) {
    if (t.compare(i, right.size(), right) == 0) return i;
    if (t[i] == '"' || t[i] == '`') {
      char q = t[i];
      for (++i; i < t.size() && t[i] != q; ++i) {
        if (q == '"' && t[i] == '\\') ++i;
      }
    }
    ++i;
  }
  return std::string_view::npos;
}

Result<std::vector<Piece>> lex(std::string_view t, std::string_view left, std::string_view right) {
  std::vector<Piece> out;
  std::size_t pos = 0;
  bool trimNext = false;
  for (;;) {
    std::size_t open = t.find(left, pos);
    std::string chunk(
        t.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (trimNext)
      chunk.erase(0, std::find_if(chunk.begin(), chunk.end(), [](char c) { return !isSpace(c); }) -
                         chunk.begin());
    if (open == std::string_view::npos) {
      out.push_back({false, chunk});
      return out;
    }
    std::size_t close = findClose(t, open + left.size(), right);
    if (close == std::string_view::npos) return tmplError("unclosed action");
    std::string action(t.substr(open + left.size(), close - open - left.size()));
    if (action.size() >= 2 && action[0] == '-' && isSpace(action[1])) {
      while (!chunk.empty() && isSpace(chunk.back())) chunk.pop_back();
      action.erase(0, 1);
    }
    trimNext = action.size() >= 2 && action.back() == '-' && isSpace(action[action.size() - 2]);
    if (trimNext) action.pop_back();
    out.push_back({false, chunk});
    std::size_t b = action.find_first_not_of(" \t\r\n");
    std::string trimmed =
        b == std::string::npos ? "" : action.substr(b, action.find_last_not_of(" \t\r\n") - b + 1);
    if (trimmed.rfind("/*", 0) != 0) out.push_back({true, trimmed});
    pos = close + right.size();
  }
}

struct TreeParser {
  const std::vector<Piece>& pieces;
  std::size_t i = 0;
  int depth = 0;

  static std::string keyword(const std::string& a, std::string* rest) {
    std::size_t e = 0;
    while (e < a.size() && std::isalpha(static_cast<unsigned char>(a[e]))) ++e;
    std::string kw = a.substr(0, e);
    if (rest) *rest = a.substr(e);
    return kw;
  }
  // Parses nodes until "end" or "else..." (returned in term) or the end of input ("").
  Result<std::vector<Node>> list(std::string& term) {
    std::vector<Node> out;
    for (; i < pieces.size(); ++i) {
      const Piece& pc = pieces[i];
      if (!pc.action) {
        if (!pc.text.empty()) out.push_back({Node::Text, pc.text, {}, {}, {}});
        continue;
      }
      std::string rest;
      std::string kw = keyword(pc.text, &rest);
      if (kw == "end" || kw == "else") {
        term = pc.text;
        ++i;
        return out;
      }
      if (kw == "with" || kw == "range" || kw == "if") {
        ++i;
        auto n = control(kw, rest);
        if (!n) return n.error();
        out.push_back(std::move(n.value()));
        --i;
        continue;
      }
      auto p = parsePipe(pc.text);
      if (!p) return p.error();
      out.push_back({Node::Action, "", std::move(p.value()), {}, {}});
    }
    term.clear();
    return out;
  }
  Result<Node> control(const std::string& kw, const std::string& pipeText) {
    if (depth >= kMaxNesting) return tooDeep();
    ++depth;
    auto n = controlBody(kw, pipeText);
    --depth;
    return n;
  }
  Result<Node> controlBody(const std::string& kw, const std::string& pipeText) {
    Node n;
    n.kind = kw == "with" ? Node::With : kw == "range" ? Node::Range : Node::If;
    auto p = parsePipe(pipeText);
    if (!p) return p.error();
    n.pipe = std::move(p.value());
    std::string term;
    auto body = list(term);
    if (!body) return body.error();
    n.body = std::move(body.value());
    if (term.empty()) return tmplError(fmt::format("unexpected EOF in {}", kw));
    std::string rest;
    keyword(term, &rest);
    if (term.rfind("else", 0) == 0) {
      std::size_t b = rest.find_first_not_of(" \t\r\n");
      if (b !=
          std::string::npos) {  // "else if ..." / "else with ...": a nested node owning the end
        std::string inner = rest.substr(b), innerRest;
        std::string ikw = keyword(inner, &innerRest);
        if (ikw != "if" && ikw != "with") return tmplError("unexpected " + term);
        auto nested = control(ikw, innerRest);
        if (!nested) return nested.error();
        n.elseBody.push_back(std::move(nested.value()));
        return n;
      }
      auto eb = list(term);
      if (!eb) return eb.error();
      n.elseBody = std::move(eb.value());
      if (term != "end")
        return tmplError(fmt::format("expected end; found {}", term.empty() ? "EOF" : term));
    }
    return n;
  }
};

}  // namespace

Result<std::vector<Node>> parse(std::string_view tmpl, std::string_view left,
                                std::string_view right) {
  auto pieces = lex(tmpl, left.empty() ? "{{" : left, right.empty() ? "}}" : right);
  if (!pieces) return pieces.error();
  TreeParser tp{pieces.value()};
  std::string term;
  auto nodes = tp.list(term);
  if (!nodes) return nodes.error();
  if (!term.empty()) return tmplError("unexpected {{" + term + "}}");
  return nodes;
}

}  // namespace nc::nomadsim::gotmpl
