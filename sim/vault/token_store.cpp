// Token store and token JSON renderings.
#include "vault/token_store.hpp"

#include <cstdio>
#include <ctime>
#include <random>

#include "common/json_util.hpp"

namespace nc::vault_sim {

std::string randomId(std::size_t n) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string s(n, 'x');
  for (auto& c : s) c = alphabet[rng() % 62];
  return s;
}

std::int64_t unixSeconds(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string rfc3339Nano(Clock::WallTime t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  long frac = static_cast<long>(ns % 1'000'000'000);
  struct tm tmv {};
  gmtime_r(&secs, &tmv);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tmv);
  std::string out = buf;
  if (frac) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09ld", frac);
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + "Z";
}

std::int64_t remainingTtl(const Token& t, Clock::WallTime now) {
  if (!t.expireTime) return 0;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(*t.expireTime - now).count();
  return left > 0 ? left : 0;
}

Token& TokenStore::add(Token t) {
  if (t.id.empty()) t.id = (t.type == "batch" ? "hvb." : "hvs.") + randomId(24);
  if (t.accessor.empty()) t.accessor = randomId(24);
  auto id = t.id;
  return tokens_[id] = std::move(t);
}

Token* TokenStore::lookup(const std::string& id, Clock::WallTime now) {
  auto it = tokens_.find(id);
  if (it == tokens_.end()) return nullptr;
  if (it->second.expireTime && *it->second.expireTime <= now) {
    revoke(id);
    return nullptr;
  }
  return &it->second;
}

Token* TokenStore::lookupAccessor(const std::string& accessor, Clock::WallTime now) {
  for (auto& [id, t] : tokens_)
    if (t.accessor == accessor) return lookup(id, now);
  return nullptr;
}

void TokenStore::revoke(std::string id) {
  if (tokens_.erase(id) == 0) return;
  std::vector<std::string> children;
  for (const auto& [cid, t] : tokens_)
    if (t.parent == id && !t.orphan) children.push_back(cid);
  for (const auto& c : children) revoke(c);
}

rapidjson::Value authJson(const Token& t, std::int64_t leaseDuration,
                          rapidjson::Document::AllocatorType& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  sim::addString(o, "client_token", t.id, a);
  sim::addString(o, "accessor", t.accessor, a);
  o.AddMember("policies", sim::stringArray(t.policies, a), a);
  if (!t.policies.empty()) o.AddMember("token_policies", sim::stringArray(t.policies, a), a);
  if (t.meta.empty()) {
    o.AddMember("metadata", rapidjson::Value(), a);
  } else {
    rapidjson::Value m(rapidjson::kObjectType);
    for (const auto& [k, v] : t.meta) sim::addString(m, k, v, a);
    o.AddMember("metadata", m, a);
  }
  o.AddMember("lease_duration", leaseDuration, a);
  o.AddMember("renewable", t.renewable, a);
  sim::addString(o, "entity_id", t.entityId, a);
  sim::addString(o, "token_type", t.type, a);
  o.AddMember("orphan", t.orphan, a);
  o.AddMember("mfa_requirement", rapidjson::Value(), a);
  o.AddMember("num_uses", t.numUses, a);
  return o;
}

rapidjson::Value lookupJson(const Token& t, Clock::WallTime now,
                            rapidjson::Document::AllocatorType& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  sim::addString(o, "accessor", t.accessor, a);
  o.AddMember("creation_time", unixSeconds(t.creationTime), a);
  o.AddMember("creation_ttl", t.creationTtl, a);
  sim::addString(o, "display_name", t.displayName, a);
  sim::addString(o, "entity_id", t.entityId, a);
  if (t.expireTime)
    o.AddMember("expire_time", sim::stringValue(rfc3339Nano(*t.expireTime), a), a);
  else
    o.AddMember("expire_time", rapidjson::Value(), a);
  o.AddMember("explicit_max_ttl", t.explicitMaxTtl, a);
  sim::addString(o, "id", t.id, a);
  sim::addString(o, "issue_time", rfc3339Nano(t.creationTime), a);
  if (t.meta.empty()) {
    o.AddMember("meta", rapidjson::Value(), a);
  } else {
    rapidjson::Value m(rapidjson::kObjectType);
    for (const auto& [k, v] : t.meta) sim::addString(m, k, v, a);
    o.AddMember("meta", m, a);
  }
  o.AddMember("num_uses", t.numUses, a);
  o.AddMember("orphan", t.orphan, a);
  sim::addString(o, "path", t.path, a);
  o.AddMember("policies", sim::stringArray(t.policies, a), a);
  o.AddMember("renewable", t.renewable, a);
  o.AddMember("ttl", remainingTtl(t, now), a);
  sim::addString(o, "type", t.type, a);
  if (t.period > 0) o.AddMember("period", t.period, a);
  if (t.lastRenewal) {
    o.AddMember("last_renewal_time", unixSeconds(*t.lastRenewal), a);
    sim::addString(o, "last_renewal", rfc3339Nano(*t.lastRenewal), a);
  }
  return o;
}

}  // namespace nc::vault_sim
