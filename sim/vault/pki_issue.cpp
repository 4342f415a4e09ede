// PKI engine: CA generation (root, intermediate CSR, sign-intermediate, set-signed) and leaf
// issuance with Vault's validation, TTL clamping and response shape.
#include <arpa/inet.h>

#include <openssl/x509v3.h>

#include "common/json_util.hpp"
#include "vault/name_rules.hpp"
#include "vault/pki_backend.hpp"

namespace nc::vault_sim {
namespace {

const char* const kCnRequired =
    "the common_name field is required, or must be provided in a CSR with \"use_csr_common_name\" "
    "set to true, unless \"require_cn\" is set to false";

struct NotAfter {
  Clock::WallTime at;
  std::vector<std::string> warnings;
};

// Vault's GetCertificateNotAfter + ApplyIssuerLeafNotAfterBehavior ("err").
Result<NotAfter> computeNotAfter(Core& core, Mount* mount, const Fields& f, std::int64_t roleTtl,
                                 std::int64_t roleMax, const std::string& roleNotAfter,
                                 X509* issuer, std::int64_t notBeforeDuration) {
  auto ttlIn = f.seconds("ttl", 0);
  if (!ttlIn) return ttlIn.error();
  std::string notAfterAlt = roleNotAfter.empty() ? f.strOr("not_after", "") : roleNotAfter;
  std::int64_t ttl = *ttlIn;
  if (ttl > 0 && !notAfterAlt.empty())
    return makeError(errc::invalid_argument,
                     "Either ttl or not_after should be provided. Both should not be provided in "
                     "the same request.");
  if (ttl == 0 && roleTtl > 0) ttl = roleTtl;
  std::int64_t max = roleMax > 0 ? roleMax : core.maxTtl(mount);
  if (ttl == 0) ttl = core.defaultTtl(mount);
  NotAfter out;
  if (ttl > max) {
    out.warnings.push_back("TTL \"" + goDuration(ttl) + "\" is longer than permitted maxTTL \"" +
                           goDuration(max) + "\", so maxTTL is being used");
    ttl = max;
  }
  auto now = core.now();
  if (!notAfterAlt.empty()) {
    struct tm tmv {};
    const char* end = strptime(notAfterAlt.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tmv);
    if (!end || *end)
      return makeError(
          errc::invalid_argument,
          "parsing time \"" + notAfterAlt + "\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
    out.at = Clock::WallTime(std::chrono::seconds(timegm(&tmv)));
  } else {
    out.at = now + std::chrono::seconds(ttl);
  }
  if (issuer) {
    auto caEnd = Clock::WallTime(std::chrono::seconds(notAfterUnix(issuer)));
    if (out.at > caEnd)
      return makeError(
          errc::invalid_argument,
          "cannot satisfy request, as TTL would result in notAfter of " + rfc3339Nano(out.at) +
              " that is beyond the expiration of the CA certificate at " + rfc3339Nano(caEnd));
  }
  auto notBefore = now - std::chrono::seconds(notBeforeDuration);
  if (out.at < notBefore) return makeError(errc::invalid_argument, "notAfter before notBefore");
  return out;
}

std::string formatCert(X509* cert, const std::string& format) {
  return format == "der" ? base64Encode(certDer(cert)) : certPem(cert);
}

Result<std::string> checkFormat(const Fields& f) {
  auto format = f.str("format", "pem");
  if (!format) return format.error();
  if (*format != "pem" && *format != "der" && *format != "pem_bundle")
    return makeError(errc::invalid_argument,
                     "the \"format\" path parameter must be \"pem\", \"der\", or \"pem_bundle\"");
  return format;
}

}  // namespace

Reply PkiBackend::generateRoot(Request& rq, bool exported) {
  auto& f = rq.fields;
  auto format = checkFormat(f);
  if (!format) return Reply::fail(400, format.error().message);
  auto cn = f.str("common_name");
  if (!cn || cn->empty()) return Reply::fail(400, kCnRequired);
  auto keyType = f.strOr("key_type", "rsa");
  PkiRole tmp;
  tmp.keyType = keyType;
  tmp.keyBits = f.integerOr("key_bits", 0);
  Fields keyFields;
  if (auto kr = writeRole(keyFields, &tmp); !kr)
    return Reply::fail(400, kr.error().message);
  else
    tmp = kr->role;
  if (tmp.keyType == "any") return Reply::fail(400, "unknown key type any");
  auto nbd = f.seconds("not_before_duration", 30);
  if (!nbd) return Reply::fail(400, nbd.error().message);
  auto na = computeNotAfter(core_, rq.mount, f, 0, 0, "", nullptr, *nbd);
  if (!na) return Reply::fail(400, na.error().message);
  auto key = generateKey(tmp.keyType, tmp.keyBits);
  if (!key) return Reply::fail(500, key.error().message);
  CertSpec spec;
  spec.commonName = *cn;
  spec.organization = f.listOr("organization", std::vector<std::string>{});
  spec.ou = f.listOr("ou", std::vector<std::string>{});
  spec.country = f.listOr("country", std::vector<std::string>{});
  if (!f.booleanOr("exclude_cn_from_sans", false) && cn->find('@') == std::string::npos &&
      matchesWildHostname(*cn))
    spec.dnsNames.push_back(*cn);
  for (auto& alt : splitComma(f.strOr("alt_names", ""))) spec.dnsNames.push_back(alt);
  spec.notBefore = static_cast<std::time_t>(unixSeconds(core_.now()) - *nbd);
  spec.notAfter = static_cast<std::time_t>(unixSeconds(na->at));
  spec.isCa = true;
  spec.maxPathLength = static_cast<int>(f.integerOr("max_path_length", -1));
  spec.signatureBits = static_cast<int>(tmp.signatureBits);
  auto cert = buildCertificate(spec, key->get(), nullptr, key->get());
  if (!cert) return Reply::fail(500, cert.error().message);
  storeCert(cert->get());
  std::string keyPem = exported ? privateKeyPem(key->get(), false) : "";
  auto name = f.strOr("issuer_name", "");
  PkiIssuer& is = addIssuer(std::move(*cert), std::move(*key), name, {});
  Reply r;
  r.warnings = na->warnings;
  auto& a = r.alloc();
  sim::addString(r.d(), "certificate", formatCert(is.cert.get(), *format), a);
  sim::addString(r.d(), "issuing_ca", formatCert(is.cert.get(), *format), a);
  sim::addString(r.d(), "serial_number", serialColonHex(is.cert.get()), a);
  r.d().AddMember("expiration", notAfterUnix(is.cert.get()), a);
  sim::addString(r.d(), "issuer_id", is.id, a);
  sim::addString(r.d(), "issuer_name", is.name, a);
  sim::addString(r.d(), "key_id", is.keyId, a);
  sim::addString(r.d(), "key_name", f.strOr("key_name", ""), a);
  if (exported) {
    sim::addString(r.d(), "private_key", keyPem, a);
    sim::addString(r.d(), "private_key_type", tmp.keyType, a);
  }
  return r;
}

Reply PkiBackend::generateIntermediate(Request& rq, bool exported) {
  auto& f = rq.fields;
  auto cn = f.str("common_name");
  if (!cn || cn->empty()) return Reply::fail(400, kCnRequired);
  PkiRole tmp;
  tmp.keyType = f.strOr("key_type", "rsa");
  tmp.keyBits = f.integerOr("key_bits", 0);
  Fields none;
  auto kr = writeRole(none, &tmp);
  if (!kr) return Reply::fail(400, kr.error().message);
  auto key = generateKey(kr->role.keyType, kr->role.keyBits);
  if (!key) return Reply::fail(500, key.error().message);
  auto csr = buildCsr(*cn, key->get());
  if (!csr) return Reply::fail(500, csr.error().message);
  Reply r;
  auto& a = r.alloc();
  sim::addString(r.d(), "csr", *csr, a);
  auto keyId = uuid();
  sim::addString(r.d(), "key_id", keyId, a);
  if (exported) {
    sim::addString(r.d(), "private_key", privateKeyPem(key->get(), false), a);
    sim::addString(r.d(), "private_key_type", kr->role.keyType, a);
  }
  keys_[keyId] = std::move(*key);
  return r;
}

Reply PkiBackend::signIntermediate(Request& rq, const std::string& issuerRef) {
  auto& f = rq.fields;
  auto format = checkFormat(f);
  if (!format) return Reply::fail(400, format.error().message);
  PkiIssuer* is = resolveIssuer(issuerRef.empty() ? "default" : issuerRef);
  if (!is || !is->key) return Reply::fail(400, "no default issuer currently configured");
  auto csr = parseCsr(f.strOr("csr", ""));
  if (!csr) return Reply::fail(400, "certificate request could not be parsed");
  std::string cn = f.strOr("common_name", "");
  if (cn.empty() || f.booleanOr("use_csr_values", false))
    cn = csr->commonName.empty() ? cn : csr->commonName;
  auto na = computeNotAfter(core_, rq.mount, f, 0, 0, "", is->cert.get(), 30);
  if (!na) return Reply::fail(400, na.error().message);
  CertSpec spec;
  spec.commonName = cn;
  spec.organization = f.listOr("organization", std::vector<std::string>{});
  spec.ou = f.listOr("ou", std::vector<std::string>{});
  spec.notBefore = static_cast<std::time_t>(unixSeconds(core_.now()) - 30);
  spec.notAfter = static_cast<std::time_t>(unixSeconds(na->at));
  spec.isCa = true;
  spec.maxPathLength = static_cast<int>(f.integerOr("max_path_length", -1));
  auto cert = buildCertificate(spec, csr->publicKey.get(), is->cert.get(), is->key.get());
  if (!cert) return Reply::fail(500, cert.error().message);
  storeCert(cert->get());
  Reply r;
  r.warnings = na->warnings;
  auto& a = r.alloc();
  std::string certOut = formatCert(cert->get(), *format);
  if (*format == "pem_bundle") certOut += "\n" + is->chain.front();
  sim::addString(r.d(), "certificate", certOut, a);
  sim::addString(r.d(), "issuing_ca", is->chain.front(), a);
  r.d().AddMember("ca_chain", sim::stringArray(is->chain, a), a);
  sim::addString(r.d(), "serial_number", serialColonHex(cert->get()), a);
  r.d().AddMember("expiration", notAfterUnix(cert->get()), a);
  return r;
}

Reply PkiBackend::setSigned(Request& rq) {
  auto chain = parseCertChain(rq.fields.strOr("certificate", ""));
  if (chain.empty()) return Reply::fail(400, "no data found in PEM block");
  Reply r;
  auto& a = r.alloc();
  std::vector<std::string> parents;
  for (std::size_t i = 1; i < chain.size(); ++i) parents.push_back(certPem(chain[i].get()));
  // Complete the chain from issuers already on this mount when the bundle stops early.
  X509* top = chain.back().get();
  for (const auto& other : issuers_)
    if (!isSelfSigned(top) && X509_check_issued(other.cert.get(), top) == X509_V_OK) {
      for (const auto& pem : other.chain) parents.push_back(pem);
      break;
    }
  PKeyPtr key;
  std::string keyId;
  for (auto it = keys_.begin(); it != keys_.end(); ++it)
    if (keyMatches(chain[0].get(), it->second.get())) {
      keyId = it->first;
      key = std::move(it->second);
      keys_.erase(it);
      break;
    }
  PkiIssuer& is = addIssuer(std::move(chain[0]), std::move(key), "", parents);
  if (!keyId.empty()) is.keyId = keyId;
  r.d().AddMember("imported_issuers", sim::stringArray({is.id}, a), a);
  r.d().AddMember("imported_keys", rapidjson::Value(), a);
  rapidjson::Value mapping(rapidjson::kObjectType);
  sim::addString(mapping, is.id, is.keyId, a);
  r.d().AddMember("mapping", mapping, a);
  r.d().AddMember("existing_issuers", rapidjson::Value(), a);
  r.d().AddMember("existing_keys", rapidjson::Value(), a);
  return r;
}

Reply PkiBackend::issue(Request& rq, const std::string& roleName, const std::string& issuerRef) {
  auto it = roles_.find(roleName);
  if (it == roles_.end()) return Reply::fail(400, "unknown role: " + roleName);
  const PkiRole& role = it->second;
  if (role.keyType == "any")
    return Reply::fail(400,
                       "role key type \"any\" not allowed for issuing certificates, only signing");
  auto& f = rq.fields;
  auto format = checkFormat(f);
  if (!format) return Reply::fail(400, format.error().message);
  PkiIssuer* is = resolveIssuer(issuerRef.empty() ? role.issuerRef : issuerRef);
  if (!is || !is->key)
    return Reply::fail(500,
                       "could not fetch the CA certificate (was one set?): no default issuer "
                       "currently configured");
  auto cn = f.str("common_name");
  if (!cn) return Reply::fail(400, cn.error().message);
  if (cn->empty() && role.requireCn) return Reply::fail(400, kCnRequired);
  auto exclude = f.boolean("exclude_cn_from_sans", false);
  if (!exclude) return Reply::fail(400, exclude.error().message);
  auto names = checkRequestNames(role, *cn, f.strOr("alt_names", ""), *exclude);
  if (!names) return Reply::fail(400, names.error().message);
  auto subjSerial = f.strOr("serial_number", "");
  if (!subjSerial.empty()) {
    bool ok = false;
    for (const auto& pat : role.allowedSerialNumbers)
      if (!pat.empty() &&
          ((pat.find('*') != std::string::npos && goGlob(pat, subjSerial)) || pat == subjSerial))
        ok = true;
    if (!ok) return Reply::fail(400, "serial_number " + subjSerial + " not allowed by this role");
  }
  CertSpec spec;
  auto ips = f.list("ip_sans");
  if (!ips) return Reply::fail(400, ips.error().message);
  if (!ips->empty()) {
    if (!role.allowIpSans) {
      std::string list;
      for (const auto& ip : *ips) list += (list.empty() ? "" : " ") + ip;
      return Reply::fail(
          400, "IP Subject Alternative Names are not allowed in this role, but was provided [" +
                   list + "]");
    }
    for (const auto& ip : *ips) {
      unsigned char buf[16];
      if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1)
        return Reply::fail(400, "the value \"" + ip + "\" is not a valid IP address");
    }
    spec.ipSans = *ips;
  }
  auto uris = f.list("uri_sans");
  if (!uris) return Reply::fail(400, uris.error().message);
  if (!uris->empty()) {
    if (role.allowedUriSans.empty())
      return Reply::fail(400,
                         "URI Subject Alternative Names are not allowed in this role, but were "
                         "provided via the API");
    for (const auto& u : *uris) {
      bool ok = false;
      for (const auto& pat : role.allowedUriSans) ok = ok || goGlob(pat, u);
      if (!ok)
        return Reply::fail(400,
                           "URI Subject Alternative Names were provided via the API which are not "
                           "valid for this role");
    }
    spec.uriSans = *uris;
  }
  auto na = computeNotAfter(core_, rq.mount, f, role.ttl, role.maxTtl, role.notAfter,
                            is->cert.get(), role.notBeforeDuration);
  if (!na) return Reply::fail(400, na.error().message);
  auto key = generateKey(role.keyType, role.keyBits);
  if (!key) return Reply::fail(500, key.error().message);
  spec.commonName = *cn;
  spec.subjectSerialNumber = subjSerial;
  spec.country = role.country;
  spec.province = role.province;
  spec.locality = role.locality;
  spec.streetAddress = role.streetAddress;
  spec.postalCode = role.postalCode;
  spec.organization = role.organization;
  spec.ou = role.ou;
  spec.dnsNames = names->dnsNames;
  spec.emails = names->emails;
  spec.notBefore = static_cast<std::time_t>(unixSeconds(core_.now()) - role.notBeforeDuration);
  spec.notAfter = static_cast<std::time_t>(unixSeconds(na->at));
  spec.keyUsage = role.keyUsage;
  if (role.serverFlag) spec.extKeyUsage.push_back("ServerAuth");
  if (role.clientFlag) spec.extKeyUsage.push_back("ClientAuth");
  if (role.codeSigningFlag) spec.extKeyUsage.push_back("CodeSigning");
  if (role.emailProtectionFlag) spec.extKeyUsage.push_back("EmailProtection");
  for (const auto& e : role.extKeyUsage) spec.extKeyUsage.push_back(e);
  spec.extKeyUsageOids = role.extKeyUsageOids;
  spec.basicConstraintsForNonCa = role.basicConstraintsValidForNonCa;
  spec.signatureBits = static_cast<int>(role.signatureBits);
  auto cert = buildCertificate(spec, key->get(), is->cert.get(), is->key.get());
  if (!cert) return Reply::fail(500, cert.error().message);
  if (!role.noStore) storeCert(cert->get());

