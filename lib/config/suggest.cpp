// Edit-distance suggestions.
#include "config/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace nc::config {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t bestDistance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = editDistance(word, c);
    if (!best || d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A typo changes a few characters; a word that shares little with every candidate gets none.
  const std::size_t limit = std::max<std::size_t>(2, std::min(word.size(), std::size_t{24}) / 3);
  if (!best || bestDistance > limit || bestDistance >= word.size()) return std::nullopt;
  return best;
}

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  auto m = closestMatch(word, candidates);
  return m ? " (did you mean \"" + *m + "\"?)" : "";
}

}  // namespace nc::config
