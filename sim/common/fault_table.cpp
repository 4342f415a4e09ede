// Fault injection table and request counters.
#include "common/fault_table.hpp"

#include <rapidjson/document.h>

#include "common/json_util.hpp"

namespace nc::sim {

void FaultTable::add(FaultRule rule) {
  for (auto& r : rules_) {
    if (r.prefix == rule.prefix && r.method == rule.method) {
      r = std::move(rule);
      return;
    }
  }
  rules_.push_back(std::move(rule));
}

std::size_t FaultTable::remove(std::string_view prefix) {
  return std::erase_if(rules_, [&](const FaultRule& r) { return r.prefix == prefix; });
}

FaultDecision FaultTable::decide(std::string_view method, std::string_view path) {
  const FaultRule* best = nullptr;
  for (const auto& r : rules_) {
    if (!path.starts_with(r.prefix)) continue;
    if (!r.method.empty() && r.method != method) continue;
    if (!best || r.prefix.size() > best->prefix.size()) best = &r;
  }
  FaultDecision d;
  if (!best) return d;
  d.latency = best->latency;
  bool hit = best->rate >= 1.0 || (best->rate > 0.0 && std::uniform_real_distribution<double>(
                                                           0.0, 1.0)(rng_) < best->rate);
  if (hit) {
    d.status = best->status;
    d.body = best->body;
    d.reset = best->reset;
  }
  return d;
}

Result<FaultRule> FaultTable::ruleFromJson(std::string_view json) {
  rapidjson::Document d;
  if (!parseJson(json, d) || !d.IsObject())
    return makeError(errc::parse_error, "fault rule must be a JSON object");
  FaultRule r;
  auto str = [&](const char* k) -> std::string {
    auto it = d.FindMember(k);
    return it != d.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  r.prefix = str("prefix");
  if (r.prefix.empty()) return makeError(errc::invalid_argument, "fault rule needs a \"prefix\"");
  r.method = str("method");
  r.body = str("body");
  if (auto it = d.FindMember("latency_ms"); it != d.MemberEnd() && it->value.IsNumber())
    r.latency = Duration::milliseconds(static_cast<std::int64_t>(it->value.GetDouble()));
  if (auto lat = str("latency"); !lat.empty()) {
    auto p = Duration::parse(lat);
    if (!p) return p.error();
    r.latency = *p;
  }
  if (auto it = d.FindMember("status"); it != d.MemberEnd() && it->value.IsInt())
    r.status = it->value.GetInt();
  if (auto it = d.FindMember("rate"); it != d.MemberEnd() && it->value.IsNumber())
    r.rate = it->value.GetDouble();
  if (auto it = d.FindMember("reset"); it != d.MemberEnd() && it->value.IsBool())
    r.reset = it->value.GetBool();
  if (r.rate < 0.0 || r.rate > 1.0)
    return makeError(errc::invalid_argument, "\"rate\" must be within [0,1]");
  return r;
}

std::string FaultTable::toJson() const {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& r : rules_) {
    rapidjson::Value o(rapidjson::kObjectType);
    addString(o, "prefix", r.prefix, a);
    addString(o, "method", r.method, a);
    o.AddMember("latency_ms",
                static_cast<std::int64_t>(r.latency.as<std::chrono::milliseconds>().count()), a);
    o.AddMember("status", r.status, a);
    addString(o, "body", r.body, a);
    o.AddMember("rate", r.rate, a);
    o.AddMember("reset", r.reset, a);
    list.PushBack(o, a);
  }
  d.AddMember("faults", list, a);
  return sim::toJson(d);
}

void RequestCounters::count(std::string_view method, std::string_view path) {
  auto it = counts_.find(path);
  if (it == counts_.end())
    it = counts_.emplace(std::string(path), std::map<std::string, std::uint64_t>{}).first;
  ++it->second[std::string(method)];
}

std::uint64_t RequestCounters::total(std::string_view prefix) const {
  std::uint64_t n = 0;
  for (const auto& [path, byMethod] : counts_)
    if (path.starts_with(prefix))
      for (const auto& [m, c] : byMethod) n += c;
  return n;
}

std::uint64_t RequestCounters::get(std::string_view method, std::string_view path) const {
  auto it = counts_.find(path);
  if (it == counts_.end()) return 0;
  auto m = it->second.find(std::string(method));
  return m == it->second.end() ? 0 : m->second;
}

std::string RequestCounters::toJson(std::string_view prefix) const {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value paths(rapidjson::kObjectType);
  for (const auto& [path, byMethod] : counts_) {
    if (!path.starts_with(prefix)) continue;
    rapidjson::Value o(rapidjson::kObjectType);
    for (const auto& [m, c] : byMethod) {
      rapidjson::Value n(static_cast<std::uint64_t>(c));
      o.AddMember(stringValue(m, a), n, a);
    }
    paths.AddMember(stringValue(path, a), o, a);
  }
  d.AddMember("total", static_cast<std::uint64_t>(total(prefix)), a);
  d.AddMember("paths", paths, a);
  return sim::toJson(d);
}

}  // namespace nc::sim
