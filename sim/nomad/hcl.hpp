// HCL2 native syntax: the syntax tree and parser nomad-sim uses for /v1/jobs/parse.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nc::nomadsim::hcl {

struct Pos {
  int line = 1;
  int col = 1;
  std::size_t byte = 0;
};
struct Range {
  Pos start;
  Pos end;
  /// "input.hcl:3,5-9" or "input.hcl:3,5-4,2", as HCL prints a range.
  std::string str(std::string_view file = "input.hcl") const;
};

/// One HCL error, printed as "input.hcl:L,C-C: Summary; Detail".
struct Diagnostic {
  std::string summary;
  std::string detail;
  Range subject;
  bool hasSubject = true;
  std::string str(std::string_view file = "input.hcl") const;
};
using Diagnostics = std::vector<Diagnostic>;
/// Diagnostics joined with newlines, as jobspec2 reports them.
std::string joinDiagnostics(const Diagnostics& diags, std::string_view file = "input.hcl");

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// A piece of a template: literal text, or an interpolation "${...}" / directive "%{...}".
struct TemplatePart {
  bool interpolation = false;
  std::string text;  ///< literal text (escapes resolved) or the full "${...}" source
  ExprPtr inner;     ///< parsed inner expression of "${...}" when it parses; else null
};

struct Expr {
  enum class Kind { Null, Bool, Number, Template, List, Object, Reference, Negate };
  Kind kind = Kind::Null;
  Range range;
  bool boolValue = false;
  std::string number;                                ///< number literal text
  std::vector<TemplatePart> parts;                   ///< Template (quoted strings and heredocs)
  std::vector<ExprPtr> items;                        ///< List items; Negate operand in items[0]
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;  ///< Object key/value pairs
  std::vector<std::string> traversal;                ///< Reference: "var", "name", ...
  std::string source;                                ///< the expression's source text
};

struct Body;
struct Attribute {
  std::string name;
  ExprPtr expr;
  Range nameRange;
  Range range;
};
struct Block;
struct Body {
  std::vector<Attribute> attributes;
  std::vector<Block> blocks;
  Range range;
};
struct Block {
  std::string type;
  std::vector<std::string> labels;
  std::vector<Range> labelRanges;
  Body body;
  Range typeRange;
  Range defRange;  ///< type and labels
};

/// Parses a whole file. Syntax errors are returned in diags (body may be partial).
Body parse(std::string_view source, Diagnostics& diags);

}  // namespace nc::nomadsim::hcl
