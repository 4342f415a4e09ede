// sys/mounts and sys/auth: enable, disable, read, list and tune mounts.
#pragma once

#include <string>

#include "vault/core.hpp"

namespace nc::vault_sim {

/// GET sys/mounts or sys/auth: map "<path>/" -> mount object.
Reply listMounts(Core& core, bool auth);
/// sys/mounts/<rest> or sys/auth/<rest> (rest may end in "/tune").
Reply mountOp(Core& core, Request& rq, const std::string& rest, bool auth);
/// Tune read/write of the mount at `key` ("pki/", "auth/jwt/").
Reply tuneMount(Core& core, Request& rq, const std::string& key);

}  // namespace nc::vault_sim
