// Vault PKI name matching and ACL policy evaluation, from vault-api.md §3.4 and §4.
#include "preflight/vault_rules.hpp"

#include <algorithm>
#include <cctype>

#include "preflight/hcl_reader.hpp"

namespace nc::preflight {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// go-glob semantics: '*' matches any run of characters (dots included).
bool globMatch(std::string_view s, std::string_view pattern) {
  std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) return s == pattern;
  std::string_view prefix = pattern.substr(0, star);
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  pattern.remove_prefix(star + 1);
  if (pattern.empty()) return true;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (globMatch(s.substr(i), pattern)) return true;
  return false;
}

bool validLabel(std::string_view l) {
  if (l.empty() || l.size() > 63) return false;
  for (char c : l)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return l.front() != '-' && l.back() != '-';
}

}  // namespace

RoleRules roleRulesFrom(const config::FieldMap& f) {
  RoleRules r;
  if (auto v = config::getList(f, "allowed_domains")) r.allowedDomains = *v;
  auto flag = [&f](const char* name, bool& into) {
    if (auto v = config::getBool(f, name)) into = *v;
  };
  flag("allow_localhost", r.allowLocalhost);
  flag("allow_bare_domains", r.allowBareDomains);
  flag("allow_subdomains", r.allowSubdomains);
  flag("allow_glob_domains", r.allowGlobDomains);
  flag("allow_wildcard_certificates", r.allowWildcardCertificates);
  flag("allow_any_name", r.allowAnyName);
  flag("enforce_hostnames", r.enforceHostnames);
  flag("allow_ip_sans", r.allowIpSans);
  flag("require_cn", r.requireCn);
  if (auto v = config::getInt(f, "ttl")) r.ttl = *v;
  if (auto v = config::getInt(f, "max_ttl")) r.maxTtl = *v;
  return r;
}

bool validHostname(std::string_view name) {
  if (name.ends_with(".")) name.remove_suffix(1);
  if (name.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    if (!validLabel(name.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::optional<std::string> nameRefusal(const RoleRules& role, std::string_view name) {
  const std::string shown(name);
  const bool wildcard = name.find('*') != std::string_view::npos;
  if (wildcard && !role.allowWildcardCertificates)
    return "wildcard name " + shown + " refused: the role sets allow_wildcard_certificates=false";
  std::string_view host = name;
  const auto at = name.find('@');
  if (at != std::string_view::npos) host = name.substr(at + 1);
  if (role.enforceHostnames) {
    std::string_view check = host.starts_with("*.") ? host.substr(2) : host;
    if (!validHostname(check))
      return shown + " is not a valid hostname and the role enforces hostnames";
  }
  if (role.allowAnyName) return std::nullopt;
  if (role.allowLocalhost) {
    if (host == "localhost" || host == "localdomain") return std::nullopt;
    if (role.allowSubdomains && (host.ends_with(".localhost") || host.ends_with(".localdomain")))
      return std::nullopt;
  }
  for (const auto& d : role.allowedDomains) {
    if (role.allowBareDomains && lower(host) == lower(d)) return std::nullopt;
    if (role.allowSubdomains && host.size() > d.size() + 1 && host.ends_with(d) &&
        host[host.size() - d.size() - 1] == '.')
      return std::nullopt;
    if (role.allowGlobDomains && d.find('*') != std::string::npos &&
        globMatch(lower(host), lower(d)))
      return std::nullopt;
  }
  std::string hint;
  for (const auto& d : role.allowedDomains) {
    if (lower(host) == lower(d) && !role.allowBareDomains)
      hint = " (it is a bare allowed domain: allow_bare_domains is false)";
    else if (host.ends_with("." + d) && !role.allowSubdomains)
      hint = " (a subdomain of " + d + ": allow_subdomains is false)";
  }
  return "common name " + shown + " not allowed by this role" + hint;
}

std::optional<std::vector<PolicyRule>> parsePolicy(std::string_view text, std::string* error) {
  auto doc = readHcl(text);
  if (!doc) {
    if (error) *error = doc.error().message;
    return std::nullopt;
  }
  std::vector<PolicyRule> rules;
  for (const auto* p : doc->children("path")) {
    if (p->labels.size() != 1) continue;
    PolicyRule r{p->labels[0], {}};
    if (const auto* caps = p->attr("capabilities")) r.capabilities = caps->list;
    if (const auto* pol = p->attr("policy")) {  // legacy shorthand
      if (pol->text == "deny")
        r.capabilities = {"deny"};
      else if (pol->text == "read")
        r.capabilities = {"read", "list"};
      else if (pol->text == "write")
        r.capabilities = {"create", "read", "update", "delete", "list"};
      else if (pol->text == "sudo")
        r.capabilities = {"create", "read", "update", "delete", "list", "sudo"};
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

namespace {

bool pathMatches(std::string_view pattern, std::string_view path) {
  bool prefix = pattern.ends_with("*");
  if (prefix) pattern.remove_suffix(1);
  std::size_t i = 0, j = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '+') {  // one whole segment
      if (i > 0 && pattern[i - 1] != '/') return false;
      while (j < path.size() && path[j] != '/') ++j;
      ++i;
      continue;
    }
    if (j >= path.size() || pattern[i] != path[j]) return false;
    ++i, ++j;
  }
  return prefix || j == path.size();
}

// Vault's priority: true when a is less specific than b.
bool lowerPriority(const std::string& a, const std::string& b) {
  auto firstWild = [](const std::string& p) {
    auto k = p.find_first_of("+*");
    return k == std::string::npos ? p.size() + 1 : k;
  };
  if (firstWild(a) != firstWild(b)) return firstWild(a) < firstWild(b);
  bool sa = a.ends_with("*"), sb = b.ends_with("*");
  if (sa != sb) return sa;
  auto plus = [](const std::string& p) { return std::count(p.begin(), p.end(), '+'); };
  if (plus(a) != plus(b)) return plus(a) > plus(b);
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

std::vector<std::string> capabilitiesOn(const std::vector<std::vector<PolicyRule>>& policies,
                                        std::string_view path) {
  std::string best;
  bool found = false;
  std::vector<std::string> caps;
  for (const auto& pol : policies)
    for (const auto& r : pol)
      if (pathMatches(r.path, path) && (!found || lowerPriority(best, r.path)))
        best = r.path, found = true;
  if (!found) return {};
  for (const auto& pol : policies)
    for (const auto& r : pol)
      if (r.path == best) caps.insert(caps.end(), r.capabilities.begin(), r.capabilities.end());
  if (grants(caps, "deny")) return {"deny"};
  return caps;
}

bool grants(const std::vector<std::string>& caps, std::string_view capability) {
  if (std::find(caps.begin(), caps.end(), "deny") != caps.end()) return capability == "deny";
  return std::find(caps.begin(), caps.end(), capability) != caps.end();
}

}  // namespace nc::preflight
