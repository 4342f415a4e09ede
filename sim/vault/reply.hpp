// What a simulated backend returns for one logical request, and its rendering into Vault's
// HTTP envelope (200/204/404-on-empty-list/error bodies, sys/ top-level duplication).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "http/server.hpp"

namespace nc::vault_sim {

struct Reply {
  int status = 200;  ///< 200 for data/auth/warnings; set to 202 etc. explicitly
  rapidjson::Document data{rapidjson::kNullType};
  rapidjson::Document auth{rapidjson::kNullType};
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  bool error = false;
  std::string leaseId;
  std::int64_t leaseDuration = 0;
  bool renewable = false;
  std::optional<http::ServerResponse> raw;  ///< sent as-is (health, ca/pem, redirects)

  static Reply fail(int status, std::string message);
  static Reply failEmpty(int status);  ///< {"errors":[]}
  static Reply noContent() { return Reply(); }
  static Reply rawResponse(http::ServerResponse r);
  /// data = {"keys":[...]}
  static Reply list(const std::vector<std::string>& keys);

  /// data as an object (created on first use).
  rapidjson::Value& d();
  rapidjson::Document::AllocatorType& alloc() { return data.GetAllocator(); }
};

struct RenderContext {
  bool sysPath = false;   ///< duplicate data at top level
  bool listOp = false;    ///< empty keys -> 404
  std::string mountType;  ///< "pki", "system", "token", ...
};

/// Renders the reply as Vault's HTTP layer would. Every response gets Cache-Control: no-store.
http::ServerResponse render(Reply& reply, const RenderContext& ctx);

/// A random RFC 4122 v4 UUID.
std::string uuid();

}  // namespace nc::vault_sim
