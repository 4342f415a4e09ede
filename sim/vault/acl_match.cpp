// ACL path matching: templated policy paths, Vault's rule priority (exact > most specific glob or
// '+' segment rule), merged capabilities with deny winning.
#include "vault/acl_policy.hpp"

#include <algorithm>
#include <regex>

namespace nc::vault_sim {

bool resolvePathTemplate(const std::string& path, const TemplateContext& ctx, std::string& out) {
  static const std::regex re(R"(\{\{\s*([^}\s]+)\s*\}\})");
  out.clear();
  auto begin = std::sregex_iterator(path.begin(), path.end(), re);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += path.substr(last, static_cast<std::size_t>(it->position()) - last);
    std::string key = (*it)[1];
    std::string value;
    const std::string aliases = "identity.entity.aliases.";
    if (key == "identity.entity.id") {
      value = ctx.entityId;
    } else if (key == "identity.entity.name") {
      value = ctx.entityName;
    } else if (key.rfind(aliases, 0) == 0) {
      auto rest = key.substr(aliases.size());
      auto dot = rest.find('.');
      if (dot == std::string::npos) return false;
      auto accessor = rest.substr(0, dot), field = rest.substr(dot + 1);
      if (field == "name") {
        auto n = ctx.aliasNames.find(accessor);
        if (n == ctx.aliasNames.end()) return false;
        value = n->second;
      } else if (field.rfind("metadata.", 0) == 0) {
        auto m = ctx.aliasMetadata.find(accessor);
        if (m == ctx.aliasMetadata.end()) return false;
        auto v = m->second.find(field.substr(9));
        if (v == m->second.end()) return false;
        value = v->second;
      } else {
        return false;
      }
    } else {
      return false;
    }
    if (value.empty()) return false;
    out += value;
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out += path.substr(last);
  return true;
}

Acl::Acl(const std::vector<const ParsedPolicy*>& policies, const TemplateContext* ctx) {
  for (const auto* p : policies) {
    for (const auto& rule : p->rules) {
      std::string path = rule.path;
      if (path.find("{{") != std::string::npos) {
        std::string resolved;
        if (!ctx || !resolvePathTemplate(path, *ctx, resolved)) continue;
        path = resolved;
      }
      auto merge = [&](auto& table, const std::string& key) {
        auto& caps = table[key];
        caps |= rule.caps;
        if (caps & kDeny) caps = kDeny;
      };
      if (path.find('+') != std::string::npos)
        merge(segment_, path);
      else if (!path.empty() && path.back() == '*')
        merge(prefix_, path.substr(0, path.size() - 1));
      else
        merge(exact_, path);
    }
  }
}

std::uint32_t Acl::capabilities(std::string_view path, bool isList) const {
  if (auto it = exact_.find(path); it != exact_.end()) return it->second;
  if (isList && path.ends_with('/'))
    if (auto it = exact_.find(path.substr(0, path.size() - 1)); it != exact_.end())
      return it->second;

  struct Cand {
    std::size_t firstWild;
    bool isPrefix;
    int wildcards;
    std::string wcPath;
    std::uint32_t caps;
  };
  std::vector<Cand> cands;
  // Longest matching prefix rule.
  const std::string* best = nullptr;
  std::uint32_t bestCaps = 0;
  for (const auto& [prefix, caps] : prefix_)
    if (path.starts_with(prefix) && (!best || prefix.size() > best->size())) {
      best = &prefix;
      bestCaps = caps;
    }
  if (best) cands.push_back({best->size(), true, 0, *best, bestCaps});

  auto split = [](std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
      auto slash = s.find('/', start);
      parts.push_back(s.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return parts;
  };
  auto pathParts = split(path);
  for (const auto& [full, caps] : segment_) {
    Cand c{full.find('+'), false, 0, full, caps};
    std::string_view wc = full;
    if (wc.back() == '*') {
      c.isPrefix = true;
      wc.remove_suffix(1);
    }
    c.wcPath = std::string(wc);
    auto aclParts = split(wc);
    if (pathParts.size() < aclParts.size()) continue;
    if (!c.isPrefix && aclParts.size() != pathParts.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < aclParts.size() && ok; ++i) {
      if (aclParts[i] == "+")
        ++c.wildcards;
      else if (aclParts[i] == pathParts[i])
        continue;
      else if (c.isPrefix && i == aclParts.size() - 1 && pathParts[i].starts_with(aclParts[i]))
        continue;
      else
        ok = false;
    }
    if (ok) cands.push_back(std::move(c));
  }
  if (cands.empty()) return 0;
  auto less = [](const Cand& i, const Cand& j) {
    if (i.firstWild != j.firstWild) return i.firstWild < j.firstWild;
    if (i.isPrefix != j.isPrefix) return i.isPrefix;
    if (i.wildcards != j.wildcards) return i.wildcards > j.wildcards;
    if (i.wcPath.size() != j.wcPath.size()) return i.wcPath.size() < j.wcPath.size();
    return i.wcPath > j.wcPath;
  };
  return std::max_element(cands.begin(), cands.end(), less)->caps;
}

bool Acl::allows(std::string_view path, Capability cap, bool isList) const {
  auto caps = capabilities(path, isList);
  return !(caps & kDeny) && (caps & cap);
}

std::vector<std::string> capabilityNames(std::uint32_t caps) {
  if (caps & kDeny) return {"deny"};
  std::vector<std::string> out;
  if (caps & kCreate) out.push_back("create");
  if (caps & kDelete) out.push_back("delete");
  if (caps & kList) out.push_back("list");
  if (caps & kPatch) out.push_back("patch");
  if (caps & kRead) out.push_back("read");
  if (caps & kSudo) out.push_back("sudo");
  if (caps & kUpdate) out.push_back("update");
  return out;
}

}  // namespace nc::vault_sim
