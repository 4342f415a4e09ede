// OpenSSL helpers for lib/certs: PEM block iteration, time and serial conversion.
#include "certs/openssl_util.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>

namespace nc::certs::ossl {
namespace {

std::string ipText(const ASN1_OCTET_STRING* ip) {
  char buf[64] = {};
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  int n = ASN1_STRING_length(ip);
  if (n == 4) {
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
    return buf;
  }
  std::string out;
  for (int i = 0; i < n; i += 2) {  // IPv6, uncompressed form
    snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (d[i] << 8) | d[i + 1]);
    out += buf;
  }
  return out;
}

}  // namespace

std::string commonNameOf(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

void readAltNames(X509* cert, CertificateInfo& info) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return;
  readAltNames(names, info);
  GENERAL_NAMES_free(names);
}

void readAltNames(const GENERAL_NAMES* names, CertificateInfo& info) {
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    auto str = [](const ASN1_IA5STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
    };
    switch (gn->type) {
      case GEN_DNS:
        info.dnsNames.push_back(str(gn->d.dNSName));
        break;
      case GEN_IPADD:
        info.ipAddresses.push_back(ipText(gn->d.iPAddress));
        break;
      case GEN_URI:
        info.uris.push_back(str(gn->d.uniformResourceIdentifier));
        break;
      case GEN_EMAIL:
        info.emails.push_back(str(gn->d.rfc822Name));
        break;
      default:
        break;
    }
  }
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string serialBytes(const ASN1_INTEGER* serial) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                     static_cast<std::size_t>(ASN1_STRING_length(serial)));
}

std::string hexWithColons(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.empty() ? 0 : bytes.size() * 3 - 1);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (i) out += ':';
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::string serialHex(const ASN1_INTEGER* serial) {
  return hexWithColons(serialBytes(serial));
}

std::optional<TimePoint> asn1TimeToTimePoint(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string publicKeyFingerprint(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  EVP_Digest(der, static_cast<std::size_t>(len), md, &mdLen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < mdLen; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

Result<void> forEachPemBlock(std::string_view pem, const PemBlockVisitor& onBlock) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ERR_clear_error();
  for (std::size_t block = 1;; ++block) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      unsigned long err = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE) return {};  // clean end of input
      return Error(errc::parse_error,
                   "PEM block #" + std::to_string(block) + " is truncated or corrupt");
    }
    const bool more = onBlock(name, {data, static_cast<std::size_t>(len)}, block);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(len));
    if (!more) return {};
  }
}

Result<std::vector<X509Ptr>> readPemBlocks(std::string_view pem, std::string_view wanted,
                                           std::size_t maxCount) {
  std::vector<X509Ptr> out;
  if (pem.empty()) return out;
  std::optional<Error> refused;
  auto read = forEachPemBlock(pem, [&](std::string_view name, auto der, std::size_t block) {
    if (name != wanted) return true;
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert)
      refused = Error(errc::parse_error,
                      "PEM block #" + std::to_string(block) + " is not a valid X.509 certificate");
    else if (out.size() == maxCount)
      refused = Error(errc::too_large, "more than " + std::to_string(maxCount) + " certificates");
    else
      out.push_back(std::move(cert));
    return !refused;
  });
  if (!read) return read.error();
  if (refused) return *refused;
  return out;
}

Result<std::vector<X509Ptr>> readCertificateBundle(std::string_view pem, ParseLimits limits) {
  if (pem.size() > limits.maxBytes)
    return Error(errc::too_large, "PEM bundle of " + std::to_string(pem.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(limits.maxBytes));
  if (pem.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error(errc::parse_error, "empty PEM data");
  auto certs = readPemBlocks(pem, "CERTIFICATE", limits.maxCertificates);
  if (certs && certs->empty()) return Error(errc::parse_error, "no CERTIFICATE block in PEM data");
  return certs;
}

Result<PkeyPtr> readPrivateKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) return Error(errc::parse_error, "no readable private key in PEM data");
  return key;
}

}  // namespace nc::certs::ossl
