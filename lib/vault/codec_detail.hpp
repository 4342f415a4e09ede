// Internal helpers of the Vault codec: envelope parsing shared by the codec sources.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vault/json/fields.hpp"

namespace nc::vault::codec::detail {

/// A parsed response envelope; `data` points into `doc` (or at `doc` itself for sys paths
/// that carry no `data` object).
struct Envelope {
  rapidjson::Document doc;
  const rapidjson::Value* dataMember = nullptr;  ///< stays valid when the Envelope moves
  bool dataAtRoot = false;                       ///< &doc would not: resolved on access
  std::vector<std::string> warnings;
  const rapidjson::Value* data() const { return dataAtRoot ? &doc : dataMember; }
};

/// Parses the body and locates `data` (required to be an object). When `topLevelFallback`,
/// a missing/null `data` falls back to the top-level object (sys/ paths duplicate it there).
Result<Envelope> envelope(std::string_view body, std::string_view what,
                          bool topLevelFallback = false);

}  // namespace nc::vault::codec::detail
