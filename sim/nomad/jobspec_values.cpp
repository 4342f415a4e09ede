// Jobspec decoding: evaluates HCL expressions (literals, templates, variables) and converts them
// to the attribute types of the block tables.
#include <fmt/format.h>

#include "go_duration.hpp"
#include "jobspec_decoder.hpp"

namespace nc::nomadsim::jobspec {

std::string kindWord(const Val& v) {
  if (v.IsString()) return "string";
  if (v.IsNumber()) return "number";
  if (v.IsBool()) return "bool";
  if (v.IsArray()) return "tuple";
  if (v.IsObject()) return "object";
  return "null";
}

Val Decoder::eval(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Null:
      return Val();
    case Expr::Kind::Bool:
      return Val(e.boolValue);
    case Expr::Kind::Number:
      return number(e.number, false);
    case Expr::Kind::Negate: {
      Val v = eval(*e.items[0]);
      if (!v.IsNumber()) {
        error("Invalid operand", "Unsuitable value for unary operand: a number is required.",
              e.range);
        return Val();
      }
      return v.IsInt64() ? Val(-v.GetInt64()) : Val(-v.GetDouble());
    }
    case Expr::Kind::List: {
      Val arr(rapidjson::kArrayType);
      for (const auto& item : e.items) arr.PushBack(eval(*item), a_);
      return arr;
    }
    case Expr::Kind::Object: {
      Val obj(rapidjson::kObjectType);
      for (const auto& [k, v] : e.entries) {
        Val key = eval(*k);
        std::string ks = key.IsString() ? key.GetString() : toJson(key);
        setMember(obj, ks, eval(*v), a_);
      }
      return obj;
    }
    case Expr::Kind::Reference:
      return reference(e, false);
    case Expr::Kind::Template: {
      if (e.parts.size() == 1 && e.parts[0].interpolation && e.parts[0].inner &&
          e.parts[0].inner->kind == Expr::Kind::Reference && isVarRef(*e.parts[0].inner)) {
        return reference(*e.parts[0].inner, true);
      }
      std::string out;
      for (const auto& p : e.parts) {
        if (!p.interpolation) {
          out += p.text;
        } else if (p.inner && p.inner->kind == Expr::Kind::Reference && isVarRef(*p.inner)) {
          Val v = reference(*p.inner, true);
          out += v.IsString() ? std::string(v.GetString()) : toJson(v);
        } else {
          out += p.text;  // runtime interpolation (${NOMAD_...}, ${attr...}) kept verbatim
        }
      }
      return str(out, a_);
    }
  }
  return Val();
}

Val Decoder::number(const std::string& text, bool) {
  if (text.find_first_of(".eE") == std::string::npos) {
    try {
      return Val(static_cast<std::int64_t>(std::stoll(text)));
    } catch (...) {
    }
  }
  return Val(std::stod(text));
}

Val Decoder::reference(const Expr& e, bool) {
  if (e.traversal[0] == "__call__") {
    error("Call to unknown function",
          fmt::format("There is no function named \"{}\".", e.traversal[1]), e.range);
    return Val();
  }
  if (isVarRef(e) && e.traversal.size() >= 2) {
    std::string key = e.traversal[0] + "." + e.traversal[1];
    auto it = vars.find(key);
    if (it == vars.end()) {
      if (e.traversal[0] == "var") {
        error("Reference to undeclared input variable",
              fmt::format("An input variable with the name \"{}\" has not been declared.",
                          e.traversal[1]),
              e.range);
      } else {
        error("Reference to undeclared local value",
              fmt::format("A local value with the name \"{}\" has not been declared.",
                          e.traversal[1]),
              e.range);
      }
      return Val();
    }
    Val v(it->second, a_);
    for (std::size_t i = 2; i < e.traversal.size(); ++i) {
      const std::string& k = e.traversal[i];
      if (v.IsObject() && member(v, k)) {
        Val next(*member(v, k), a_);
        v = std::move(next);
      } else if (v.IsArray() && !k.empty() && std::isdigit(static_cast<unsigned char>(k[0])) &&
                 std::stoul(k) < v.Size()) {
        Val next(v[static_cast<rapidjson::SizeType>(std::stoul(k))], a_);
        v = std::move(next);
      } else {
        error("Unsupported attribute", fmt::format("This value does not have \"{}\".", k), e.range);
        return Val();
      }
    }
    return v;
  }
  // jobspec2's UndefinedVariable: runtime references are kept as "${...}" strings.
  return str("${" + e.source + "}", a_);
}

Val Decoder::zero(Kind k) {
  switch (k) {
    case Kind::Str:
      return str("", a_);
    case Kind::Int:
    case Kind::Dur:
      return Val(0);
    case Kind::Bool:
      return Val(false);
    default:
      return Val();
  }
}

bool Decoder::toStr(const Val& v, Val& out) {
  if (v.IsString())
    out.CopyFrom(v, a_);
  else if (v.IsBool())
    out = str(v.GetBool() ? "true" : "false", a_);
  else if (v.IsInt64())
    out = str(std::to_string(v.GetInt64()), a_);
  else if (v.IsNumber())
    out = str(fmt::format("{}", v.GetDouble()), a_);
  else
    return false;
  return true;
}

bool Decoder::convert(const Val& v, Kind k, const hcl::Attribute& attr, Val& out) {
  if (v.IsNull()) {
    out = zero(k);
    return true;
  }
  switch (k) {
    case Kind::Str:
    case Kind::StrPtr:
      if (toStr(v, out)) return true;
      typeError(attr, "string required");
      return false;
    case Kind::Int:
    case Kind::IntPtr:
    case Kind::IntPtrZeroNull:
      if (v.IsInt64()) {
        out = Val(v.GetInt64());
        return true;
      }
      if (v.IsString()) {
        try {
          std::size_t used = 0;
          long long n = std::stoll(v.GetString(), &used);
          if (used == v.GetStringLength()) {
            out = Val(static_cast<std::int64_t>(n));
            return true;
          }
        } catch (...) {
        }
      }
      typeError(attr, "a number is required");
      return false;
    case Kind::Bool:
    case Kind::BoolPtr:
      if (v.IsBool()) {
        out = Val(v.GetBool());
        return true;
      }
      if (v.IsString() && (std::string_view(v.GetString()) == "true" ||
                           std::string_view(v.GetString()) == "false")) {
        out = Val(std::string_view(v.GetString()) == "true");
        return true;
      }
      typeError(attr, "bool required");
      return false;
    case Kind::Dur:
    case Kind::DurPtr:
      if (v.IsString()) {
        auto ns = parseGoDuration(v.GetString());
        if (!ns) {
          error("Unsuitable value type",
                fmt::format("Unsuitable duration value: time: invalid duration \"{}\"",
                            v.GetString()),
                attr.expr->range);
          return false;
        }
        out = Val(*ns);
        return true;
      }
      if (v.IsInt64()) {
        out = Val(v.GetInt64());
        return true;
      }
      error("Unsuitable value type",
            fmt::format("Unsuitable value: expected a string but found {}", kindWord(v)),
            attr.expr->range);
      return false;
    case Kind::StrList:
      if (v.IsArray()) {
        out.SetArray();
        for (const auto& item : v.GetArray()) {
          Val s;
          if (!toStr(item, s)) {
            typeError(attr, "list of string required");
            return false;
          }
          out.PushBack(s, a_);
        }
        return true;
      }
      typeError(attr, "list of string required");
      return false;
    case Kind::StrMap:
    case Kind::Any:
      out.CopyFrom(v, a_);
      return true;
  }
  return false;
}

}  // namespace nc::nomadsim::jobspec
