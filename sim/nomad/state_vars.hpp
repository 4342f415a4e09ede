// Variables and locks (§7): CRUD with cas, lock acquire/renew/release, lock lapse after 2×TTL
// and removal after a further LockDelay. Replies are HTTP-shaped (Nomad mixes text and JSON).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "state.hpp"

namespace nc::nomadsim {

struct VarLock {
  std::string id;
  std::int64_t ttlNs = 15LL * 1000000000LL;
  std::int64_t delayNs = 15LL * 1000000000LL;
  Clock::MonoTime ttlDeadline;  ///< renewable until then (2×TTL after the last acquire/renew)
  bool lapsed = false;
  Clock::MonoTime removeAt;  ///< ttlDeadline + LockDelay
};

struct Variable {
  std::string nameSpace, path;
  Doc items{rapidjson::kObjectType};
  std::uint64_t createIndex = 0, modifyIndex = 0;
  std::int64_t createTime = 0, modifyTime = 0;
  std::optional<VarLock> lock;
};

struct VarReply {
  int status = 200;
  std::string body;
  bool json = true;
  std::uint64_t index = 0;  ///< X-Nomad-Index when non-zero
};

enum class LockOp { none, acquire, renew, release };

class VarService {
 public:
  explicit VarService(SimState& state) : state_(state) {}

  /// GET /v1/vars: metadata, ascending by path.
  VarReply list(const std::string& ns, const std::string& prefix) const;
  /// GET /v1/var/:path. Lock is included only for management callers.
  VarReply read(const std::string& ns, const std::string& path, bool management) const;
  /// PUT /v1/var/:path[?cas=N | ?lock-*]. queryNs is ?namespace= (the body's wins).
  VarReply write(const std::string& queryNs, const std::string& path, const std::string& body,
                 std::optional<std::uint64_t> cas, LockOp op);
  /// DELETE /v1/var/:path[?cas=N].
  VarReply remove(const std::string& ns, const std::string& path, std::optional<std::uint64_t> cas);
  /// Index for blocking reads of one variable (its ModifyIndex) or of the table.
  std::uint64_t varIndex(const std::string& ns, const std::string& path) const;

  /// Applies lock lapses and removals that are due; call periodically.
  void tick();

 private:
  SimState& state_;
  std::string varJson(const Variable& v, bool items, bool lock) const;
  std::string conflictStub(const std::string& ns, const std::string& path) const;
  void store(Variable& v, std::uint64_t index);
};

}  // namespace nc::nomadsim
