// Fuzz target: every Vault response decoder. The first byte picks the decoder (and the HTTP
// status where one is needed); the rest is the response body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vault/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  namespace c = nc::vault::codec;  // NOLINT
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int statuses[] = {200, 204, 400, 403, 404, 429, 472, 473, 500, 501, 503};
  const int status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
  switch (data[0] % 16) {
    case 0:
      (void)c::decodeHealth(status, body, {});
      break;
    case 1:
      (void)c::decodeSealStatus(body);
      break;
    case 2:
      (void)c::decodeMounts(body);
      break;
    case 3:
      (void)c::decodeMountTune(body);
      break;
    case 4:
      (void)c::decodeKeys(body);
      break;
    case 5:
      (void)c::decodePkiRole(body);
      break;
    case 6:
      (void)c::decodeIssued(body);
      break;
    case 7:
      (void)c::decodeCertificate(body);
      break;
    case 8:
      (void)c::decodeCaChain(body);
      break;
    case 9:
      (void)c::decodePolicy(body);
      break;
    case 10:
      (void)c::decodeJwtConfig(body);
      break;
    case 11:
      (void)c::decodeJwtRole(body);
      break;
    case 12:
      (void)c::decodeTokenInfo(body);
      break;
    case 13:
      (void)c::decodeAuth(body);
      break;
    case 14:
      (void)c::responseError("fuzz", status, body);
      break;
    default:
      (void)c::errorTexts(body);
      break;
  }
  return 0;
}
