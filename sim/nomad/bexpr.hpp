// A go-bexpr subset for ?filter=: ==, !=, contains, in, is (not) empty, matches, and/or/not,
// parentheses, over dotted field paths of the full JSON object.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "json.hpp"

namespace nc::nomadsim {

class Filter {
 public:
  struct Node;
  /// Parses an expression; errc::parse_error with a go-bexpr-like message on bad input.
  static Result<Filter> parse(std::string_view expr);
  bool matches(const Val& object) const;

  Filter() = default;
  Filter(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace nc::nomadsim
