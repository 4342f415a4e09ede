// TrustAnchors::acceptsDirectly: the checks X509_verify_cert makes on a leaf issued by a trust
// anchor (x509_vfy.c: the issuer match, the leaf's extensions, its validity and signature),
// made on a CertificateView with OpenSSL's own decoders and signature verification. Anything
// outside the common shape of a PKI-issued leaf is left to verify().
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <bitset>
#include <memory>
#include <utility>

#include "certs/certificate_view.hpp"
#include "certs/openssl_util.hpp"
#include "certs/trust_anchors.hpp"

namespace nc::certs {
namespace {

/// Decodes an extension with its standard method and frees it when done.
struct DecodedExtension {
  explicit DecodedExtension(X509_EXTENSION* ext)
      : method(X509V3_EXT_get(ext)), value(X509V3_EXT_d2i(ext)) {}
  ~DecodedExtension() {
    if (value && method && method->it)
      ASN1_item_free(static_cast<ASN1_VALUE*>(value), ASN1_ITEM_ptr(method->it));
  }
  DecodedExtension(const DecodedExtension&) = delete;
  DecodedExtension& operator=(const DecodedExtension&) = delete;
  const X509V3_EXT_METHOD* method;
  void* value;
};

/// The leaf's extensions are ones a PKI-issued leaf carries, each present once and
/// well-formed (OpenSSL reads a repeated or malformed one as invalid), critical only where
/// OpenSSL handles it, not a CA's; its authority key identifier matches the issuer.
bool extensionsAllowed(const CertificateView& leaf, X509* issuer) {
  const STACK_OF(X509_EXTENSION)* exts = leaf.extensions();
  enum { bc, ku, eku, san, skid, akid, crldp, aia, policies, kinds };
  static constexpr std::pair<int, int> kKinds[] = {{NID_basic_constraints, bc},
                                                   {NID_key_usage, ku},
                                                   {NID_ext_key_usage, eku},
                                                   {NID_subject_alt_name, san},
                                                   {NID_subject_key_identifier, skid},
                                                   {NID_authority_key_identifier, akid},
                                                   {NID_crl_distribution_points, crldp},
                                                   {NID_info_access, aia},
                                                   {NID_certificate_policies, policies}};
  std::bitset<kinds> seen;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    int kind = kinds;
    for (auto [known, k] : kKinds)
      if (nid == known) kind = k;
    if (kind == kinds) return false;  // any other extension: verify()
    if (seen[kind]) return false;
    seen[kind] = true;
    if (X509_EXTENSION_get_critical(ext) && kind != bc && kind != ku && kind != eku && kind != san)
      return false;
    DecodedExtension decoded(ext);
    if (!decoded.value) return false;
    if (kind == bc) {
      auto* constraints = static_cast<BASIC_CONSTRAINTS*>(decoded.value);
      if (constraints->ca || constraints->pathlen) return false;
    }
    if (kind == akid &&
        X509_check_akid(issuer, static_cast<AUTHORITY_KEYID*>(decoded.value)) != X509_V_OK)
      return false;
  }
  return true;
}

/// The signature over the signed part with the issuer's key, as X509_verify checks it.
bool signatureHolds(const CertificateView& leaf, EVP_PKEY* key) {
  if (X509_ALGOR_cmp(leaf.signatureAlgorithm(), leaf.innerSignatureAlgorithm()) != 0) return false;
  const ASN1_BIT_STRING* sig = leaf.signature();
  if (ASN1_STRING_length(sig) <= 0 || (sig->flags & 0x7)) return false;
  int mdNid = NID_undef, keyNid = NID_undef;
  const ASN1_OBJECT* algorithm = nullptr;
  X509_ALGOR_get0(&algorithm, nullptr, nullptr, leaf.signatureAlgorithm());
  if (!OBJ_find_sigid_algs(OBJ_obj2nid(algorithm), &mdNid, &keyNid)) return false;
  const bool edwards = keyNid == NID_ED25519 || keyNid == NID_ED448;
  if (keyNid != NID_X9_62_id_ecPublicKey && keyNid != NID_rsaEncryption && !edwards)
    return false;  // RSA-PSS and the rest: verify()
  if (edwards != (mdNid == NID_undef) || !EVP_PKEY_is_a(key, OBJ_nid2sn(keyNid))) return false;
  const EVP_MD* md = edwards ? nullptr : EVP_get_digestbynid(mdNid);
  if (!edwards && !md) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  auto tbs = leaf.signedBytes();
  return EVP_DigestVerify(ctx.get(), ASN1_STRING_get0_data(sig),
                          static_cast<std::size_t>(ASN1_STRING_length(sig)), tbs.data(),
                          tbs.size()) == 1;
}

}  // namespace

std::size_t TrustAnchors::issuerOf(const CertificateView& leaf) const {
  const std::size_t none = anchors_.size();
  std::size_t found = none, named = 0;
  for (std::size_t i = 0; i < anchors_.size(); ++i)
    if (X509_NAME_cmp(X509_get_subject_name(anchors_[i]), leaf.issuer()) == 0) {
      found = i;
      ++named;
    }
  if (named < 2) return found;
  // Issuers of one name (a CA rotated under the same subject): OpenSSL takes the first one
  // whose key identifier matches; unambiguous only when exactly one does.
  std::unique_ptr<AUTHORITY_KEYID, decltype(&AUTHORITY_KEYID_free)> akid(
      static_cast<AUTHORITY_KEYID*>(
          X509V3_get_d2i(leaf.extensions(), NID_authority_key_identifier, nullptr, nullptr)),
      AUTHORITY_KEYID_free);
  if (!akid || !akid->keyid) return none;
  found = none;
  for (std::size_t i = 0; i < anchors_.size(); ++i) {
    if (X509_NAME_cmp(X509_get_subject_name(anchors_[i]), leaf.issuer()) != 0 ||
        X509_check_akid(anchors_[i], akid.get()) != X509_V_OK)
      continue;
    if (found != none) return none;
    found = i;
  }
  return found;
}

bool TrustAnchors::acceptsDirectly(const CertificateView& leaf, TimePoint at) const {
  if (!store_ || !directChecks_ || at < validFrom_ || at >= validUntil_) return false;
  if (leaf.version() != 2) return false;  // v3 only; older ones: verify()
  switch (leaf.publicKeyAlgorithm()) {
    case NID_X9_62_id_ecPublicKey:
    case NID_rsaEncryption:
    case NID_ED25519:
    case NID_ED448:
      break;
    default:
      return false;
  }
  // verify() checks at whole seconds: valid from notBefore, expired at notAfter.
  const TimePoint second =
      std::chrono::system_clock::from_time_t(std::chrono::system_clock::to_time_t(at));
  auto notBefore = ossl::asn1TimeToTimePoint(leaf.notBefore());
  auto notAfter = ossl::asn1TimeToTimePoint(leaf.notAfter());
  if (!notBefore || !notAfter || second < *notBefore || second >= *notAfter) return false;
  if (X509_NAME_cmp(leaf.subject(), leaf.issuer()) == 0) return false;  // self-issued

  const std::size_t found = issuerOf(leaf);
  if (found == anchors_.size() || !acceptedIssuer_[found].load(std::memory_order_relaxed))
    return false;
  X509* issuer = anchors_[found];
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool accepted = key && extensionsAllowed(leaf, issuer) && signatureHolds(leaf, key);
  if (!accepted) ERR_clear_error();  // a failed decode or verification is not an error here
  return accepted;
}

}  // namespace nc::certs
