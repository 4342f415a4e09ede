// Go text/template subset for consul-template templates: lexer, parser and evaluator.
#include "go_template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace nc::nomadsim {
namespace {

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

struct Pipe;
struct Operand {
  enum Kind { Str, Num, Field, Ident, Sub, Bool, Nil } kind = Nil;
  std::string text;                 ///< literal, number text, function name
  std::vector<std::string> fields;  ///< .A.B (empty = ".")
  std::shared_ptr<Pipe> sub;
};
struct Pipe {
  std::vector<std::vector<Operand>> cmds;
};
struct Node {
  enum Kind { Text, Action, With, Range, If } kind = Text;
  std::string text;
  Pipe pipe;
  std::vector<Node> body, elseBody;
};

Error tmplError(const std::string& msg) { return Error(errc::invalid_argument, "template: " + msg); }

// --- action tokenizer and pipeline parser ---------------------------------------------------
struct ActionParser {
  std::string_view s;
  std::size_t p = 0;

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
    if (cmd.empty()) return tmplError(out.cmds.empty() ? "missing value for command" : "missing command after |");
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
      ++p;
      auto sub = pipe(true);
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
      while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_')) o.text += s[p++];
      o.kind = o.text == "true" || o.text == "false" ? Operand::Bool : o.text == "nil" ? Operand::Nil : Operand::Ident;
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
    std::string chunk(t.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (trimNext) chunk.erase(0, std::find_if(chunk.begin(), chunk.end(), [](char c) { return !isSpace(c); }) - chunk.begin());
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
    std::string trimmed = b == std::string::npos ? "" : action.substr(b, action.find_last_not_of(" \t\r\n") - b + 1);
    if (trimmed.rfind("/*", 0) != 0) out.push_back({true, trimmed});
    pos = close + right.size();
  }
}

struct TreeParser {
  const std::vector<Piece>& pieces;
  std::size_t i = 0;

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
      if (b != std::string::npos) {  // "else if ..." / "else with ...": a nested node owning the end
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
      if (term != "end") return tmplError(fmt::format("expected end; found {}", term.empty() ? "EOF" : term));
    }
    return n;
  }
};

// --- evaluation -----------------------------------------------------------------------------
struct Value {
  enum Kind { Nil, Str, Json, Bool, Int } kind = Nil;
  std::string s;
  const Val* j = nullptr;
  bool b = false;
  long long i = 0;
};

std::string snakeCase(const std::string& go) {
  std::string out;
  for (std::size_t k = 0; k < go.size(); ++k) {
    char c = go[k];
    if (std::isupper(static_cast<unsigned char>(c))) {
      bool prevLower = k > 0 && !std::isupper(static_cast<unsigned char>(go[k - 1]));
      if (prevLower) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string printValue(const Value& v) {
  switch (v.kind) {
    case Value::Nil: return "<no value>";
    case Value::Str: return v.s;
    case Value::Json: return goPrint(*v.j);
    case Value::Bool: return v.b ? "true" : "false";
    case Value::Int: return std::to_string(v.i);
  }
  return "";
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Nil: return false;
    case Value::Str: return !v.s.empty();
    case Value::Bool: return v.b;
    case Value::Int: return v.i != 0;
    case Value::Json: {
      const Val& j = *v.j;
      if (j.IsNull()) return false;
      if (j.IsBool()) return j.GetBool();
      if (j.IsString()) return j.GetStringLength() > 0;
      if (j.IsNumber()) return j.GetDouble() != 0;
      if (j.IsArray()) return !j.Empty();
      return j.MemberCount() > 0;
    }
  }
  return false;
}

std::string jsonString(const std::string& s) {
  Doc d;
  d.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), d.GetAllocator());
  return toJson(d);
}

