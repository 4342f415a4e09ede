// Vault wire format: JSON encoders for request bodies and defensive decoders for responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "vault/types.hpp"

namespace nc::vault::codec {

/// errc for a non-success HTTP status (see VaultApi for the table).
errc errcForStatus(int status);
/// Error for a failed call: "vault: <what>: HTTP <status>: <Vault's error texts or body>"
/// (429: "HTTP 429 Too Many Requests (rate limited)").
Error responseError(std::string_view what, int status, std::string_view body);
/// The texts of {"errors":[...]}; std::nullopt when the body is not that shape.
std::optional<std::vector<std::string>> errorTexts(std::string_view body);

/// sys/health: interprets the status with the codes of `query`; the body must be JSON. An
/// {"errors":[...]} body without the health fields is responseError (e.g. a 429 rate limit).
Result<HealthStatus> decodeHealth(int status, std::string_view body, const HealthQuery& query);
/// The query string (without '?') for sys/health.
std::string healthQueryString(const HealthQuery& query);
Result<SealStatus> decodeSealStatus(std::string_view body);

/// sys/mounts or sys/auth listing (uses `data`, falls back to the top level for sys paths).
Result<std::vector<Mount>> decodeMounts(std::string_view body);
Result<MountTune> decodeMountTune(std::string_view body);
std::string encodeMountSpec(const MountSpec& spec);
std::string encodeTuneUpdate(const MountTuneUpdate& update);

/// {"data":{"keys":[...]}} → keys (also accepts a top-level `keys` for sys paths).
Result<std::vector<std::string>> decodeKeys(std::string_view body);

Result<PkiRole> decodePkiRole(std::string_view body);
std::string encodePkiRole(const PkiRole& role);
std::string encodeIssueRequest(const IssueRequest& request);
Result<IssuedCertificate> decodeIssued(std::string_view body);
Result<CertificateRecord> decodeCertificate(std::string_view body);
/// pki/cert/ca_chain → the PEM chain (data.ca_chain, else data.certificate).
Result<std::string> decodeCaChain(std::string_view body);

Result<AclPolicy> decodePolicy(std::string_view body);
std::string encodePolicy(std::string_view text);

Result<JwtConfig> decodeJwtConfig(std::string_view body);
std::string encodeJwtConfig(const JwtConfig& config);
Result<JwtRole> decodeJwtRole(std::string_view body);
std::string encodeJwtRole(const JwtRole& role);

Result<TokenInfo> decodeTokenInfo(std::string_view body);
/// The `auth` block of a login/renew response (required) plus warnings.
Result<AuthInfo> decodeAuth(std::string_view body);

}  // namespace nc::vault::codec
