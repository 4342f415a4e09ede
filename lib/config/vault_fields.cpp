// Vault field tables (names and JSON types from vault-api.md) and JSON rendering.
#include "config/vault_fields.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nc::config {
namespace {

using T = FieldType;

const std::vector<std::string> kKeyUsages = {
    "DigitalSignature", "ContentCommitment", "KeyEncipherment", "DataEncipherment", "KeyAgreement",
    "CertSign",         "CRLSign",           "EncipherOnly",    "DecipherOnly"};
const std::vector<std::string> kExtKeyUsages = {"Any",
                                                "ServerAuth",
                                                "ClientAuth",
                                                "CodeSigning",
                                                "EmailProtection",
                                                "IPSECEndSystem",
                                                "IPSECTunnel",
                                                "IPSECUser",
                                                "TimeStamping",
                                                "OCSPSigning",
                                                "MicrosoftServerGatedCrypto",
                                                "NetscapeServerGatedCrypto",
                                                "MicrosoftCommercialCodeSigning",
                                                "MicrosoftKernelCodeSigning"};
const std::vector<std::string> kJwtAlgs = {"RS256", "RS384", "RS512", "ES256", "ES384",
                                           "ES512", "PS256", "PS384", "PS512", "EdDSA"};

// PKI role: vault-api.md §3.2 (Vault CE role fields, current).
const std::vector<FieldSpec> kPkiRole = {
    {"ttl", T::duration},
    {"max_ttl", T::duration},
    {"allow_localhost", T::boolean},
    {"allowed_domains", T::stringList},
    {"allowed_domains_template", T::boolean},
    {"allow_bare_domains", T::boolean},
    {"allow_subdomains", T::boolean},
    {"allow_glob_domains", T::boolean},
    {"allow_wildcard_certificates", T::boolean},
    {"allow_any_name", T::boolean},
    {"allow_token_displayname", T::boolean, {}, false, true},
    {"enforce_hostnames", T::boolean},
    {"allow_ip_sans", T::boolean},
    {"allowed_uri_sans", T::stringList},
    {"allowed_uri_sans_template", T::boolean},
    {"allowed_other_sans", T::stringList},
    {"allowed_serial_numbers", T::stringList},
    {"allowed_user_ids", T::stringList},
    {"server_flag", T::boolean},
    {"client_flag", T::boolean},
    {"code_signing_flag", T::boolean},
    {"email_protection_flag", T::boolean},
    {"key_type", T::string, {"rsa", "ec", "ed25519", "any"}},
    {"key_bits", T::integer},
    {"signature_bits", T::integer},
    {"use_pss", T::boolean},
    {"key_usage", T::stringList, kKeyUsages, true},
    {"ext_key_usage", T::stringList, kExtKeyUsages, true},
    {"ext_key_usage_oids", T::stringList},
    {"use_csr_common_name", T::boolean},
    {"use_csr_sans", T::boolean},
    {"serial_number_source", T::string, {"json-csr", "json"}},
    {"ou", T::stringList},
    {"organization", T::stringList},
    {"country", T::stringList},
    {"locality", T::stringList},
    {"province", T::stringList},
    {"street_address", T::stringList},
    {"postal_code", T::stringList},
    {"no_store", T::boolean},
    {"no_store_metadata", T::boolean},
    {"generate_lease", T::boolean},
    {"require_cn", T::boolean},
    {"cn_validations", T::stringList, {"email", "hostname", "disabled"}},
    {"policy_identifiers", T::stringList},
    {"basic_constraints_valid_for_non_ca", T::boolean},
    {"not_before_duration", T::duration},
    {"not_after", T::string},
    {"issuer_ref", T::string},
};

// JWT auth config: vault-api.md §5.1.
const std::vector<FieldSpec> kJwtConfig = {
    {"jwks_url", T::string},
    {"jwks_ca_pem", T::string},
    {"jwt_supported_algs", T::stringList, kJwtAlgs},
    {"default_role", T::string},
    {"bound_issuer", T::string},
    {"jwt_validation_pubkeys", T::stringList},
    {"oidc_discovery_url", T::string},
    {"oidc_discovery_ca_pem", T::string},
    {"oidc_client_id", T::string},
    {"oidc_client_secret", T::string},
    {"oidc_response_mode", T::string, {"query", "form_post"}},
    {"oidc_response_types", T::stringList, {"code", "id_token"}},
    {"namespace_in_state", T::boolean},
    {"provider_config", T::stringMap},
    {"unsupported_critical_cert_extensions", T::stringList},
};

// JWT role: vault-api.md §5.2–5.3.
const std::vector<FieldSpec> kJwtRole = {
    {"role_type", T::string, {"jwt", "oidc"}},
    {"bound_audiences", T::stringList},
    {"bound_subject", T::string},
    {"bound_claims_type", T::string, {"string", "glob"}},
    {"bound_claims", T::claimMap},
    {"claim_mappings", T::stringMap},
    {"user_claim", T::string},
    {"user_claim_json_pointer", T::boolean},
    {"groups_claim", T::string},
    {"allowed_redirect_uris", T::stringList},
    {"oidc_scopes", T::stringList},
    {"verbose_oidc_logging", T::boolean},
    {"max_age", T::duration},
    {"expiration_leeway", T::duration},
    {"not_before_leeway", T::duration},
    {"clock_skew_leeway", T::duration},
    {"token_bound_cidrs", T::stringList},
    {"token_explicit_max_ttl", T::duration},
    {"token_max_ttl", T::duration},
    {"token_ttl", T::duration},
    {"token_period", T::duration},
    {"token_no_default_policy", T::boolean},
    {"token_num_uses", T::integer},
    {"token_policies", T::stringList},
    {"token_type", T::string, {"service", "batch", "default", "default-service", "default-batch"}},
};

// Mount config (sys/mounts enable `config` and tune): vault-api.md §2.3.
const std::vector<FieldSpec> kMountConfig = {
    {"default_lease_ttl", T::duration},
    {"max_lease_ttl", T::duration},
    {"force_no_cache", T::boolean},
    {"audit_non_hmac_request_keys", T::stringList},
    {"audit_non_hmac_response_keys", T::stringList},
    {"listing_visibility", T::string, {"", "unauth", "hidden"}},
    {"passthrough_request_headers", T::stringList},
    {"allowed_response_headers", T::stringList},
    {"token_type", T::string, {"default-service", "default-batch", "service", "batch"}},
    {"plugin_version", T::string},
};

template <class W>
void writeValue(W& w, const FieldValue& v) {
  switch (v.type) {
    case T::boolean:
      w.Bool(v.boolean);
      break;
    case T::integer:
    case T::duration:
      w.Int64(v.integer);
      break;
    case T::string:
      w.String(v.string.c_str(), static_cast<rapidjson::SizeType>(v.string.size()));
      break;
    case T::stringList:
      w.StartArray();
      for (const auto& s : v.list) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
      w.EndArray();
      break;
    case T::stringMap:
    case T::claimMap:
      w.StartObject();
      for (const auto& [k, items] : v.map) {
        w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
        if (v.type == T::claimMap && items.size() != 1) {
          w.StartArray();
          for (const auto& s : items)
            w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
          w.EndArray();
        } else {
          const std::string& s = items.empty() ? std::string() : items.front();
          w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
        }
      }
      w.EndObject();
      break;
  }
}

const FieldValue* find(const FieldMap& m, std::string_view name, std::initializer_list<T> types) {
  auto it = m.find(std::string(name));
  if (it == m.end()) return nullptr;
  for (T t : types)
    if (it->second.type == t) return &it->second;
  return nullptr;
}

}  // namespace