// Go's json.Marshal escapes <, > and & (HTML-safe); they can only occur inside strings.
std::string htmlSafe(const std::string& json) {
  std::string out;
  for (char c : json) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

struct Evaluator {
  const TemplateFuncs& funcs;
  std::string out;

  Result<Value> field(Value base, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      if (base.kind != Value::Json) {
        if (base.kind == Value::Nil) return tmplError("nil pointer evaluating interface {}." + name);
        return tmplError(fmt::format("can't evaluate field {} in type string", name));
      }
      if (!base.j->IsObject()) return tmplError(fmt::format("can't evaluate field {} in type interface {{}}", name));
      const Val* m = member(*base.j, name);
      if (m == nullptr) m = member(*base.j, snakeCase(name));
      if (m == nullptr) return Value{};  // missing map key: <no value>
      base = Value{Value::Json, "", m};
    }
    return base;
  }

  Result<std::string> asString(const Value& v, const std::string& fn) {
    if (v.kind == Value::Str) return v.s;
    if (v.kind == Value::Json && v.j->IsString()) return std::string(v.j->GetString(), v.j->GetStringLength());
    return tmplError(fmt::format("wrong type for value; expected string; got {} in {}", printValue(v), fn));
  }

  Result<std::string> printf(const std::vector<Value>& args) {
    auto f = asString(args.at(0), "printf");
    if (!f) return f.error();
    std::string o;
    std::size_t a = 1;
    const std::string& s = f.value();
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (s[k] != '%' || k + 1 >= s.size()) {
        o += s[k];
        continue;
      }
      char verb = s[++k];
      if (verb == '%') {
        o += '%';
        continue;
      }
      if (a >= args.size()) {
        o += fmt::format("%!{}(MISSING)", verb);
        continue;
      }
      const Value& v = args[a++];
      o += verb == 'q' ? jsonString(printValue(v)) : printValue(v);
    }
    if (a < args.size()) o += "%!(EXTRA)";
    return o;
  }

  Result<Value> call(const std::string& fn, const std::vector<Value>& args) {
    auto want = [&](std::size_t n) -> Result<void> {
      if (args.size() != n) return tmplError(fmt::format("wrong number of args for {}: want {} got {}", fn, n, args.size()));
      return {};
    };
    if (fn == "env") {
      if (auto w = want(1); !w) return w.error();
      auto name = asString(args[0], fn);
      if (!name) return name.error();
      return Value{Value::Str, funcs.env(name.value())};
    }
    if (fn == "secret") {
      if (args.empty()) return tmplError("wrong number of args for secret: want at least 1 got 0");
      std::vector<std::string> strs;
      for (const auto& a : args) {
        auto s = asString(a, fn);
        if (!s) return s.error();
        strs.push_back(s.value());
      }
      std::vector<std::string> params(strs.begin() + 1, strs.end());
      const Val* r = funcs.secret(strs[0], params);
      return r == nullptr ? Value{} : Value{Value::Json, "", r};
    }
    if (fn == "printf") {
      if (args.empty()) return tmplError("wrong number of args for printf: want at least 1 got 0");
      auto s = printf(args);
      if (!s) return s.error();
      return Value{Value::Str, s.value()};
    }
    if (fn == "print") {
      std::string o;
      for (std::size_t k = 0; k < args.size(); ++k) {
        bool strs = args[k].kind == Value::Str || (k > 0 && args[k - 1].kind == Value::Str);
        if (k > 0 && !strs) o += ' ';
        o += printValue(args[k]);
      }
      return Value{Value::Str, o};
    }
    if (fn == "toJSON") {
      if (auto w = want(1); !w) return w.error();
      const Value& v = args[0];
      std::string j = v.kind == Value::Json ? toJson(*v.j)
                      : v.kind == Value::Nil ? "null"
                      : v.kind == Value::Str ? jsonString(v.s) : printValue(v);
      return Value{Value::Str, htmlSafe(j)};
    }
    if (fn == "trimSpace" || fn == "toUpper" || fn == "toLower") {
      if (auto w = want(1); !w) return w.error();
      auto s = asString(args[0], fn);
      if (!s) return s.error();
      std::string r = s.value();
      if (fn == "trimSpace") {
        std::size_t b = r.find_first_not_of(" \t\r\n");
        r = b == std::string::npos ? "" : r.substr(b, r.find_last_not_of(" \t\r\n") - b + 1);
      } else {
        for (char& c : r) c = static_cast<char>(fn == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                                                  : std::tolower(static_cast<unsigned char>(c)));
      }
      return Value{Value::Str, r};
    }
    if (fn == "len") {
      if (auto w = want(1); !w) return w.error();
      const Value& v = args[0];
      if (v.kind == Value::Str) return Value{Value::Int, "", nullptr, false, static_cast<long long>(v.s.size())};
      if (v.kind == Value::Json && v.j->IsArray()) return Value{Value::Int, "", nullptr, false, v.j->Size()};
      if (v.kind == Value::Json && v.j->IsObject()) return Value{Value::Int, "", nullptr, false, v.j->MemberCount()};
      if (v.kind == Value::Json && v.j->IsString()) return Value{Value::Int, "", nullptr, false, v.j->GetStringLength()};
      return tmplError("len of " + printValue(v));
    }
    if (fn == "eq" || fn == "ne") {
      if (auto w = want(2); !w) return w.error();
      bool same = printValue(args[0]) == printValue(args[1]);
      return Value{Value::Bool, "", nullptr, fn == "eq" ? same : !same};
    }
    return tmplError(fmt::format("function \"{}\" not defined", fn));
  }

  Result<Value> operand(const Operand& o, const Value& dot) {
    switch (o.kind) {
      case Operand::Str: return Value{Value::Str, o.text};
      case Operand::Num:
        try {
          return Value{Value::Int, "", nullptr, false, std::stoll(o.text)};
        } catch (...) {
          return tmplError("bad number syntax: " + o.text);
        }
      case Operand::Field: return field(dot, o.fields);
      case Operand::Sub: return pipe(*o.sub, dot);
      case Operand::Bool: return Value{Value::Bool, "", nullptr, o.text == "true"};
      case Operand::Nil: return tmplError("nil is not a command");
      case Operand::Ident: return call(o.text, {});
    }
    return Value{};
  }

  Result<Value> pipe(const Pipe& p, const Value& dot) {
    std::optional<Value> piped;
    for (const auto& cmd : p.cmds) {
      Result<Value> v = Value{};
      if (cmd[0].kind == Operand::Ident) {
        std::vector<Value> args;
        for (std::size_t k = 1; k < cmd.size(); ++k) {
          auto a = operand(cmd[k], dot);
          if (!a) return a.error();
          args.push_back(std::move(a.value()));
        }
        if (piped) args.push_back(*piped);
        v = call(cmd[0].text, args);
      } else {
        if (cmd.size() > 1 || piped) return tmplError("can't give argument to non-function");
        v = operand(cmd[0], dot);
      }
      if (!v) return v.error();
      piped = std::move(v.value());
    }
    return *piped;
  }

  Result<void> run(const std::vector<Node>& nodes, const Value& dot) {
    for (const Node& n : nodes) {
      if (n.kind == Node::Text) {
        out += n.text;
        continue;
      }
      auto v = pipe(n.pipe, dot);
      if (!v) return v.error();
      Result<void> r;
      if (n.kind == Node::Action) {
        out += printValue(v.value());
      } else if (n.kind == Node::With || n.kind == Node::If) {
        bool t = truthy(v.value());
        r = t ? run(n.body, n.kind == Node::With ? v.value() : dot) : run(n.elseBody, dot);
      } else {  // range
        const Value& c = v.value();
        if (c.kind == Value::Json && (c.j->IsArray() || c.j->IsObject())) {
          std::vector<const Val*> items;
          if (c.j->IsArray()) {
            for (const auto& e : c.j->GetArray()) items.push_back(&e);
          } else {
            std::vector<std::pair<std::string, const Val*>> kv;
            for (const auto& m : c.j->GetObject()) kv.emplace_back(m.name.GetString(), &m.value);
            std::sort(kv.begin(), kv.end(), [](auto& x, auto& y) { return x.first < y.first; });
            for (auto& [k, e] : kv) items.push_back(e);
          }
          for (const Val* e : items) {
            if (r = run(n.body, Value{Value::Json, "", e}); !r) return r;
          }
          if (items.empty()) r = run(n.elseBody, dot);
        } else if (c.kind == Value::Nil) {
          r = run(n.elseBody, dot);
        } else {
          return tmplError("range can't iterate over " + printValue(c));
        }
      }
      if (!r) return r;
    }
    return {};
  }
};

}  // namespace

