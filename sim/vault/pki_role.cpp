// PKI role write (POST replace / PATCH merge), normalisation and JSON rendering.
#include "vault/pki_role.hpp"

#include <charconv>
#include <regex>

#include "common/json_util.hpp"

namespace nc::vault_sim {
namespace {

Error bad(std::string msg) {
  return makeError(errc::invalid_argument, std::move(msg));
}

// Reads every field into `r`, with the current value of `r` as the default.
Result<void> readFields(const Fields& f, PkiRole& r) {
#define NC_FIELD(expr, target)  \
  {                             \
    auto v_ = (expr);           \
    if (!v_) return v_.error(); \
    target = std::move(*v_);    \
  }
  NC_FIELD(f.seconds("ttl", r.ttl), r.ttl);
  NC_FIELD(f.seconds("max_ttl", r.maxTtl), r.maxTtl);
  NC_FIELD(f.boolean("allow_localhost", r.allowLocalhost), r.allowLocalhost);
  NC_FIELD(f.list("allowed_domains", r.allowedDomains), r.allowedDomains);
  NC_FIELD(f.boolean("allowed_domains_template", r.allowedDomainsTemplate),
           r.allowedDomainsTemplate);
  NC_FIELD(f.boolean("allow_bare_domains", r.allowBareDomains), r.allowBareDomains);
  NC_FIELD(f.boolean("allow_subdomains", r.allowSubdomains), r.allowSubdomains);
  NC_FIELD(f.boolean("allow_glob_domains", r.allowGlobDomains), r.allowGlobDomains);
  NC_FIELD(f.boolean("allow_wildcard_certificates", r.allowWildcardCertificates),
           r.allowWildcardCertificates);
  NC_FIELD(f.boolean("allow_any_name", r.allowAnyName), r.allowAnyName);
  NC_FIELD(f.boolean("enforce_hostnames", r.enforceHostnames), r.enforceHostnames);
  NC_FIELD(f.boolean("allow_ip_sans", r.allowIpSans), r.allowIpSans);
  NC_FIELD(f.list("allowed_uri_sans", r.allowedUriSans), r.allowedUriSans);
  NC_FIELD(f.boolean("allowed_uri_sans_template", r.allowedUriSansTemplate),
           r.allowedUriSansTemplate);
  NC_FIELD(f.list("allowed_other_sans", r.allowedOtherSans), r.allowedOtherSans);
  NC_FIELD(f.list("allowed_serial_numbers", r.allowedSerialNumbers), r.allowedSerialNumbers);
  NC_FIELD(f.list("allowed_user_ids", r.allowedUserIds), r.allowedUserIds);
  NC_FIELD(f.boolean("server_flag", r.serverFlag), r.serverFlag);
  NC_FIELD(f.boolean("client_flag", r.clientFlag), r.clientFlag);
  NC_FIELD(f.boolean("code_signing_flag", r.codeSigningFlag), r.codeSigningFlag);
  NC_FIELD(f.boolean("email_protection_flag", r.emailProtectionFlag), r.emailProtectionFlag);
  NC_FIELD(f.str("key_type", r.keyType), r.keyType);
  NC_FIELD(f.integer("key_bits", r.keyBits), r.keyBits);
  NC_FIELD(f.integer("signature_bits", r.signatureBits), r.signatureBits);
  NC_FIELD(f.boolean("use_pss", r.usePss), r.usePss);
  NC_FIELD(f.list("key_usage", r.keyUsage), r.keyUsage);
  NC_FIELD(f.list("ext_key_usage", r.extKeyUsage), r.extKeyUsage);
  NC_FIELD(f.list("ext_key_usage_oids", r.extKeyUsageOids), r.extKeyUsageOids);
  NC_FIELD(f.boolean("use_csr_common_name", r.useCsrCommonName), r.useCsrCommonName);
  NC_FIELD(f.boolean("use_csr_sans", r.useCsrSans), r.useCsrSans);
  NC_FIELD(f.str("serial_number_source", r.serialNumberSource), r.serialNumberSource);
  NC_FIELD(f.list("ou", r.ou), r.ou);
  NC_FIELD(f.list("organization", r.organization), r.organization);
  NC_FIELD(f.list("country", r.country), r.country);
  NC_FIELD(f.list("locality", r.locality), r.locality);
  NC_FIELD(f.list("province", r.province), r.province);
  NC_FIELD(f.list("street_address", r.streetAddress), r.streetAddress);
  NC_FIELD(f.list("postal_code", r.postalCode), r.postalCode);
  NC_FIELD(f.boolean("no_store", r.noStore), r.noStore);
  NC_FIELD(f.boolean("require_cn", r.requireCn), r.requireCn);
  NC_FIELD(f.list("cn_validations", r.cnValidations), r.cnValidations);
  NC_FIELD(f.list("policy_identifiers", r.policyIdentifiers), r.policyIdentifiers);
  NC_FIELD(f.boolean("basic_constraints_valid_for_non_ca", r.basicConstraintsValidForNonCa),
           r.basicConstraintsValidForNonCa);
  NC_FIELD(f.seconds("not_before_duration", r.notBeforeDuration), r.notBeforeDuration);
  NC_FIELD(f.str("not_after", r.notAfter), r.notAfter);
  NC_FIELD(f.str("issuer_ref", r.issuerRef), r.issuerRef);
#undef NC_FIELD
  return {};
}

bool validOid(const std::string& s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    auto part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    int v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || p != part.data() + part.size()) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

Result<std::vector<std::string>> checkCnValidations(const std::vector<std::string>& in) {
  if (in.empty()) return std::vector<std::string>{"email", "hostname"};
  bool dis = false, email = false, host = false;
  std::vector<std::string> out;
  for (const auto& v : in) {
    auto l = toLower(v);
    bool* seen = l == "disabled" ? &dis : l == "email" ? &email : l == "hostname" ? &host : nullptr;
    if (!seen) return bad("cn_validations value incorrect: unknown type: `" + v + "`");
    if (*seen) return bad("cn_validations value incorrect: `" + l + "` specified multiple times");
    *seen = true;
    out.push_back(l);
  }
  if (dis && (email || host))
    return bad(
        "cn_validations value incorrect: cannot specify `disabled` along with `email` or "
        "`hostname`");
  return out;
}

Result<void> normaliseKey(PkiRole& r) {
  if (r.keyBits == 0) {
    if (r.keyType == "rsa")
      r.keyBits = 2048;
    else if (r.keyType == "ec")
      r.keyBits = 256;
  }
  if (r.keyType == "rsa") {
    if (r.keyBits < 2048)
      return bad("RSA keys < 2048 bits are unsafe and not supported: got " +
                 std::to_string(r.keyBits));
    if (r.keyBits != 2048 && r.keyBits != 3072 && r.keyBits != 4096 && r.keyBits != 8192)
      return bad("unsupported bit length for RSA key: " + std::to_string(r.keyBits));
    if (r.signatureBits == 0) r.signatureBits = 256;
    if (r.signatureBits != 256 && r.signatureBits != 384 && r.signatureBits != 512)
      return bad("unsupported hash signature algorithm: " + std::to_string(r.signatureBits));
  } else if (r.keyType == "ec") {
    if (r.keyBits != 224 && r.keyBits != 256 && r.keyBits != 384 && r.keyBits != 521)
      return bad("unsupported bit length for EC key: " + std::to_string(r.keyBits));
  } else if (r.keyType == "ed25519" || r.keyType == "any") {
    r.signatureBits = 0;
  } else {
    return bad("unknown key type " + r.keyType);
  }
  return {};
}

}  // namespace

bool validRoleName(std::string_view name) {
  static const std::regex re(R"(^\w(([\w\-.@]+)?\w)?$)");
  return std::regex_match(name.begin(), name.end(), re);
}

Result<RoleWriteResult> writeRole(const Fields& f, const PkiRole* base) {
  RoleWriteResult out;
  PkiRole& r = out.role;
  if (base) r = *base;
  bool requestedLease = base ? base->generateLease : false;
  if (auto gl = f.boolean("generate_lease", requestedLease); !gl)
    return gl.error();
  else
    requestedLease = *gl;
  if (auto rf = readFields(f, r); !rf) return rf.error();

  if (r.noStore) {
    r.generateLease = false;
    if (requestedLease)
      out.warnings.push_back(
          "mutually exclusive values no_store=true and generate_lease=true were both specified; "
          "no_store=true takes priority");
  } else {
    r.generateLease = requestedLease;
    if (r.generateLease)
      out.warnings.push_back(
          "it is encouraged to disable generate_lease and rely on PKI's native capabilities when "
          "possible; this option can cause Vault-wide issues with large numbers of issued "
          "certificates");
  }
  if (!(r.allowedOtherSans.empty() ||
        (r.allowedOtherSans.size() == 1 && r.allowedOtherSans[0] == "*"))) {
    for (const auto& o : r.allowedOtherSans) {
      auto semi = o.find(';');
      if (semi == std::string::npos)
        return bad("error parsing allowed_other_sans: expected a semicolon in other SAN \"" + o +
                   "\"");
      auto colon = o.find(':', semi);
      if (colon == std::string::npos)
        return bad("error parsing allowed_other_sans: expected a colon in other SAN \"" + o + "\"");
      auto type = toLower(o.substr(semi + 1, colon - semi - 1));
      if (type != "utf8" && type != "utf-8")
        return bad(
            "error parsing allowed_other_sans: only utf8 other SANs are supported; found "
            "non-supported type in other SAN \"" +
            o + "\"");
    }
  }
  if (r.maxTtl > 0 && r.ttl > r.maxTtl)
    return bad("\"ttl\" value must be less than \"max_ttl\" value");
  if (auto k = normaliseKey(r); !k) return k.error();
  if (!r.serialNumberSource.empty() && r.serialNumberSource != "json-csr" &&
      r.serialNumberSource != "json")
    return bad("unknown serial_number_source " + r.serialNumberSource);
  for (const auto& oid : r.extKeyUsageOids)
    if (!validOid(oid))
      return bad("\"" + oid + "\" could not be parsed as a valid oid for an extended key usage");
  if (r.issuerRef.empty()) r.issuerRef = "default";
  auto cv = checkCnValidations(r.cnValidations);
  if (!cv) return cv.error();
  r.cnValidations = *cv;
  return out;
}

rapidjson::Value roleToJson(const PkiRole& r, rapidjson::Document::AllocatorType& a) {
  using sim::stringArray;
  rapidjson::Value o(rapidjson::kObjectType);
  auto s = [&](const char* k, const std::string& v) {
    o.AddMember(rapidjson::StringRef(k), sim::stringValue(v, a), a);
  };
  auto b = [&](const char* k, bool v) { o.AddMember(rapidjson::StringRef(k), v, a); };
  auto i = [&](const char* k, std::int64_t v) { o.AddMember(rapidjson::StringRef(k), v, a); };
  auto l = [&](const char* k, const std::vector<std::string>& v) {
    o.AddMember(rapidjson::StringRef(k), stringArray(v, a), a);
  };
  i("ttl", r.ttl);
  i("max_ttl", r.maxTtl);
  b("allow_localhost", r.allowLocalhost);
  l("allowed_domains", r.allowedDomains);
  b("allowed_domains_template", r.allowedDomainsTemplate);
  b("allow_bare_domains", r.allowBareDomains);
  b("allow_subdomains", r.allowSubdomains);
  b("allow_glob_domains", r.allowGlobDomains);
  b("allow_wildcard_certificates", r.allowWildcardCertificates);
  b("allow_any_name", r.allowAnyName);
  b("allow_token_displayname", r.allowTokenDisplayName);
  b("enforce_hostnames", r.enforceHostnames);
  b("allow_ip_sans", r.allowIpSans);
  l("allowed_uri_sans", r.allowedUriSans);
  b("allowed_uri_sans_template", r.allowedUriSansTemplate);
  l("allowed_other_sans", r.allowedOtherSans);
  l("allowed_serial_numbers", r.allowedSerialNumbers);
  l("allowed_user_ids", r.allowedUserIds);
  b("server_flag", r.serverFlag);
  b("client_flag", r.clientFlag);
  b("code_signing_flag", r.codeSigningFlag);
  b("email_protection_flag", r.emailProtectionFlag);
  s("key_type", r.keyType);
  i("key_bits", r.keyBits);
  i("signature_bits", r.signatureBits);
  b("use_pss", r.usePss);
  l("key_usage", r.keyUsage);
  l("ext_key_usage", r.extKeyUsage);
  l("ext_key_usage_oids", r.extKeyUsageOids);
  b("use_csr_common_name", r.useCsrCommonName);
  b("use_csr_sans", r.useCsrSans);
  s("serial_number_source", r.serialNumberSource);
  l("ou", r.ou);
  l("organization", r.organization);
  l("country", r.country);
  l("locality", r.locality);
  l("province", r.province);
  l("street_address", r.streetAddress);
  l("postal_code", r.postalCode);
  b("no_store", r.noStore);
  b("generate_lease", r.generateLease);
  b("require_cn", r.requireCn);
  l("cn_validations", r.cnValidations);
  l("policy_identifiers", r.policyIdentifiers);
  b("basic_constraints_valid_for_non_ca", r.basicConstraintsValidForNonCa);
  i("not_before_duration", r.notBeforeDuration);
  s("not_after", r.notAfter);
  s("issuer_ref", r.issuerRef);
  return o;
}

}  // namespace nc::vault_sim
