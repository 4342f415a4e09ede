// "Did you mean" suggestions for unknown keys and enum values (edit distance).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nc::config {

/// Levenshtein distance, case-insensitive.
std::size_t editDistance(std::string_view a, std::string_view b);

/// The closest candidate when it is close enough to be a likely typo, else nothing.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// " (did you mean \"x\"?)" or "".
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace nc::config
