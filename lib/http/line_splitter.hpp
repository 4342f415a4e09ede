// NDJSON line framing without I/O: bytes in (any chunking), lines out, with a per-line limit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace nc::http {

/// Splits a byte stream into lines. A line ends at '\n'; one '\r' before it is dropped. At the
/// end of the stream (finish()) the bytes after the last '\n', if any, are a last line (one
/// trailing '\r' dropped as well). A line longer than maxLine bytes (without its terminator) is
/// an error, whatever the chunking: the splitter then stays failed. Buffered bytes stay below
/// maxLine + 2 plus the last chunk fed, as long as next() is called until it asks for more.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t maxLine) : maxLine_(maxLine) {}

  /// Appends bytes read from the stream (ignored after finish() or a failure).
  void feed(std::string_view bytes);
  /// The stream ended: the unterminated rest becomes the last line.
  void finish() { finished_ = true; }

  /// The next complete line; std::nullopt when more bytes are needed, or (after finish()) at
  /// the end. Error too_large: "line longer than N bytes" (the caller adds what it reads).
  Result<std::optional<std::string>> next();

  bool finished() const { return finished_; }
  bool failed() const { return failed_; }
  /// Bytes held that are not yet returned as lines.
  std::size_t buffered() const { return buf_.size() - start_; }
  std::size_t maxLine() const { return maxLine_; }

 private:
  Error tooLong();
  /// Drops the consumed prefix once it is at least half the buffer (amortized O(1) per byte).
  void compact();

  std::size_t maxLine_;
  std::string buf_;
  std::size_t start_ = 0;    ///< first byte not yet returned
  std::size_t scanned_ = 0;  ///< bytes from start_ known to hold no '\n'
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace nc::http
