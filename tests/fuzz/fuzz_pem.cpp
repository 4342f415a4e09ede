// Fuzz target: PEM bundle parsing and X.509 inspection, chain verification and key matching
// with the input as leaf, chain, anchors and key.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

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
  (void)nc::certs::verifyChain(leaf, rest, rest, std::chrono::system_clock::now());
  (void)nc::certs::privateKeyMatches(leaf, rest);
  return 0;
}
