// Blocking HTTP(S) GET used by vault-sim to fetch JWKS documents (Vault fetches jwks_url on
// config write and when it meets an unknown key).
#pragma once

#include <string>

#include "core/error.hpp"

namespace nc::vault_sim {

/// GETs url (http or https; caPem, when set, is the only trusted CA) with a 10 s deadline.
/// Non-200 answers are errors quoting the status.
Result<std::string> fetchUrl(const std::string& url, const std::string& caPem);

}  // namespace nc::vault_sim
