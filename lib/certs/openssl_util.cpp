// OpenSSL helpers for lib/certs: PEM block iteration, time and serial conversion.
#include "certs/openssl_util.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <ctime>

namespace nc::certs::ossl {

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string serialHex(const ASN1_INTEGER* serial) {
  const unsigned char* d = ASN1_STRING_get0_data(serial);
  int n = ASN1_STRING_length(serial);
  std::string out;
  char buf[4];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", d[i]);
    if (i) out += ':';
    out += buf;
  }
  return out;
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

Result<std::vector<X509Ptr>> readPemBlocks(std::string_view pem, std::string_view wanted,
                                           std::size_t maxCount) {
  std::vector<X509Ptr> out;
  if (pem.empty()) return out;
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
      if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE) break;  // clean end of input
      return Error(errc::parse_error,
                   "PEM block #" + std::to_string(block) + " is truncated or corrupt");
    }
    std::string blockName = name;
    bool match = blockName == wanted;
    X509Ptr cert;
    if (match) {
      const unsigned char* p = data;
      cert.reset(d2i_X509(nullptr, &p, len));
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(len));  // may be key material
    if (!match) continue;
    if (!cert)
      return Error(errc::parse_error,
                   "PEM block #" + std::to_string(block) + " is not a valid X.509 certificate");
    if (out.size() == maxCount)
      return Error(errc::too_large, "more than " + std::to_string(maxCount) + " certificates");
    out.push_back(std::move(cert));
  }
  return out;
}

Result<PkeyPtr> readPrivateKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) return Error(errc::parse_error, "no readable private key in PEM data");
  return key;
}

}  // namespace nc::certs::ossl
