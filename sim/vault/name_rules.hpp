// Vault PKI name rules for issuance: which common names and SANs a role permits
// (bare, subdomain, glob, wildcard, localhost, enforce_hostnames, cn_validations).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "vault/pki_role.hpp"

namespace nc::vault_sim {

/// ryanuber/go-glob semantics: '*' matches any run of characters (dots included).
bool goGlob(std::string_view pattern, std::string_view subject);

/// Vault's validateNames for one name: true when the role permits it.
bool nameAllowed(const PkiRole& role, std::string_view name);

/// Vault's ValidateCommonName: names check plus cn_validations (email/hostname/disabled).
bool commonNameAllowed(const PkiRole& role, std::string_view cn);

/// IDNA ToASCII with strict STD3 rules and DNS length checks, restricted to ASCII input:
/// returns the name or an "idna: ..." error like Go's x/net/idna.
Result<std::string> idnaToAscii(std::string_view name);

/// Vault's wildHostnameRegex: a hostname whose left-most label may hold one '*'.
bool matchesWildHostname(std::string_view name);

/// The names a certificate request ends up with, after Vault's CN/alt_names processing.
struct RequestedNames {
  std::vector<std::string> dnsNames;
  std::vector<std::string> emails;
};

/// Applies Vault's issue-time name logic: CN into SANs unless excluded (only when it is a DNS
/// name or an email), alt_names deduplicated and sorted, then CN/DNS/email validation.
/// Errors carry Vault's exact 400 messages.
Result<RequestedNames> checkRequestNames(const PkiRole& role, std::string_view cn,
                                         std::string_view altNames, bool excludeCnFromSans);

}  // namespace nc::vault_sim
