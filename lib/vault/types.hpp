// Typed results and requests of the Vault operations nomad-certd uses (plain structs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nc::vault {

/// Query parameters of sys/health; unset codes are not sent (server defaults apply).
struct HealthQuery {
  bool standbyOk = true;  ///< always sent explicitly (a bare `standbyok` means false)
  bool perfStandbyOk = false;
  std::optional<int> activeCode, standbyCode, drSecondaryCode, performanceStandbyCode, sealedCode,
      uninitCode, haUnhealthyCode, removedCode;
};

/// What the status code of sys/health meant (interpreted with the codes that were requested).
enum class HealthState {
  active,
  standby,
  drSecondary,
  performanceStandby,
  sealed,
  uninitialized,
  haUnhealthy,
  removed,
  unknown
};
const char* toString(HealthState s);

struct HealthStatus {
  int httpStatus = 0;
  HealthState state = HealthState::unknown;
  bool initialized = false, sealed = false, standby = false, performanceStandby = false;
  std::string version, clusterName, clusterId;
  std::string replicationPerformanceMode, replicationDrMode;
  std::int64_t serverTimeUtc = 0;
  bool enterprise = false;
};

struct SealStatus {
  std::string type;
  bool initialized = false, sealed = false;
  std::int64_t threshold = 0, shares = 0, progress = 0;  ///< t, n, progress
  std::string version, clusterName, clusterId, storageType, buildDate;
};

/// Mount "config" block; TTLs in seconds (0 = system default).
struct MountConfig {
  std::int64_t defaultLeaseTtl = 0, maxLeaseTtl = 0;
  bool forceNoCache = false;
  std::string tokenType;  ///< auth mounts only
};

/// One entry of sys/mounts or sys/auth (path keeps its trailing slash, e.g. "pki/").
struct Mount {
  std::string path, type, description, accessor, uuid, pluginVersion, runningPluginVersion;
  bool local = false, sealWrap = false, externalEntropyAccess = false;
  std::map<std::string, std::string> options;
  MountConfig config;
};

/// Body of POST sys/mounts/:path or sys/auth/:path.
struct MountSpec {
  std::string type, description;
  std::optional<std::int64_t> defaultLeaseTtl, maxLeaseTtl;  ///< seconds
  std::map<std::string, std::string> options;
  bool local = false, sealWrap = false;
};

/// Effective TTLs from GET sys/mounts/:path/tune (seconds).
struct MountTune {
  std::int64_t defaultLeaseTtl = 0, maxLeaseTtl = 0;
  bool forceNoCache = false;
  std::string description;
};

/// Body of POST sys/mounts/:path/tune; unset fields are not sent.
struct MountTuneUpdate {
  std::optional<std::int64_t> defaultLeaseTtl, maxLeaseTtl;  ///< seconds
  std::optional<std::string> description;
};

/// A PKI role with every field Vault CE returns (defaults as Vault applies on write).
struct PkiRole {
  std::int64_t ttl = 0, maxTtl = 0, notBeforeDuration = 30, keyBits = 0, signatureBits = 0;
  bool allowLocalhost = true, allowedDomainsTemplate = false, allowBareDomains = false,
       allowSubdomains = false, allowGlobDomains = false, allowWildcardCertificates = true,
       allowAnyName = false, enforceHostnames = true, allowIpSans = true,
       allowedUriSansTemplate = false, serverFlag = true, clientFlag = true,
       codeSigningFlag = false, emailProtectionFlag = false, usePss = false,
       useCsrCommonName = true, useCsrSans = true, noStore = false, generateLease = false,
       requireCn = true, basicConstraintsValidForNonCa = false;
  std::vector<std::string> allowedDomains, allowedUriSans, allowedOtherSans, allowedSerialNumbers,
      allowedUserIds, extKeyUsage, extKeyUsageOids, ou, organization, country, locality, province,
      streetAddress, postalCode, policyIdentifiers;
  std::vector<std::string> keyUsage{"DigitalSignature", "KeyAgreement", "KeyEncipherment"};
  std::vector<std::string> cnValidations{"email", "hostname"};
  std::string keyType = "rsa", notAfter, issuerRef = "default", serialNumberSource;
  /// The `data` object as Vault returned it (fields this struct does not know included).
  std::string rawJson;
};

struct IssueRequest {
  std::string commonName;
  std::vector<std::string> altNames, ipSans, uriSans;
  std::optional<std::int64_t> ttlSeconds;
  std::string format;            ///< "" = server default (pem)
  std::string privateKeyFormat;  ///< "" = server default
  bool excludeCnFromSans = false;
};

struct IssuedCertificate {
  std::string certificate, issuingCa, privateKey, privateKeyType, serialNumber;
  std::vector<std::string> caChain;
  std::int64_t expiration = 0;  ///< unix seconds (NotAfter)
  std::vector<std::string> warnings;
};

struct CertificateRecord {
  std::string certificate;
  std::int64_t revocationTime = 0;
  std::string revocationTimeRfc3339, issuerId;
};

struct AclPolicy {
  std::string name, policy;  ///< policy text exactly as stored
};

/// JWT auth method config (auth/<path>/config).
struct JwtConfig {
  std::string jwksUrl, jwksCaPem, defaultRole, boundIssuer, oidcDiscoveryUrl;
  std::vector<std::string> jwtSupportedAlgs, jwtValidationPubkeys;
  std::string rawJson;  ///< on read: the `data` object
};

/// JWT auth role (auth/<path>/role/:name); null lists/maps read as empty.
struct JwtRole {
  std::string roleType = "jwt", userClaim, boundSubject, boundClaimsType = "string", groupsClaim,
              tokenType;
  bool userClaimJsonPointer = false, tokenNoDefaultPolicy = false;
  std::vector<std::string> boundAudiences, tokenPolicies, tokenBoundCidrs;
  /// bound_claims values are strings or lists in Vault; a string reads as a one-item list.
  std::map<std::string, std::vector<std::string>> boundClaims;
  std::map<std::string, std::string> claimMappings;
  std::int64_t tokenTtl = 0, tokenMaxTtl = 0, tokenExplicitMaxTtl = 0, tokenPeriod = 0,
               tokenNumUses = 0, expirationLeeway = 0, notBeforeLeeway = 0, clockSkewLeeway = 0;
  std::string rawJson;
};

/// GET auth/token/lookup-self `data` (never logged: contains the token id).
struct TokenInfo {
  std::string accessor, displayName, path, type, entityId, expireTime;
  std::vector<std::string> policies;
  std::int64_t ttl = 0, creationTtl = 0, period = 0, explicitMaxTtl = 0, numUses = 0;
  bool renewable = false, orphan = false;
};

/// The `auth` block of a login or renew.
struct AuthInfo {
  std::string clientToken, accessor, tokenType, entityId;
  std::vector<std::string> policies, tokenPolicies;
  std::map<std::string, std::string> metadata;
  std::int64_t leaseDuration = 0;
  bool renewable = false, orphan = false;
  std::vector<std::string> warnings;
};

}  // namespace nc::vault
