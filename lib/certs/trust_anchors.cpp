// TrustAnchors: the CA chain parsed once, and leaf verification against it.
#include "certs/trust_anchors.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "certs/openssl_util.hpp"

namespace nc::certs {

std::shared_ptr<const TrustAnchors> TrustAnchors::fromPem(std::string_view pem) {
  std::shared_ptr<TrustAnchors> out(new TrustAnchors());
  out->source_ = std::string(pem);
  auto anchors = ossl::readPemBlocks(pem, "CERTIFICATE", 16);
  if (!anchors) {
    out->loadError_ = anchors.error().message;
    return out;
  }
  if (anchors->empty()) {
    out->loadError_ = "no trust anchor certificate";
    return out;
  }
  out->store_ = X509_STORE_new();
  out->validFrom_ = TimePoint::min();
  out->validUntil_ = TimePoint::max();
  out->directChecks_ = true;
  out->acceptedIssuer_ = std::make_unique<std::atomic<bool>[]>(anchors->size());
  for (auto& a : *anchors) {
    X509_STORE_add_cert(out->store_, a.get());  // takes its own reference
    for (int nid : {NID_name_constraints, NID_policy_constraints, NID_policy_mappings,
                    NID_inhibit_any_policy})
      if (X509_get_ext_by_NID(a.get(), nid, -1) >= 0) out->directChecks_ = false;
    out->anchors_.push_back(a.release());
    X509* kept = out->anchors_.back();
    auto nb = ossl::asn1TimeToTimePoint(X509_get0_notBefore(kept));
    auto na = ossl::asn1TimeToTimePoint(X509_get0_notAfter(kept));
    if (nb) out->validFrom_ = std::max(out->validFrom_, *nb);
    if (na) out->validUntil_ = std::min(out->validUntil_, *na);
  }
  return out;
}

TrustAnchors::~TrustAnchors() {
  if (store_) X509_STORE_free(store_);
  for (X509* a : anchors_) X509_free(a);
}

void TrustAnchors::noteAcceptedChain(X509_STORE_CTX* ctx) const {
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  if (!chain || sk_X509_num(chain) < 2) return;
  X509* issuer = sk_X509_value(chain, 1);
  for (std::size_t i = 0; i < anchors_.size(); ++i)
    if (X509_cmp(anchors_[i], issuer) == 0)
      acceptedIssuer_[i].store(true, std::memory_order_relaxed);
}

Result<void> TrustAnchors::verify(X509* leaf, const std::vector<X509*>& intermediates,
                                  TimePoint at) const {
  if (!store_) return Error(errc::invalid_argument, loadError_);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  for (X509* c : intermediates) sk_X509_push(untrusted.get(), c);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!X509_STORE_CTX_init(ctx.get(), store_, leaf, untrusted.get()))
    return Error(errc::io_error, "cannot initialise certificate verification");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_USE_CHECK_TIME);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_ANY);
  if (X509_verify_cert(ctx.get()) == 1) {
    noteAcceptedChain(ctx.get());
    return {};
  }
  int err = X509_STORE_CTX_get_error(ctx.get());
  return Error(errc::invalid_argument,
               std::string("chain verification failed: ") + X509_verify_cert_error_string(err));
}

}  // namespace nc::certs
