// The live part of preflight: Facts read from a running Vault (PKI roles of the declared
// mounts, ACL policies, JWT roles and default roles), for `plan` to check jobs against.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "config/desired_state.hpp"
#include "core/error.hpp"
#include "preflight/preflight.hpp"

namespace nc::vault {
class VaultApi;
}  // namespace nc::vault

namespace nc::preflight {

/// Reads every PKI role of the declared PKI mounts, every ACL policy and the roles of the
/// declared JWT auth methods; the result is `complete` (missing means missing). Errors: the
/// first failed read (other than not found), with what was being read.
boost::asio::awaitable<Result<Facts>> readLiveFacts(vault::VaultApi& vault,
                                                    const config::DesiredState& desired);

/// Convenience for plan: live facts, then every job checked against them.
boost::asio::awaitable<Result<std::vector<Finding>>> checkJobsLive(
    vault::VaultApi& vault, const config::DesiredState& desired);

}  // namespace nc::preflight
