// PKI role model: every field Vault's role GET returns, with POST (replace) and PATCH (merge)
// semantics, Vault's defaults, normalisation and validation errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "vault/fields.hpp"

namespace nc::vault_sim {

struct PkiRole {
  std::int64_t ttl = 0;
  std::int64_t maxTtl = 0;
  bool allowLocalhost = true;
  std::vector<std::string> allowedDomains;
  bool allowedDomainsTemplate = false;
  bool allowBareDomains = false;
  bool allowSubdomains = false;
  bool allowGlobDomains = false;
  bool allowWildcardCertificates = true;
  bool allowAnyName = false;
  bool allowTokenDisplayName = false;
  bool enforceHostnames = true;
  bool allowIpSans = true;
  std::vector<std::string> allowedUriSans;
  bool allowedUriSansTemplate = false;
  std::vector<std::string> allowedOtherSans;
  std::vector<std::string> allowedSerialNumbers;
  std::vector<std::string> allowedUserIds;
  bool serverFlag = true;
  bool clientFlag = true;
  bool codeSigningFlag = false;
  bool emailProtectionFlag = false;
  std::string keyType = "rsa";
  std::int64_t keyBits = 0;
  std::int64_t signatureBits = 0;
  bool usePss = false;
  std::vector<std::string> keyUsage{"DigitalSignature", "KeyAgreement", "KeyEncipherment"};
  std::vector<std::string> extKeyUsage;
  std::vector<std::string> extKeyUsageOids;
  bool useCsrCommonName = true;
  bool useCsrSans = true;
  std::string serialNumberSource = "json-csr";
  std::vector<std::string> ou, organization, country, locality, province, streetAddress, postalCode;
  bool noStore = false;
  bool generateLease = false;
  bool requireCn = true;
  std::vector<std::string> cnValidations{"email", "hostname"};
  std::vector<std::string> policyIdentifiers;
  bool basicConstraintsValidForNonCa = false;
  std::int64_t notBeforeDuration = 30;
  std::string notAfter;
  std::string issuerRef = "default";
};

struct RoleWriteResult {
  PkiRole role;
  std::vector<std::string> warnings;
};

/// POST: builds a role from the fields alone (omitted fields take their defaults).
/// PATCH: starts from `base` and overrides only the fields present.
/// Errors are Vault's 400 messages.
Result<RoleWriteResult> writeRole(const Fields& f, const PkiRole* base);

/// The `data` object of GET pki/roles/:name.
rapidjson::Value roleToJson(const PkiRole& role, rapidjson::Document::AllocatorType& alloc);

/// Role name check: \w(([\w-.@]+)?\w)?
bool validRoleName(std::string_view name);

}  // namespace nc::vault_sim
