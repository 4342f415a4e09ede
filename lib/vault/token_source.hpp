// Token sources for the Vault client: a fixed token, a token file re-read when it changes,
// and an in-memory slot the TokenManager fills after AppRole login / renewal.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace nc::vault {

/// Supplies the current token for each request. Implementations never log the token.
/// Used from the single io_context thread (no locking).
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  /// The token to send now; "" means send none (unauthenticated endpoints still work).
  virtual Result<std::string> token() = 0;
};
using TokenSourcePtr = std::shared_ptr<TokenSource>;

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  Result<std::string> token() override { return token_; }

 private:
  std::string token_;
};

/// Holds a token set by code (the TokenManager after login or renewal).
class MemoryTokenSource final : public TokenSource {
 public:
  Result<std::string> token() override;
  void set(std::string token);

 private:
  std::string token_;
};

/// Reads the token from a file (trailing whitespace trimmed) and re-reads it when the file's
/// modification time, size or inode changes (checked at most once per `recheck` interval).
/// Errors: io_error when the file cannot be read, invalid_argument when it is empty.
class FileTokenSource final : public TokenSource {
 public:
  FileTokenSource(std::filesystem::path path, ClockPtr clock,
                  std::chrono::milliseconds recheck = std::chrono::seconds(1));
  Result<std::string> token() override;
  /// How many times the file content was (re)loaded; for tests and metrics.
  int loads() const { return loads_; }

 private:
  std::filesystem::path path_;
  ClockPtr clock_;
  std::chrono::milliseconds recheck_;
  std::string token_;
  bool haveStamp_ = false;
  Clock::MonoTime lastCheck_{};
  std::int64_t mtimeNs_ = 0, size_ = -1;
  std::uint64_t inode_ = 0;
  int loads_ = 0;
};

/// Reads a secret file (role-id, secret-id, token): whole content, trailing whitespace
/// trimmed. Errors name the path, never the content.
Result<std::string> readSecretFile(const std::filesystem::path& path);

}  // namespace nc::vault
