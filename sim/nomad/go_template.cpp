// Go text/template subset for consul-template templates: the evaluator (go_template_parse.cpp
// parses).
#include "go_template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "go_template_ast.hpp"

namespace nc::nomadsim {
namespace {

using gotmpl::Node;
using gotmpl::Operand;
using gotmpl::Pipe;
using gotmpl::tmplError;

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
    case Value::Nil:
      return "<no value>";
    case Value::Str:
      return v.s;
    case Value::Json:
      return goPrint(*v.j);
    case Value::Bool:
      return v.b ? "true" : "false";
    case Value::Int:
      return std::to_string(v.i);
  }
  return "";
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Nil:
      return false;
    case Value::Str:
      return !v.s.empty();
    case Value::Bool:
      return v.b;
    case Value::Int:
      return v.i != 0;
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
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

struct Evaluator {
  const TemplateFuncs& funcs;
  std::string out;

  Result<Value> field(Value base, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      if (base.kind != Value::Json) {
        if (base.kind == Value::Nil)
          return tmplError("nil pointer evaluating interface {}." + name);
        return tmplError(fmt::format("can't evaluate field {} in type string", name));
      }
      if (!base.j->IsObject())
        return tmplError(fmt::format("can't evaluate field {} in type interface {{}}", name));
      const Val* m = member(*base.j, name);
      if (m == nullptr) m = member(*base.j, snakeCase(name));
      if (m == nullptr) return Value{};  // missing map key: <no value>
      base = Value{Value::Json, "", m};
    }
    return base;
  }

  Result<std::string> asString(const Value& v, const std::string& fn) {
    if (v.kind == Value::Str) return v.s;
    if (v.kind == Value::Json && v.j->IsString())
      return std::string(v.j->GetString(), v.j->GetStringLength());
    return tmplError(
        fmt::format("wrong type for value; expected string; got {} in {}", printValue(v), fn));
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
      if (args.size() != n)
        return tmplError(
            fmt::format("wrong number of args for {}: want {} got {}", fn, n, args.size()));
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
      std::string j = v.kind == Value::Json  ? toJson(*v.j)
                      : v.kind == Value::Nil ? "null"
                      : v.kind == Value::Str ? jsonString(v.s)
                                             : printValue(v);
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
        for (char& c : r)
          c = static_cast<char>(fn == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                                : std::tolower(static_cast<unsigned char>(c)));
      }
      return Value{Value::Str, r};
    }
    if (fn == "len") {
      if (auto w = want(1); !w) return w.error();
      const Value& v = args[0];
      if (v.kind == Value::Str)
        return Value{Value::Int, "", nullptr, false, static_cast<long long>(v.s.size())};
      if (v.kind == Value::Json && v.j->IsArray())
        return Value{Value::Int, "", nullptr, false, v.j->Size()};
      if (v.kind == Value::Json && v.j->IsObject())
        return Value{Value::Int, "", nullptr, false, v.j->MemberCount()};
      if (v.kind == Value::Json && v.j->IsString())
        return Value{Value::Int, "", nullptr, false, v.j->GetStringLength()};
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
      case Operand::Str:
        return Value{Value::Str, o.text};
      case Operand::Num:
        try {
          return Value{Value::Int, "", nullptr, false, std::stoll(o.text)};
        } catch (...) {
          return tmplError("bad number syntax: " + o.text);
        }
      case Operand::Field:
        return field(dot, o.fields);
      case Operand::Sub:
        return pipe(*o.sub, dot);
      case Operand::Bool:
        return Value{Value::Bool, "", nullptr, o.text == "true"};
      case Operand::Nil:
        return tmplError("nil is not a command");
      case Operand::Ident:
        return call(o.text, {});
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
  for (std::size_t k = 0; k < kv.size(); ++k)
    out += (k ? " " : "") + kv[k].first + ":" + kv[k].second;
  return out + "]";
}

Result<std::string> renderGoTemplate(std::string_view tmpl, std::string_view left,
                                     std::string_view right, const TemplateFuncs& funcs) {
  auto nodes = gotmpl::parse(tmpl, left, right);
  if (!nodes) return nodes.error();
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
