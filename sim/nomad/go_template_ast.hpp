// The parsed form of a Go text/template (the consul-template subset): operands, pipelines and
// nodes, shared by go_template_parse.cpp (lexer and parser) and go_template.cpp (evaluator).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::nomadsim::gotmpl {

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

/// A Go-like template error: "template: <msg>".
Error tmplError(const std::string& msg);

/// Lexes and parses a whole template with the given delimiters.
Result<std::vector<Node>> parse(std::string_view tmpl, std::string_view left,
                                std::string_view right);

}  // namespace nc::nomadsim::gotmpl
