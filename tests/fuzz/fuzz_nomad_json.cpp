// Fuzz target: every Nomad response decoder (not the event line decoder, which lives with the
// event stream client). The first byte
// picks the decoder (and the HTTP status where one is needed); the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "nomad/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  namespace c = nc::nomad::codec;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int statuses[] = {200, 400, 403, 404, 429, 500, 503};
  const int status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
  switch (data[0] % 18) {
    case 0:
      (void)c::decodeJobStubs(body);
      break;
    case 1:
      (void)c::decodeJob(body);
      break;
    case 2:
      (void)c::decodeJobVersions(body);
      break;
    case 3:
      (void)c::jobIdentity(body);
      break;
    case 4:
      (void)c::decodeRegister(body);
      break;
    case 5:
      (void)c::decodePlan(body);
      break;
    case 6:
      (void)c::decodeDeregister(body);
      break;
    case 7:
      (void)c::decodeAllocStubs(body);
      break;
    case 8:
      (void)c::decodeAllocation(body);
      break;
    case 9:
      (void)c::decodeFileInfo(body);
      break;
    case 10:
      (void)c::decodeFileList(body);
      break;
    case 11:
      (void)c::fsErrorInBody(body);
      break;
    case 12:
      (void)c::decodeVariable(body);
      break;
    case 13:
      (void)c::decodeAgentHealth(status, body);
      break;
    case 14:
      (void)c::decodeLeader(body);
      break;
    case 15:
      (void)c::responseError("fuzz", status, body);
      break;
    case 16:
      (void)c::parseQueryMeta(
          {{"X-Nomad-Index", std::string(body)}, {"X-Nomad-LastContact", std::string(body)}});
      break;
    default:
      (void)c::fsErrorInBody(body);
      break;
  }
  return 0;
}
