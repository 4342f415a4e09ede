// JSON persistence of vault-sim's state.
#include "vault/state_file.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/json_util.hpp"

namespace nc::vault_sim {
namespace {

std::int64_t nanos(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
Clock::WallTime fromNanos(std::int64_t n) {
  return Clock::WallTime(
      std::chrono::duration_cast<Clock::WallTime::duration>(std::chrono::nanoseconds(n)));
}

rapidjson::Value mapJson(const std::map<std::string, std::string>& m,
                         rapidjson::Document::AllocatorType& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  for (const auto& [k, v] : m) sim::addString(o, k, v, a);
  return o;
}
std::map<std::string, std::string> mapFrom(const rapidjson::Value& v) {
  std::map<std::string, std::string> m;
  if (v.IsObject())
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      if (it->value.IsString()) m[it->name.GetString()] = it->value.GetString();
  return m;
}
std::string str(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}
std::int64_t num(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}
bool flag(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

void saveState(Core& core, const std::string& file) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value policies(rapidjson::kObjectType);
  for (const auto& n : core.policyNames()) sim::addString(policies, n, *core.policyText(n), a);
  d.AddMember("policies", policies, a);
  rapidjson::Value mounts(rapidjson::kArrayType);
  for (const auto& [key, m] : core.mounts()) {
    rapidjson::Value o(rapidjson::kObjectType);
    sim::addString(o, "key", key, a);
    sim::addString(o, "type", m->type, a);
    sim::addString(o, "description", m->description, a);
    sim::addString(o, "accessor", m->accessor, a);
    sim::addString(o, "uuid", m->uuid, a);
    sim::addString(o, "token_type", m->tokenType, a);
    o.AddMember("default_lease_ttl", m->defaultLeaseTtl, a);
    o.AddMember("max_lease_ttl", m->maxLeaseTtl, a);
    o.AddMember("options", mapJson(m->options, a), a);
    rapidjson::Value st(rapidjson::kObjectType);
    m->backend->saveState(st, a);
    o.AddMember("state", st, a);
    mounts.PushBack(o, a);
  }
  d.AddMember("mounts", mounts, a);
  rapidjson::Value tokens(rapidjson::kArrayType);
  for (const auto& [id, t] : core.tokens().all()) {
    if (id == core.rootToken()) continue;
    rapidjson::Value o(rapidjson::kObjectType);
    sim::addString(o, "id", t.id, a);
    sim::addString(o, "accessor", t.accessor, a);
    o.AddMember("policies", sim::stringArray(t.policies, a), a);
    o.AddMember("meta", mapJson(t.meta, a), a);
    sim::addString(o, "display_name", t.displayName, a);
    o.AddMember("creation_time", nanos(t.creationTime), a);
    o.AddMember("creation_ttl", t.creationTtl, a);
    o.AddMember("explicit_max_ttl", t.explicitMaxTtl, a);
    o.AddMember("period", t.period, a);
    o.AddMember("max_ttl", t.maxTtl, a);
    o.AddMember("num_uses", t.numUses, a);
    o.AddMember("orphan", t.orphan, a);
    o.AddMember("renewable", t.renewable, a);
    sim::addString(o, "path", t.path, a);
    sim::addString(o, "type", t.type, a);
    o.AddMember("expire_time", t.expireTime ? nanos(*t.expireTime) : 0, a);
    sim::addString(o, "parent", t.parent, a);
    sim::addString(o, "entity_id", t.entityId, a);
    sim::addString(o, "mount_accessor", t.mountAccessor, a);
    sim::addString(o, "alias_name", t.aliasName, a);
    o.AddMember("alias_meta", mapJson(t.aliasMeta, a), a);
    tokens.PushBack(o, a);
  }
  d.AddMember("tokens", tokens, a);
  std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << sim::toJson(d);
  }
  std::rename(tmp.c_str(), file.c_str());
}

void loadState(Core& core, const std::string& file) {
  std::ifstream in(file);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document d;
  if (!sim::parseJson(ss.str(), d) || !d.IsObject()) return;
  if (auto p = d.FindMember("policies"); p != d.MemberEnd() && p->value.IsObject())
    for (auto it = p->value.MemberBegin(); it != p->value.MemberEnd(); ++it)
      (void)core.setPolicy(it->name.GetString(), it->value.GetString());
  if (auto ms = d.FindMember("mounts"); ms != d.MemberEnd() && ms->value.IsArray()) {
    for (const auto& o : ms->value.GetArray()) {
      std::string key = str(o, "key");
      Mount* m = core.mountAt(key);
      if (!m) {
        bool auth = key.rfind("auth/", 0) == 0;
        auto made = core.enableMount(auth ? key.substr(5) : key, str(o, "type"), auth);
        if (!made) continue;
        m = *made;
      }
      m->description = str(o, "description");
      m->accessor = str(o, "accessor");
      m->uuid = str(o, "uuid");
      m->tokenType = str(o, "token_type");
      m->defaultLeaseTtl = num(o, "default_lease_ttl");
      m->maxLeaseTtl = num(o, "max_lease_ttl");
      if (auto op = o.FindMember("options"); op != o.MemberEnd()) m->options = mapFrom(op->value);
      if (auto st = o.FindMember("state"); st != o.MemberEnd()) m->backend->loadState(st->value);
    }
  }
  if (auto ts = d.FindMember("tokens"); ts != d.MemberEnd() && ts->value.IsArray()) {
    for (const auto& o : ts->value.GetArray()) {
      Token t;
      t.id = str(o, "id");
      t.accessor = str(o, "accessor");
      if (auto p = o.FindMember("policies"); p != o.MemberEnd() && p->value.IsArray())
        for (const auto& x : p->value.GetArray()) t.policies.emplace_back(x.GetString());
      if (auto m = o.FindMember("meta"); m != o.MemberEnd()) t.meta = mapFrom(m->value);
      t.displayName = str(o, "display_name");
      t.creationTime = fromNanos(num(o, "creation_time"));
      t.creationTtl = num(o, "creation_ttl");
      t.explicitMaxTtl = num(o, "explicit_max_ttl");
      t.period = num(o, "period");
      t.maxTtl = num(o, "max_ttl");
      t.numUses = num(o, "num_uses");
      t.orphan = flag(o, "orphan");
      t.renewable = flag(o, "renewable");
      t.path = str(o, "path");
      t.type = str(o, "type");
      if (auto e = num(o, "expire_time")) t.expireTime = fromNanos(e);
      t.parent = str(o, "parent");
      t.entityId = str(o, "entity_id");
      t.mountAccessor = str(o, "mount_accessor");
      t.aliasName = str(o, "alias_name");
      if (auto m = o.FindMember("alias_meta"); m != o.MemberEnd()) t.aliasMeta = mapFrom(m->value);
      core.tokens().restore(std::move(t));
    }
  }
}

}  // namespace nc::vault_sim
