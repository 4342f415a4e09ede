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

/// What Vault will hold once the desired state is applied: the live objects, with every
/// declared one replacing its live counterpart (declared wins), `complete` as `live` is.
Facts mergeFacts(Facts live, const Facts& declared);

/// For plan: live facts merged with the declared ones (mergeFacts), then every job checked
/// against them. An object neither declared nor live is an error finding.
boost::asio::awaitable<Result<std::vector<Finding>>> checkJobsLive(
    vault::VaultApi& vault, const config::DesiredState& desired);

}  // namespace nc::preflight
