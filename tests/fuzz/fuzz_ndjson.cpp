// Fuzz target: the NDJSON stream reader (LineSplitter) fed in arbitrary chunks, each line decoded
// as a Nomad event stream line. Input: byte 0 = chunk-size count (low 3 bits) and line limit
// (bits 3-4); then that many chunk sizes (byte + 1, used in turn); the rest is the stream.
// The lines (and the too_large failure) must not depend on the chunking: they are checked
// against the stream split in one go by a plain reference splitter.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/line_splitter.hpp"
#include "nomad/codec.hpp"

namespace {

struct Split {
  std::vector<std::string> lines;
  bool tooLong = false;
};

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_ndjson: %s\n", what);
  std::abort();
}

/// The framing rules written plainly: '\n' ends a line, one '\r' before it is dropped, the
/// unterminated rest is a last line, the first line over the limit stops everything.
Split reference(std::string_view s, std::size_t maxLine) {
  Split out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto nl = s.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? s.size() : nl;
    std::string_view line = s.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > maxLine) {
      out.tooLong = true;
      return out;
    }
    out.lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

/// Drains complete lines; false once the splitter failed.
bool drain(nc::http::LineSplitter& sp, Split& out) {
  for (;;) {
    auto line = sp.next();
    if (!line) {
      check(line.error().is(nc::errc::too_large), "splitter error is not too_large");
      check(sp.failed(), "error without failed()");
      out.tooLong = true;
      return false;
    }
    if (!*line) {
      // Waiting for more: at most maxLine + 1 bytes without a '\n' are held back.
      check(sp.finished() || sp.buffered() <= sp.maxLine() + 1, "buffer above the line limit");
      return true;
    }
    check((*line)->find('\n') == std::string::npos, "line holds a newline");
    check((*line)->size() <= sp.maxLine(), "line above the limit");
    out.lines.push_back(std::move(**line));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t limits[] = {16, 256, 4096, 1 << 20};
  const std::size_t maxLine = limits[(data[0] >> 3) & 3];
  const std::size_t nSizes = std::min<std::size_t>(data[0] & 7, size - 1);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < nSizes; ++i) sizes.push_back(std::size_t{data[1 + i]} + 1);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + nSizes,
                                size - 1 - nSizes);

  nc::http::LineSplitter sp(maxLine);
  Split got;
  bool ok = true;
  std::size_t pos = 0;
  for (std::size_t i = 0; ok && pos < stream.size(); ++i) {
    const std::size_t n = sizes.empty() ? stream.size() : sizes[i % sizes.size()];
    sp.feed(stream.substr(pos, n));
    pos += std::min(n, stream.size() - pos);
    ok = drain(sp, got);
  }
  if (ok) {
    sp.finish();
    ok = drain(sp, got);
    if (ok) {
      auto end = sp.next();
      check(end && !*end, "a finished splitter keeps returning lines");
    }
  }

  const Split want = reference(stream, maxLine);
  check(got.tooLong == want.tooLong, "too_large differs from the reference");
  check(got.lines == want.lines, "lines differ from the reference");

  for (const auto& line : got.lines)
    if (!line.empty()) (void)nc::nomad::codec::decodeEventLine(line);
  return 0;
}