  std::vector<std::string> chain;
  bool dropRoots = f.booleanOr("remove_roots_from_chain", false);
  for (const auto& pem : is->chain) {
    if (dropRoots) {
      auto c = parseCertPem(pem);
      if (c && isSelfSigned(c->get())) continue;
    }
    chain.push_back(*format == "der" ? base64Encode(certDer(parseCertPem(pem)->get())) : pem);
  }
  auto pkFormat = f.strOr("private_key_format", "der");
  std::string keyOut =
      *format == "der" && pkFormat != "pkcs8" ? "" : privateKeyPem(key->get(), pkFormat == "pkcs8");
  if (*format == "der") {
    unsigned char* der = nullptr;
    int n = i2d_PrivateKey(key->get(), &der);
    keyOut = base64Encode(
        std::string_view(reinterpret_cast<char*>(der), n > 0 ? static_cast<std::size_t>(n) : 0));
    OPENSSL_free(der);
  }
  std::string certOut = formatCert(cert->get(), *format);
  if (*format == "pem_bundle") {
    certOut = keyOut + "\n" + certOut;
    for (const auto& c : chain) certOut += "\n" + c;
  }
  Reply r;
  r.warnings = na->warnings;
  auto& a = r.alloc();
  sim::addString(r.d(), "certificate", certOut, a);
  sim::addString(r.d(), "issuing_ca",
                 chain.empty() ? formatCert(is->cert.get(), *format) : chain.front(), a);
  if (!chain.empty()) r.d().AddMember("ca_chain", sim::stringArray(chain, a), a);
  sim::addString(r.d(), "private_key", keyOut, a);
  sim::addString(r.d(), "private_key_type", role.keyType, a);
  sim::addString(r.d(), "serial_number", serialColonHex(cert->get()), a);
  r.d().AddMember("expiration", notAfterUnix(cert->get()), a);
  if (role.generateLease) {
    r.leaseId = rq.mount->path + "issue/" + roleName + "/" + uuid();
    r.leaseDuration = notAfterUnix(cert->get()) - unixSeconds(core_.now());
  }
  return r;
}

}  // namespace nc::vault_sim
