// Optional persistence of vault-sim's state (--state-file): mounts with backend state,
// policies and tokens, as one JSON file rewritten after each change.
#pragma once

#include <string>

#include "vault/core.hpp"

namespace nc::vault_sim {

/// Loads state saved by saveState; a missing file is not an error (fresh start).
void loadState(Core& core, const std::string& file);
/// Writes the state atomically (temp file + rename).
void saveState(Core& core, const std::string& file);

}  // namespace nc::vault_sim