const std::vector<FieldSpec>& fieldSpecs(FieldSchema schema) {
  switch (schema) {
    case FieldSchema::pkiRole:
      return kPkiRole;
    case FieldSchema::jwtAuthConfig:
      return kJwtConfig;
    case FieldSchema::jwtRole:
      return kJwtRole;
    case FieldSchema::mountConfig:
      return kMountConfig;
  }
  return kPkiRole;
}

const FieldSpec* findFieldSpec(FieldSchema schema, std::string_view name) {
  for (const auto& f : fieldSpecs(schema))
    if (f.name == name) return &f;
  return nullptr;
}

std::string toJson(const FieldMap& fields) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [name, value] : fields) {
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    writeValue(w, value);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<bool> getBool(const FieldMap& m, std::string_view name) {
  if (auto* v = find(m, name, {T::boolean})) return v->boolean;
  return std::nullopt;
}

std::optional<std::int64_t> getInt(const FieldMap& m, std::string_view name) {
  if (auto* v = find(m, name, {T::integer, T::duration})) return v->integer;
  return std::nullopt;
}

std::optional<std::string> getString(const FieldMap& m, std::string_view name) {
  if (auto* v = find(m, name, {T::string})) return v->string;
  return std::nullopt;
}

std::optional<std::vector<std::string>> getList(const FieldMap& m, std::string_view name) {
  if (auto* v = find(m, name, {T::stringList})) return v->list;
  return std::nullopt;
}

}  // namespace nc::config
