// Rendering of simulated backend replies into Vault's HTTP responses.
#include "vault/reply.hpp"

#include <cstdio>
#include <random>

#include "common/json_util.hpp"

namespace nc::vault_sim {

Reply Reply::fail(int status, std::string message) {
  Reply r;
  r.status = status;
  r.error = true;
  r.errors.push_back(std::move(message));
  return r;
}

Reply Reply::failEmpty(int status) {
  Reply r;
  r.status = status;
  r.error = true;
  return r;
}

Reply Reply::rawResponse(http::ServerResponse resp) {
  Reply r;
  r.raw = std::move(resp);
  return r;
}

Reply Reply::list(const std::vector<std::string>& keys) {
  Reply r;
  r.d().AddMember("keys", sim::stringArray(keys, r.alloc()), r.alloc());
  return r;
}

rapidjson::Value& Reply::d() {
  if (!data.IsObject()) data.SetObject();
  return data;
}

std::string uuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

http::ServerResponse render(Reply& reply, const RenderContext& ctx) {
  http::ServerResponse out;
  if (reply.raw) {
    out = std::move(*reply.raw);
  } else if (reply.error) {
    out = sim::errorsResponse(reply.status, reply.errors);
  } else {
    bool hasData = reply.data.IsObject();
    if (ctx.listOp && reply.warnings.empty()) {
      bool empty = !hasData;
      if (hasData) {
        auto it = reply.data.FindMember("keys");
        bool noKeys = it == reply.data.MemberEnd() || !it->value.IsArray() || it->value.Empty();
        empty = noKeys && reply.data.MemberCount() <= 1;
      }
      if (empty) {
        out = sim::errorsResponse(404, {});
        out.headers.push_back({"Cache-Control", "no-store"});
        return out;
      }
    }
    if (!hasData && reply.auth.IsNull() && reply.warnings.empty() && reply.status == 200) {
      out = sim::emptyResponse(204);
    } else {
      rapidjson::Document env(rapidjson::kObjectType);
      auto& a = env.GetAllocator();
      if (ctx.sysPath && hasData)
        for (auto it = reply.data.MemberBegin(); it != reply.data.MemberEnd(); ++it)
          env.AddMember(rapidjson::Value(it->name, a), rapidjson::Value(it->value, a), a);
      sim::addString(env, "request_id", uuid(), a);
      sim::addString(env, "lease_id", reply.leaseId, a);
      env.AddMember("renewable", reply.renewable, a);
      env.AddMember("lease_duration", reply.leaseDuration, a);
      env.AddMember("data", hasData ? rapidjson::Value(reply.data, a) : rapidjson::Value(), a);
      env.AddMember("wrap_info", rapidjson::Value(), a);
      env.AddMember(
          "warnings",
          reply.warnings.empty() ? rapidjson::Value() : sim::stringArray(reply.warnings, a), a);
      env.AddMember("auth",
                    reply.auth.IsNull() ? rapidjson::Value() : rapidjson::Value(reply.auth, a), a);
      sim::addString(env, "mount_type", ctx.mountType, a);
      out = sim::jsonResponse(reply.status, env);
    }
  }
  out.headers.push_back({"Cache-Control", "no-store"});
  return out;
}

}  // namespace nc::vault_sim
