// Variables and locks (§7): CRUD with cas, lock acquire/renew/release, lapse and LockDelay.
#include "state_vars.hpp"

#include <fmt/format.h>

#include <regex>

#include "go_duration.hpp"

namespace nc::nomadsim {

namespace {

VarReply text(int status, std::string body) {
  return {status, std::move(body), false, 0};
}

std::int64_t nowNs(const Clock& c) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(c.now().time_since_epoch()).count();
}

// TTL/LockDelay arrive as a Go duration string or integer nanoseconds.
std::optional<std::int64_t> durationField(const Val& lock, const char* name, std::int64_t dflt) {
  const Val* v = member(lock, name);
  if (v == nullptr || v->IsNull()) return dflt;
  if (v->IsInt64()) return v->GetInt64() == 0 ? dflt : v->GetInt64();
  if (v->IsString()) {
    if (v->GetStringLength() == 0) return dflt;
    auto d = parseGoDuration(v->GetString());
    if (d && *d == 0) return dflt;
    return d;
  }
  return std::nullopt;
}

}  // namespace

std::string VarService::varJson(const Variable& v, bool items, bool lock) const {
  auto q = [](const std::string& s) {
    return toJson(Val(rapidjson::StringRef(s.c_str(), s.size())));
  };
  std::string out = "{\"Namespace\":" + q(v.nameSpace) + ",\"Path\":" + q(v.path);
  if (lock && v.lock) {
    out += ",\"Lock\":{\"ID\":" + q(v.lock->id) + ",\"TTL\":" + q(formatGoDuration(v.lock->ttlNs)) +
           ",\"LockDelay\":" + q(formatGoDuration(v.lock->delayNs)) + "}";
  }
  out += fmt::format(",\"CreateIndex\":{},\"CreateTime\":{},\"ModifyIndex\":{},\"ModifyTime\":{}",
                     v.createIndex, v.createTime, v.modifyIndex, v.modifyTime);
  if (items) out += ",\"Items\":" + toJson(v.items);
  return out + "}";
}

std::string VarService::conflictStub(const std::string& ns, const std::string& path) const {
  Variable v;
  v.nameSpace = ns;
  v.path = path;
  return varJson(v, false, false);
}

VarReply VarService::list(const std::string& ns, const std::string& prefix) const {
  std::string out = "[";
  for (const auto& [key, v] : state_.vars()) {
    if (ns != "*" && key.first != ns) continue;
    if (key.second.compare(0, prefix.size(), prefix) != 0) continue;
    if (out.size() > 1) out += ",";
    out += varJson(*v, false, false);
  }
  return {200, out + "]", true, state_.tableIndex("variables")};
}

std::uint64_t VarService::varIndex(const std::string& ns, const std::string& path) const {
  auto it = state_.vars().find({ns, path});
  return it == state_.vars().end() ? state_.tableIndex("variables") : it->second->modifyIndex;
}

VarReply VarService::read(const std::string& ns, const std::string& path, bool management) const {
  auto it = state_.vars().find({ns, path});
  if (it == state_.vars().end()) return text(404, "variable not found");
  return {200, varJson(*it->second, true, management), true, it->second->modifyIndex};
}

void VarService::store(Variable& v, std::uint64_t index) {
  std::int64_t now = nowNs(state_.clock());
  if (v.createIndex == 0) {
    v.createIndex = index;
    v.createTime = now;
  }
  v.modifyIndex = index;
  v.modifyTime = now;
  state_.setTableIndex("variables", index);
  state_.publish(index, {{"Variable",
                          "VariableUpdated",
                          v.path,
                          v.nameSpace,
                          {},
                          index,
                          "{\"Variable\":" + varJson(v, false, false) + "}"}});
}

