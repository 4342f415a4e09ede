// Vault codec for the PKI engine: roles (every field, table-driven), issue, certificates.
#include "vault/codec.hpp"
#include "vault/codec_detail.hpp"

namespace nc::vault::codec {
namespace {

struct BoolField {
  const char* name;
  bool PkiRole::*member;
};
struct IntField {
  const char* name;
  std::int64_t PkiRole::*member;
};
struct ListField {
  const char* name;
  std::vector<std::string> PkiRole::*member;
};
struct StrField {
  const char* name;
  std::string PkiRole::*member;
};

// One table per JSON type keeps encode and decode in lockstep.
constexpr BoolField kBools[] = {
    {"allow_localhost", &PkiRole::allowLocalhost},
    {"allowed_domains_template", &PkiRole::allowedDomainsTemplate},
    {"allow_bare_domains", &PkiRole::allowBareDomains},
    {"allow_subdomains", &PkiRole::allowSubdomains},
    {"allow_glob_domains", &PkiRole::allowGlobDomains},
    {"allow_wildcard_certificates", &PkiRole::allowWildcardCertificates},
    {"allow_any_name", &PkiRole::allowAnyName},
    {"enforce_hostnames", &PkiRole::enforceHostnames},
    {"allow_ip_sans", &PkiRole::allowIpSans},
    {"allowed_uri_sans_template", &PkiRole::allowedUriSansTemplate},
    {"server_flag", &PkiRole::serverFlag},
    {"client_flag", &PkiRole::clientFlag},
    {"code_signing_flag", &PkiRole::codeSigningFlag},
    {"email_protection_flag", &PkiRole::emailProtectionFlag},
    {"use_pss", &PkiRole::usePss},
    {"use_csr_common_name", &PkiRole::useCsrCommonName},
    {"use_csr_sans", &PkiRole::useCsrSans},
    {"no_store", &PkiRole::noStore},
    {"generate_lease", &PkiRole::generateLease},
    {"require_cn", &PkiRole::requireCn},
    {"basic_constraints_valid_for_non_ca", &PkiRole::basicConstraintsValidForNonCa},
};
constexpr IntField kInts[] = {
    {"ttl", &PkiRole::ttl},
    {"max_ttl", &PkiRole::maxTtl},
    {"not_before_duration", &PkiRole::notBeforeDuration},
    {"key_bits", &PkiRole::keyBits},
    {"signature_bits", &PkiRole::signatureBits},
};
constexpr ListField kLists[] = {
    {"allowed_domains", &PkiRole::allowedDomains},
    {"allowed_uri_sans", &PkiRole::allowedUriSans},
    {"allowed_other_sans", &PkiRole::allowedOtherSans},
    {"allowed_serial_numbers", &PkiRole::allowedSerialNumbers},
    {"allowed_user_ids", &PkiRole::allowedUserIds},
    {"ext_key_usage", &PkiRole::extKeyUsage},
    {"ext_key_usage_oids", &PkiRole::extKeyUsageOids},
    {"ou", &PkiRole::ou},
    {"organization", &PkiRole::organization},
    {"country", &PkiRole::country},
    {"locality", &PkiRole::locality},
    {"province", &PkiRole::province},
    {"street_address", &PkiRole::streetAddress},
    {"postal_code", &PkiRole::postalCode},
    {"policy_identifiers", &PkiRole::policyIdentifiers},
    {"key_usage", &PkiRole::keyUsage},
    {"cn_validations", &PkiRole::cnValidations},
};
constexpr StrField kStrings[] = {
    {"key_type", &PkiRole::keyType},
    {"not_after", &PkiRole::notAfter},
    {"issuer_ref", &PkiRole::issuerRef},
    {"serial_number_source", &PkiRole::serialNumberSource},
};

}  // namespace

Result<PkiRole> decodePkiRole(std::string_view body) {
  auto env = detail::envelope(body, "vault pki role");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  PkiRole role;  // absent fields keep Vault's write defaults (older servers omit some)
  for (const auto& b : kBools)
    role.*b.member = f.boolean(b.name, json::Need::optional, role.*b.member);
  for (const auto& i : kInts) role.*i.member = f.i64(i.name, json::Need::optional, role.*i.member);
  for (const auto& l : kLists)
    if (f.value(l.name)) role.*l.member = f.strings(l.name);
  for (const auto& s : kStrings)
    role.*s.member = f.str(s.name, json::Need::optional, role.*s.member);
  role.rawJson = json::toString(*env->data());
  return json::finish(st, std::move(role));
}

std::string encodePkiRole(const PkiRole& role) {
  json::ObjectWriter w;
  for (const auto& b : kBools) w.boolean(b.name, role.*b.member);
  for (const auto& i : kInts) w.i64(i.name, role.*i.member);
  for (const auto& l : kLists) w.strings(l.name, role.*l.member);
  for (const auto& s : kStrings) {
    // An empty serial_number_source would be rejected; older servers do not know the field.
    if (std::string_view(s.name) == "serial_number_source" && (role.*s.member).empty()) continue;
    w.str(s.name, role.*s.member);
  }
  return w.finish();
}

std::string encodeIssueRequest(const IssueRequest& r) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  json::ObjectWriter w;
  w.str("common_name", r.commonName);
  if (!r.altNames.empty()) w.str("alt_names", join(r.altNames));
  if (!r.ipSans.empty()) w.strings("ip_sans", r.ipSans);
  if (!r.uriSans.empty()) w.strings("uri_sans", r.uriSans);
  if (r.ttlSeconds) w.str("ttl", std::to_string(*r.ttlSeconds) + "s");
  if (!r.format.empty()) w.str("format", r.format);
  if (!r.privateKeyFormat.empty()) w.str("private_key_format", r.privateKeyFormat);
  if (r.excludeCnFromSans) w.boolean("exclude_cn_from_sans", true);
  return w.finish();
}

Result<IssuedCertificate> decodeIssued(std::string_view body) {
  auto env = detail::envelope(body, "vault pki issue");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  IssuedCertificate c;
  c.certificate = f.str("certificate", json::Need::required);
  c.issuingCa = f.str("issuing_ca");
  c.caChain = f.strings("ca_chain");
  c.privateKey = f.str("private_key", json::Need::required);
  c.privateKeyType = f.str("private_key_type");
  c.serialNumber = f.str("serial_number", json::Need::required);
  c.expiration = f.i64("expiration", json::Need::required);
  c.warnings = env->warnings;
  return json::finish(st, std::move(c));
}

Result<CertificateRecord> decodeCertificate(std::string_view body) {
  auto env = detail::envelope(body, "vault pki cert");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  CertificateRecord r;
  r.certificate = f.str("certificate", json::Need::required);
  r.revocationTime = f.i64("revocation_time");
  r.revocationTimeRfc3339 = f.str("revocation_time_rfc3339");
  r.issuerId = f.str("issuer_id");
  return json::finish(st, std::move(r));
}

Result<std::string> decodeCaChain(std::string_view body) {
  auto env = detail::envelope(body, "vault pki ca_chain");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  // data.ca_chain is a PEM string here (not the array of /issue); certificate has the same.
  // Tolerate an array form as well (the /issue response uses one), joined like the PEM file.
  std::string chain;
  if (const auto* v = f.value("ca_chain"); v && v->IsArray()) {
    for (const auto& pem : f.strings("ca_chain")) chain += (chain.empty() ? "" : "\n") + pem;
  } else if (f.has("ca_chain")) {
    chain = f.str("ca_chain");
  } else {
    chain = f.str("certificate", json::Need::required);
  }
  return json::finish(st, std::move(chain));
}

}  // namespace nc::vault::codec
