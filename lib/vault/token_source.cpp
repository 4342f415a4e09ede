// Token sources: fixed, in-memory, and a token file re-read when it changes on disk.
#include "vault/token_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nc::vault {

Result<std::string> readSecretFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(errc::io_error, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  if (s.empty()) return Error(errc::invalid_argument, path.string() + " is empty");
  return s;
}

Result<std::string> MemoryTokenSource::token() {
  return token_;
}

void MemoryTokenSource::set(std::string token) {
  token_ = std::move(token);
}

FileTokenSource::FileTokenSource(std::filesystem::path path, ClockPtr clock,
                                 std::chrono::milliseconds recheck)
    : path_(std::move(path)), clock_(std::move(clock)), recheck_(recheck) {}

Result<std::string> FileTokenSource::token() {
  const auto now = clock_->monotonic();
  if (haveStamp_ && now - lastCheck_ < recheck_) return token_;
  lastCheck_ = now;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // Keep serving the last good token while the file is briefly absent (atomic rename).
    if (haveStamp_) return token_;
    return Error(errc::io_error, "cannot stat " + path_.string() + ": " + std::strerror(errno));
  }
  const std::int64_t mtime =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (haveStamp_ && mtime == mtimeNs_ && st.st_size == size_ && st.st_ino == inode_) return token_;
  auto content = readSecretFile(path_);
  if (!content) {
    if (haveStamp_) return token_;
    return content.error();
  }
  token_ = std::move(*content);
  mtimeNs_ = mtime;
  size_ = st.st_size;
  inode_ = st.st_ino;
  haveStamp_ = true;
  ++loads_;
  return token_;
}

}  // namespace nc::vault