VarReply VarService::write(const std::string& queryNs, const std::string& path,
                           const std::string& body, std::optional<std::uint64_t> cas, LockOp op) {
  static const std::regex kPath("^[a-zA-Z0-9-_~/]{1,128}$");
  auto parsed = parseJson(body);
  if (!parsed.has_value() || !parsed.value().IsObject()) {
    return text(400,
                parsed.has_value() ? "Request body must be a JSON object" : parsed.error().message);
  }
  const Doc& req = parsed.value();
  std::string ns = getString(req, "Namespace");
  if (ns.empty()) ns = queryNs.empty() ? "default" : queryNs;
  if (!std::regex_match(path, kPath)) return text(400, fmt::format("invalid path \"{}\"", path));
  if (cas && op != LockOp::none) return text(400, "CAS can't be used with lock operations");
  const Val* items = member(req, "Items");
  const Val* lockReq = member(req, "Lock");
  bool hasItems = items != nullptr && items->IsObject() && items->MemberCount() > 0;
  std::string lockId = lockReq && lockReq->IsObject() ? getString(*lockReq, "ID") : "";
  auto it = state_.vars().find({ns, path});
  Variable* existing = it == state_.vars().end() ? nullptr : it->second.get();
  const auto now = state_.clock().monotonic();

  if (op == LockOp::renew || op == LockOp::release) {
    if (op == LockOp::release && hasItems) {
      return text(400, "RPC Error:: 400,lock release operation doesn't take variable items");
    }
    if (lockId.empty()) return text(400, "RPC Error:: 400,missing lock information");
    int missing = op == LockOp::renew ? 404 : 500;
    if (existing == nullptr) return text(missing, "variable doesn't exist");
    if (!existing->lock)
      return text(op == LockOp::renew ? 409 : 500, "variable doesn't hold a lock");
    if (op == LockOp::renew) {
      if (existing->lock->id != lockId || existing->lock->lapsed ||
          now >= existing->lock->ttlDeadline) {
        return text(409, "attempting to modify locked variable");
      }
      existing->lock->ttlDeadline = now + std::chrono::nanoseconds(2 * existing->lock->ttlNs);
      return {200, varJson(*existing, false, true), true, existing->modifyIndex};
    }
    if (existing->lock->id != lockId) return {409, conflictStub(ns, path), true, 0};
    existing->lock.reset();
    std::uint64_t index = state_.nextIndex();
    store(*existing, index);
    state_.changed();
    return {200, varJson(*existing, false, false), true, index};
  }

  if (op == LockOp::acquire) {
    VarLock lock;
    Val noLock(rapidjson::kObjectType);
    const Val& lr = lockReq && lockReq->IsObject() ? *lockReq : noLock;
    auto ttl = durationField(lr, "TTL", lock.ttlNs);
    auto delay = durationField(lr, "LockDelay", lock.delayNs);
    if (!ttl || !delay) return text(400, "RPC Error:: 400,invalid lock duration");
    if (*ttl < 10LL * 1000000000LL || *ttl > 24LL * 3600 * 1000000000LL) {
      return text(
          400,
          "RPC Error:: 400,1 error occurred:\n\t* TTL must be between 10 seconds and 24 hours\n\n");
    }
    if (*delay < 0)
      return text(400, "RPC Error:: 400,1 error occurred:\n\t* LockDelay must be positive\n\n");
    if (existing && existing->lock && existing->lock->id != lockId) {
      return {409, conflictStub(ns, path), true, 0};
    }
    lock.id = lockId.empty() ? SimState::uuid() : lockId;
    lock.ttlNs = *ttl;
    lock.delayNs = *delay;
    lock.ttlDeadline = now + std::chrono::nanoseconds(2 * lock.ttlNs);
    if (existing == nullptr) {
      auto v = std::make_unique<Variable>();
      v->nameSpace = ns;
      v->path = path;
      existing = v.get();
      state_.vars()[{ns, path}] = std::move(v);
    }
    existing->items.SetObject();
    if (items && items->IsObject())
      existing->items.CopyFrom(*items, existing->items.GetAllocator());
    existing->lock = lock;
    std::uint64_t index = state_.nextIndex();
    store(*existing, index);
    state_.changed();
    return {200, varJson(*existing, true, true), true, index};
  }

  // Plain write.
  if (lockReq && lockReq->IsObject() &&
      (!isNull(*lockReq, "TTL") || !isNull(*lockReq, "LockDelay")) &&
      (getString(*lockReq, "TTL") != "" || getInt(*lockReq, "TTL") != 0 ||
       getString(*lockReq, "LockDelay") != "" || getInt(*lockReq, "LockDelay") != 0)) {
    return text(400, "RPC Error:: 400,RPC Error:: 400,variable should not contain lock definition");
  }
  if (!hasItems) return text(400, "variable missing required Items object");
  if (existing && existing->lock && existing->lock->id != lockId) {
    return {409, conflictStub(ns, path), true, 0};
  }
  if (cas) {
    std::uint64_t current = existing ? existing->modifyIndex : 0;
    if (*cas != current) {
      if (existing == nullptr) return {409, conflictStub(ns, path), true, 0};
      return {409, varJson(*existing, true, false), true, 0};
    }
  }
  if (existing == nullptr) {
    auto v = std::make_unique<Variable>();
    v->nameSpace = ns;
    v->path = path;
    existing = v.get();
    state_.vars()[{ns, path}] = std::move(v);
  }
  existing->items.CopyFrom(*items, existing->items.GetAllocator());
  if (existing->lock) {  // the holder's update stores the default TTL/LockDelay (as Nomad does)
    existing->lock->ttlNs = 15LL * 1000000000LL;
    existing->lock->delayNs = 15LL * 1000000000LL;
  }
  std::uint64_t index = state_.nextIndex();
  store(*existing, index);
  state_.changed();
  return {200, varJson(*existing, true, existing->lock.has_value()), true, index};
}

VarReply VarService::remove(const std::string& ns, const std::string& path,
                            std::optional<std::uint64_t> cas) {
  auto it = state_.vars().find({ns, path});
  Variable* existing = it == state_.vars().end() ? nullptr : it->second.get();
  if (cas) {
    std::uint64_t current = existing ? existing->modifyIndex : 0;
    if (*cas != current) {
      if (existing == nullptr) return {409, conflictStub(ns, path), true, 0};
      return {409, varJson(*existing, true, false), true, 0};
    }
  }
  if (existing && existing->lock) return {409, conflictStub(ns, path), true, 0};
  std::uint64_t index = state_.nextIndex();
  if (existing) {
    state_.publish(index, {{"Variable",
                            "VariableDeleted",
                            path,
                            ns,
                            {},
                            index,
                            "{\"Variable\":" + varJson(*existing, false, false) + "}"}});
    state_.vars().erase(it);
  }
  state_.setTableIndex("variables", index);
  state_.changed();
  return {204, "", false, index};
}

void VarService::tick() {
  const auto now = state_.clock().monotonic();
  bool any = false;
  for (auto& [key, v] : state_.vars()) {
    if (!v->lock) continue;
    if (!v->lock->lapsed && now >= v->lock->ttlDeadline) {
      v->lock->lapsed = true;
      v->lock->removeAt = v->lock->ttlDeadline + std::chrono::nanoseconds(v->lock->delayNs);
    }
    if (v->lock->lapsed && now >= v->lock->removeAt) {
      v->lock.reset();
      store(*v, state_.nextIndex());
      any = true;
    }
  }
  if (any) state_.changed();
}

}  // namespace nc::nomadsim
