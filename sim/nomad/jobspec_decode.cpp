// Jobspec decoding: evaluates the HCL tree against the block tables into the api.Job JSON.
#include <fmt/format.h>

#include <map>
#include <set>

#include "go_duration.hpp"
#include "hcl.hpp"
#include "jobspec.hpp"
#include "jobspec_normalize.hpp"
#include "jobspec_schema.hpp"

namespace nc::nomadsim {

namespace {

using namespace jobspec;
using hcl::Diagnostic;
using hcl::Expr;

std::string kindWord(const Val& v) {
  if (v.IsString()) return "string";
  if (v.IsNumber()) return "number";
  if (v.IsBool()) return "bool";
  if (v.IsArray()) return "tuple";
  if (v.IsObject()) return "object";
  return "null";
}

class Decoder {
 public:
  explicit Decoder(Alloc& a) : a_(a) {}

  hcl::Diagnostics diags;
  std::map<std::string, Doc> vars;
  std::set<std::string> declared;

  Val eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Null: return Val();
      case Expr::Kind::Bool: return Val(e.boolValue);
      case Expr::Kind::Number: return number(e.number, false);
      case Expr::Kind::Negate: {
        Val v = eval(*e.items[0]);
        if (!v.IsNumber()) {
          error("Invalid operand", "Unsuitable value for unary operand: a number is required.", e.range);
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
      case Expr::Kind::Reference: return reference(e, false);
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

  Val decodeBody(const hcl::Body& body, const Schema& schema, std::vector<const hcl::Block*>* vaultOut) {
    Val obj(rapidjson::kObjectType);
    for (const auto& at : schema.attrs) {
      if (!at.json.empty()) setMember(obj, at.json, zero(at.kind), a_);
    }
    for (const auto& b : schema.blocks) {
      if (!b.json.empty()) setMember(obj, b.json, Val(), a_);
    }
    for (const auto& ex : schema.extras) {
      Doc z;
      z.Parse(ex.zero.data(), ex.zero.size());
      setMember(obj, ex.json, Val(z, a_), a_);
    }
    std::set<std::string> seenAttrs;
    for (const auto& attr : body.attributes) {
      const AttrSpec* spec = nullptr;
      for (const auto& at : schema.attrs) {
        if (at.hcl == attr.name) spec = &at;
      }
      const BlockSpec* asBlock = nullptr;
      for (const auto& bs : schema.blocks) {
        if (bs.hcl == attr.name && (bs.mode == Mode::StrMap || bs.mode == Mode::FreeForm)) {
          asBlock = &bs;
        }
      }
      if (asBlock != nullptr) {  // meta = {...}, env = {...}, config = {...}
        Val v = eval(*attr.expr);
        if (!v.IsObject()) {
          typeError(attr, "a map of string is required");
          continue;
        }
        if (asBlock->mode == Mode::StrMap) {
          Val m(rapidjson::kObjectType);
          for (auto& mm : v.GetObject()) {
            Val s;
            if (!toStr(mm.value, s)) typeError(attr, "a map of string is required");
            m.AddMember(Val(mm.name, a_), s, a_);
          }
          setMember(obj, asBlock->json, std::move(m), a_);
        } else {
          setMember(obj, asBlock->json, std::move(v), a_);
        }
        continue;
      }
      if (spec == nullptr) {
        error("Unsupported argument",
              fmt::format("An argument named \"{}\" is not expected here.", attr.name),
              attr.nameRange);
        continue;
      }
      seenAttrs.insert(attr.name);
      Val v = eval(*attr.expr);
      Val out;
      if (convert(v, spec->kind, attr, out)) {
        if (spec->json.empty()) {
          setMember(obj, fmt::format("__{}", spec->hcl), std::move(out), a_);
        } else {
          setMember(obj, spec->json, std::move(out), a_);
        }
      }
    }
    for (const auto& at : schema.attrs) {
      if (at.required && !seenAttrs.count(std::string(at.hcl))) {
        error("Missing required argument",
              fmt::format("The argument \"{}\" is required, but no definition was found.", at.hcl),
              {body.range.start, body.range.start});
      }
    }
    std::map<std::string, hcl::Range> singles;
    for (const auto& blk : body.blocks) {
      const BlockSpec* spec = nullptr;
      for (const auto& bs : schema.blocks) {
        if (bs.hcl == blk.type) spec = &bs;
      }
      if (spec == nullptr) {
        error("Unsupported block type",
              fmt::format("Blocks of type \"{}\" are not expected here.", blk.type), blk.typeRange);
        continue;
      }
      if (!checkLabels(blk, *spec)) continue;
      if (spec->mode == Mode::Single || spec->mode == Mode::StrMap || spec->mode == Mode::FreeForm) {
        auto it = singles.find(blk.type);
        if (it != singles.end()) {
          error(fmt::format("Duplicate {} block", blk.type),
                fmt::format("Only one {} block is allowed. Another was defined at {}.", blk.type,
                            it->second.str()),
                blk.defRange);
          continue;
        }
        singles.emplace(blk.type, blk.defRange);
      }
      if (spec->json.empty()) {  // job/group vault: copied into tasks later
        if (vaultOut) vaultOut->push_back(&blk);
        continue;
      }
      switch (spec->mode) {
        case Mode::StrMap: setMember(obj, spec->json, strMap(blk.body), a_); break;
        case Mode::FreeForm: setMember(obj, spec->json, freeForm(blk.body), a_); break;
        case Mode::Single: setMember(obj, spec->json, decodeNested(blk, *spec), a_); break;
        case Mode::List: {
          Val* arr = member(obj, spec->json);
          if (arr->IsNull()) arr->SetArray();
          Val item = decodeNested(blk, *spec);
          member(obj, spec->json)->PushBack(std::move(item), a_);
          break;
        }
      }
    }
    return obj;
  }

 private:
  Alloc& a_;

  void error(std::string summary, std::string detail, hcl::Range r) {
    diags.push_back(Diagnostic{std::move(summary), std::move(detail), r});
  }
  void typeError(const hcl::Attribute& attr, std::string_view what) {
    error("Incorrect attribute value type",
          fmt::format("Inappropriate value for attribute \"{}\": {}.", attr.name, what),
          attr.expr->range);
  }

  static bool isVarRef(const Expr& e) {
    return !e.traversal.empty() && (e.traversal[0] == "var" || e.traversal[0] == "local");
  }

  Val number(const std::string& text, bool) {
    if (text.find_first_of(".eE") == std::string::npos) {
      try {
        return Val(static_cast<std::int64_t>(std::stoll(text)));
      } catch (...) {
      }
    }
    return Val(std::stod(text));
  }

  Val reference(const Expr& e, bool) {
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

  Val zero(Kind k) {
    switch (k) {
      case Kind::Str: return str("", a_);
      case Kind::Int:
      case Kind::Dur: return Val(0);
      case Kind::Bool: return Val(false);
      default: return Val();
    }
  }

  bool toStr(const Val& v, Val& out) {
    if (v.IsString()) out.CopyFrom(v, a_);
    else if (v.IsBool()) out = str(v.GetBool() ? "true" : "false", a_);
    else if (v.IsInt64()) out = str(std::to_string(v.GetInt64()), a_);
    else if (v.IsNumber()) out = str(fmt::format("{}", v.GetDouble()), a_);
    else return false;
    return true;
  }

  bool convert(const Val& v, Kind k, const hcl::Attribute& attr, Val& out) {
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
      case Kind::Any: out.CopyFrom(v, a_); return true;
    }
    return false;
  }

  bool checkLabels(const hcl::Block& blk, const BlockSpec& spec) {
    int n = static_cast<int>(blk.labels.size());
    if (n < spec.labels) {
      error(fmt::format("Missing {} for {}", spec.labelName, blk.type),
            fmt::format("All {} blocks must have {} labels ({}).", blk.type, spec.labels,
                        spec.labelName),
            blk.defRange);
      return false;
    }
    if (n > spec.labels) {
      if (spec.labels == 0) {
        error(fmt::format("Extraneous label for {}", blk.type),
              fmt::format("No labels are expected for {} blocks.", blk.type),
              blk.labelRanges[0]);
      } else {
        error(fmt::format("Extraneous label for {}", blk.type),
              fmt::format("Only {} labels ({}) are expected for {} blocks.", spec.labels,
                          spec.labelName, blk.type),
              blk.labelRanges[static_cast<std::size_t>(spec.labels)]);
      }
      return false;
    }
    return true;
  }

  Val strMap(const hcl::Body& body) {
    Val m(rapidjson::kObjectType);
    for (const auto& attr : body.attributes) {
      Val v = eval(*attr.expr);
      Val s;
      if (!toStr(v, s)) {
        typeError(attr, "string required");
        continue;
      }
      setMember(m, attr.name, std::move(s), a_);
    }
    for (const auto& blk : body.blocks) {
      error("Unsupported block type",
            fmt::format("Blocks of type \"{}\" are not expected here.", blk.type), blk.typeRange);
    }
    return m;
  }

  Val freeForm(const hcl::Body& body) {
    Val m(rapidjson::kObjectType);
    for (const auto& attr : body.attributes) setMember(m, attr.name, eval(*attr.expr), a_);
    for (const auto& blk : body.blocks) {
      Val* arr = member(m, blk.type);
      if (arr == nullptr || !arr->IsArray()) {
        setMember(m, blk.type, Val(rapidjson::kArrayType), a_);
        arr = member(m, blk.type);
      }
      arr->PushBack(freeForm(blk.body), a_);
    }
    return m;
  }

  Val decodeNested(const hcl::Block& blk, const BlockSpec& spec) {
    std::vector<const hcl::Block*> vaults;
    Val obj = decodeBody(blk.body, *spec.schema, &vaults);
    if (spec.labels == 1) setMember(obj, spec.labelField, str(blk.labels[0], a_), a_);
    if (spec.schema == &constraintSchema() || spec.schema->name == "affinity") {
      jobspec::normalizeConstraint(obj, a_);
    }
    if (!vaults.empty()) {
      Val v = decodeBody(vaults.front()->body, vaultSchema(), nullptr);
      setMember(obj, "__vault", std::move(v), a_);
    }
    return obj;
  }
};

}  // namespace

Result<Doc> parseJobspec(std::string_view source, const JobspecOptions& options) {
  hcl::Diagnostics syntax;
  hcl::Body root = hcl::parse(source, syntax);
  if (!syntax.empty()) return makeError(errc::parse_error, hcl::joinDiagnostics(syntax));

  Doc doc;
  Decoder d(doc.GetAllocator());
  // Variables: declarations with defaults, then values from the var-file content.
  if (!options.variables.empty()) {
    hcl::Diagnostics vd;
    hcl::Body vb = hcl::parse(options.variables, vd);
    if (!vd.empty()) {
      return makeError(errc::parse_error,
                       "unable to parse var content: " + hcl::joinDiagnostics(vd));
    }
    for (const auto& attr : vb.attributes) {
      Doc v;
      Val tmp = d.eval(*attr.expr);
      v.CopyFrom(tmp, v.GetAllocator());
      d.vars["var." + attr.name] = std::move(v);
    }
  }
  const hcl::Block* jobBlock = nullptr;
  for (const auto& blk : root.blocks) {
    if (blk.type == "variable" && blk.labels.size() == 1) {
      std::string key = "var." + blk.labels[0];
      if (d.vars.count(key)) continue;
      const hcl::Attribute* dflt = nullptr;
      for (const auto& attr : blk.body.attributes) {
        if (attr.name == "default") dflt = &attr;
      }
      if (dflt == nullptr) {
        d.diags.push_back({fmt::format("Unset variable \"{}\"", blk.labels[0]),
                           "A used variable must be set or have a default value; see "
                           "https://packer.io/docs/configuration/from-1.5/syntax for details.",
                           blk.defRange});
        continue;
      }
      Doc v;
      Val tmp = d.eval(*dflt->expr);
      v.CopyFrom(tmp, v.GetAllocator());
      d.vars[key] = std::move(v);
    } else if (blk.type == "locals" && blk.labels.empty()) {
      for (const auto& attr : blk.body.attributes) {
        Doc v;
        Val tmp = d.eval(*attr.expr);
        v.CopyFrom(tmp, v.GetAllocator());
        d.vars["local." + attr.name] = std::move(v);
      }
    } else if (blk.type == "job") {
      if (blk.labels.size() != 1) {
        d.diags.push_back({"Missing name for job", "All job blocks must have 1 labels (name).",
                           blk.defRange});
      } else if (jobBlock != nullptr) {
        d.diags.push_back({"Duplicate job block",
                           fmt::format("Only one \"job\" block is allowed. Previous definition "
                                       "was at {}.",
                                       jobBlock->defRange.str()),
                           blk.defRange});
      } else {
        jobBlock = &blk;
      }
    } else if (blk.type != "variable" && blk.type != "locals") {
      d.diags.push_back({"Unsupported block type",
                         fmt::format("Blocks of type \"{}\" are not expected here.", blk.type),
                         blk.typeRange});
    }
  }
  for (const auto& attr : root.attributes) {
    d.diags.push_back({"Unsupported argument",
                       fmt::format("An argument named \"{}\" is not expected here.", attr.name),
                       attr.nameRange});
  }
  if (jobBlock == nullptr && d.diags.empty()) {
    hcl::Diagnostic diag{"Missing job block", "A job block is required", {}};
    diag.hasSubject = false;
    d.diags.push_back(diag);
  }
  if (!d.diags.empty()) return makeError(errc::parse_error, hcl::joinDiagnostics(d.diags));

  std::vector<const hcl::Block*> vaults;
  Val job = d.decodeBody(jobBlock->body, jobspec::jobSchema(), &vaults);
  if (!d.diags.empty()) return makeError(errc::parse_error, hcl::joinDiagnostics(d.diags));
  Val jobVault;
  if (!vaults.empty()) jobVault = d.decodeBody(vaults.front()->body, jobspec::vaultSchema(), nullptr);
  if (!d.diags.empty()) return makeError(errc::parse_error, hcl::joinDiagnostics(d.diags));
  static_cast<Val&>(doc) = std::move(job);
  jobspec::normalizeJob(doc, jobBlock->labels[0], jobVault, doc.GetAllocator());
  if (options.canonicalize) canonicalizeApiJob(doc, doc.GetAllocator());
  return doc;
}

}  // namespace nc::nomadsim
