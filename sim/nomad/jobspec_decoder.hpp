// The jobspec decoder's state, shared by jobspec_decode.cpp (bodies and blocks) and
// jobspec_values.cpp (expression evaluation and type conversion).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "hcl.hpp"
#include "jobspec_schema.hpp"
#include "json.hpp"

namespace nc::nomadsim::jobspec {

using hcl::Diagnostic;
using hcl::Expr;

/// The cty type word of a value in error texts ("string", "tuple", ...).
std::string kindWord(const Val& v);

class Decoder {
 public:
  explicit Decoder(Alloc& a) : a_(a) {}

  hcl::Diagnostics diags;
  std::map<std::string, Doc> vars;
  std::set<std::string> declared;

  Val eval(const Expr& e);

  Val decodeBody(const hcl::Body& body, const Schema& schema,
                 std::vector<const hcl::Block*>* vaultOut);

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

  Val number(const std::string& text, bool);

  Val reference(const Expr& e, bool);

  Val zero(Kind k);

  bool toStr(const Val& v, Val& out);

  bool convert(const Val& v, Kind k, const hcl::Attribute& attr, Val& out);

  bool checkLabels(const hcl::Block& blk, const BlockSpec& spec);

  Val strMap(const hcl::Body& body);

  Val freeForm(const hcl::Body& body);

  Val decodeNested(const hcl::Block& blk, const BlockSpec& spec);
};

}  // namespace nc::nomadsim::jobspec
