// Jobspec decoding: evaluates the HCL tree against the block tables into the api.Job JSON.
#include <fmt/format.h>

#include <map>
#include <set>

#include "go_duration.hpp"
#include "hcl.hpp"
#include "jobspec.hpp"
#include "jobspec_decoder.hpp"
#include "jobspec_normalize.hpp"
#include "jobspec_schema.hpp"

namespace nc::nomadsim {

namespace jobspec {

Val Decoder::decodeBody(const hcl::Body& body, const Schema& schema,
                        std::vector<const hcl::Block*>* vaultOut) {
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
      case Mode::StrMap:
        setMember(obj, spec->json, strMap(blk.body), a_);
        break;
      case Mode::FreeForm:
        setMember(obj, spec->json, freeForm(blk.body), a_);
        break;
      case Mode::Single:
        setMember(obj, spec->json, decodeNested(blk, *spec), a_);
        break;
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

bool Decoder::checkLabels(const hcl::Block& blk, const BlockSpec& spec) {
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
            fmt::format("No labels are expected for {} blocks.", blk.type), blk.labelRanges[0]);
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

Val Decoder::strMap(const hcl::Body& body) {
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

Val Decoder::freeForm(const hcl::Body& body) {
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

Val Decoder::decodeNested(const hcl::Block& blk, const BlockSpec& spec) {
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

}  // namespace jobspec

using namespace jobspec;

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
        d.diags.push_back(
            {"Missing name for job", "All job blocks must have 1 labels (name).", blk.defRange});
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
  if (!vaults.empty())
    jobVault = d.decodeBody(vaults.front()->body, jobspec::vaultSchema(), nullptr);
  if (!d.diags.empty()) return makeError(errc::parse_error, hcl::joinDiagnostics(d.diags));
  static_cast<Val&>(doc) = std::move(job);
  jobspec::normalizeJob(doc, jobBlock->labels[0], jobVault, doc.GetAllocator());
  if (options.canonicalize) canonicalizeApiJob(doc, doc.GetAllocator());
  return doc;
}

}  // namespace nc::nomadsim
