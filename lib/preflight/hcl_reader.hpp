// A minimal HCL reader for preflight: blocks, attributes, strings, heredocs and lists, with lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::preflight {

/// An attribute. `text` is the decoded string for a quoted string or heredoc, the item strings
/// for a list of strings (`list`), else the expression's source text (`isString` false).
struct HclAttr {
  std::string name;
  std::string text;
  std::vector<std::string> list;
  bool isString = false;
  bool isList = false;
  int line = 0;       ///< line of the attribute name
  int valueLine = 0;  ///< first line of the value's content (heredoc: the line after <<EOT)
};

struct HclBlock {
  std::string type;
  std::vector<std::string> labels;
  std::vector<HclAttr> attrs;
  std::vector<HclBlock> blocks;
  int line = 0;

  const HclAttr* attr(std::string_view name) const;
  std::vector<const HclBlock*> children(std::string_view type) const;
};

/// Reads a whole HCL document into a root block (type ""). `firstLine` numbers the first line
/// (for documents embedded in another file). Errors name the line.
Result<HclBlock> readHcl(std::string_view text, int firstLine = 1);

}  // namespace nc::preflight
