// A pre-parse scan for JSON nested too deep: RapidJSON parses and frees recursively, so a
// document "[[[[..." deep enough overflows the stack before any limit of ours can apply.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace nc {

/// Offset of the first '[' or '{' nested deeper than `limit` (strings skipped), if any.
std::optional<std::size_t> jsonTooDeepAt(std::string_view text, std::size_t limit);

}  // namespace nc
