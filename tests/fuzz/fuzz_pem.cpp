// Fuzz target: PEM bundle parsing and X.509 inspection, chain verification and key matching
// with the input as leaf, chain, anchors and key; the scanner's facts extraction both ways
// (OpenSSL's X509, then the direct way once the anchors accepted a leaf).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "certs/certificate_facts.hpp"
#include "certs/certificate_view.hpp"
#include "certs/x509.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view pem(reinterpret_cast<const char*>(data), size);
  auto parsed = nc::certs::parsePemBundle(pem);
  if (parsed) {
    for (const auto& c : *parsed) {
      (void)c.coversName("web.service.consul");
      (void)c.lifetime();
    }
  }
  // Split the input in two at the first END line: leaf, then the rest as chain and anchors.
  auto cut = pem.find("-----END");
  cut = cut == std::string_view::npos ? pem.size() / 2 : std::min(pem.size(), cut + 30);
  const auto leaf = pem.substr(0, cut), rest = pem.substr(cut);
  const auto now = std::chrono::system_clock::now();
  (void)nc::certs::verifyChain(leaf, rest, rest, now);
  // The scanner's path: one parse into facts, checked against the rest as anchors. It reads
  // less than parsePemBundle (the leaf's key only), so it may accept more, never less.
  const auto anchors = nc::certs::TrustAnchors::fromPem(rest);
  auto facts = nc::certs::extractFactsFromX509(pem, anchors, now);
  if (!facts.parseError.empty() && parsed) __builtin_trap();
  // Direct facts, when given, must be the X509 way's (the anchors now know this leaf's issuer).
  if (auto direct = nc::certs::extractFactsDirectly(pem, anchors, now))
    if (direct->serialBytes != facts.serialBytes || direct->commonName != facts.commonName ||
        direct->otherDnsNames != facts.otherDnsNames || direct->notAfter != facts.notAfter ||
        direct->chain.error != facts.chain.error)
      __builtin_trap();
  (void)nc::certs::readCertificateViews(pem, 16);
  (void)nc::certs::privateKeyMatches(leaf, rest);
  return 0;
}
