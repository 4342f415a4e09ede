// LineSplitter: '\n' framing, '\r' stripping, the per-line limit and the unterminated last line.
#include "http/line_splitter.hpp"

namespace nc::http {

void LineSplitter::feed(std::string_view bytes) {
  if (finished_ || failed_ || bytes.empty()) return;
  compact();
  buf_.append(bytes);
}

Error LineSplitter::tooLong() {
  failed_ = true;
  buf_.clear();
  start_ = scanned_ = 0;
  return Error(errc::too_large, "line longer than " + std::to_string(maxLine_) + " bytes");
}

void LineSplitter::compact() {
  if (start_ == 0) return;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ >= buf_.size() / 2) {
    buf_.erase(0, start_);
    start_ = 0;
  }
}

Result<std::optional<std::string>> LineSplitter::next() {
  if (failed_) return tooLong();
  const std::size_t nl = buf_.find('\n', start_ + scanned_);
  if (nl != std::string::npos) {
    std::size_t end = nl;
    if (end > start_ && buf_[end - 1] == '\r') --end;
    if (end - start_ > maxLine_) return tooLong();
    std::string line = buf_.substr(start_, end - start_);
    start_ = nl + 1;
    scanned_ = 0;
    return std::optional<std::string>(std::move(line));
  }
  scanned_ = buf_.size() - start_;
  if (finished_) {
    if (start_ == buf_.size()) return std::optional<std::string>();
    std::size_t end = buf_.size();
    if (buf_[end - 1] == '\r') --end;
    if (end - start_ > maxLine_) return tooLong();
    std::string line = buf_.substr(start_, end - start_);
    buf_.clear();
    start_ = scanned_ = 0;
    return std::optional<std::string>(std::move(line));
  }
  // Without '\n' yet: more than maxLine + 1 bytes (room for a '\r') can only be too long.
  if (scanned_ > maxLine_ && scanned_ - maxLine_ > 1) return tooLong();
  compact();
  return std::optional<std::string>();
}

}  // namespace nc::http