std::string goPrint(const Val& v) {
  if (v.IsNull()) return "<nil>";
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return fmt::format("{}", v.GetDouble());
  std::string out;
  if (v.IsArray()) {
    out = "[";
    for (rapidjson::SizeType k = 0; k < v.Size(); ++k) out += (k ? " " : "") + goPrint(v[k]);
    return out + "]";
  }
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& m : v.GetObject()) kv.emplace_back(m.name.GetString(), goPrint(m.value));
  std::sort(kv.begin(), kv.end());
  out = "map[";
  for (std::size_t k = 0; k < kv.size(); ++k) out += (k ? " " : "") + kv[k].first + ":" + kv[k].second;
  return out + "]";
}

Result<std::string> renderGoTemplate(std::string_view tmpl, std::string_view left, std::string_view right,
                                     const TemplateFuncs& funcs) {
  auto pieces = lex(tmpl, left.empty() ? "{{" : left, right.empty() ? "}}" : right);
  if (!pieces) return pieces.error();
  TreeParser tp{pieces.value()};
  std::string term;
  auto nodes = tp.list(term);
  if (!nodes) return nodes.error();
  if (!term.empty()) return tmplError("unexpected {{" + term + "}}");
  Evaluator ev{funcs, {}};
  if (auto r = ev.run(nodes.value(), Value{}); !r) return r.error();
  return std::move(ev.out);
}

bool templateUsesSecret(std::string_view tmpl, std::string_view left, std::string_view right) {
  bool used = false;
  TemplateFuncs f;
  f.env = [](const std::string&) { return std::string(); };
  f.secret = [&used](const std::string&, const std::vector<std::string>&) -> const Val* {
    used = true;
    return nullptr;
  };
  (void)renderGoTemplate(tmpl, left, right, f);
  return used;
}

}  // namespace nc::nomadsim
