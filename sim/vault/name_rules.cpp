// Vault's PKI name-permission rules (issuing/issue_common.go: ValidateNames & co.).
#include "vault/name_rules.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "vault/fields.hpp"

namespace nc::vault_sim {
namespace {

const std::regex& wildHostnameRegex() {
  static const std::string label = R"(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))";
  static const std::string leftWild =
      "(\\*|\\*" + label + "|" + label + "\\*|" + label + "\\*" + label + ")";
  static const std::string host = "(" + label + "\\.)*" + label + "\\.?$";
  static const std::regex re("^(" + leftWild + "\\.)?" + host);
  return re;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix);
}

bool equalFold(std::string_view a, std::string_view b) {
  return toLower(a) == toLower(b);
}

struct WildcardSplit {
  std::string label;
  std::string reduced;
  bool ok = false;
};

WildcardSplit splitWildcard(std::string_view name) {
  WildcardSplit w;
  if (std::count(name.begin(), name.end(), '*') > 1) return w;
  auto dot = name.find('.');
  if (dot == std::string_view::npos) {
    w.label = std::string(name);
  } else {
    w.label = std::string(name.substr(0, dot));
    w.reduced = std::string(name.substr(dot + 1));
    if (w.reduced.find('*') != std::string::npos) return w;
  }
  w.ok = true;
  return w;
}

}  // namespace

bool goGlob(std::string_view pattern, std::string_view subj) {
  if (pattern.empty()) return subj.empty();
  if (pattern == "*") return true;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto star = pattern.find('*', start);
    parts.push_back(pattern.substr(
        start, star == std::string_view::npos ? pattern.size() - start : star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  if (parts.size() == 1) return subj == pattern;
  bool leading = pattern.front() == '*', trailing = pattern.back() == '*';
  std::size_t end = parts.size() - 1;
  for (std::size_t i = 0; i < end; ++i) {
    auto idx = subj.find(parts[i]);
    if (i == 0) {
      if (!leading && idx != 0) return false;
    } else if (idx == std::string_view::npos) {
      return false;
    }
    if (idx == std::string_view::npos) return false;
    subj.remove_prefix(idx + parts[i].size());
  }
  return trailing || subj.ends_with(parts[end]);
}

Result<std::string> idnaToAscii(std::string_view name) {
  std::string s(name);
  for (unsigned char c : s)
    if (c >= 0x80)
      return makeError(errc::invalid_argument,
                       "idna: non-ASCII names are not supported by vault-sim");
  if (s.empty()) return makeError(errc::invalid_argument, "idna: invalid label \"\"");
  std::size_t start = 0;
  while (start <= s.size()) {
    auto dot = s.find('.', start);
    bool last = dot == std::string::npos;
    std::string label = s.substr(start, last ? std::string::npos : dot - start);
    if (label.empty()) {
      if (!(last && start == s.size() && start > 0))
        return makeError(errc::invalid_argument, "idna: invalid label \"" + s + "\"");
    } else if (label.size() > 63) {
      return makeError(errc::invalid_argument, "idna: invalid label \"" + label + "\"");
    }
    if (last) break;
    start = dot + 1;
  }
  std::size_t n = s.size();
  if (n > 0 && s.back() == '.') --n;
  if (n > 253) return makeError(errc::invalid_argument, "idna: invalid label \"" + s + "\"");
  return s;
}

bool matchesWildHostname(std::string_view name) {
  return std::regex_search(name.begin(), name.end(), wildHostnameRegex());
}

bool nameAllowed(const PkiRole& role, std::string_view name) {
  std::string reduced(name), emailDomain(name), wildLabel;
  bool isEmail = false, isWildcard = false;
  if (name.find('@') != std::string_view::npos) {
    auto at = name.find('@');
    if (name.find('@', at + 1) != std::string_view::npos) return false;
    reduced = emailDomain = std::string(name.substr(at + 1));
    isEmail = true;
  }
  if (reduced.find('*') != std::string::npos) {
    isWildcard = true;
    if (!role.allowWildcardCertificates) return false;
    auto w = splitWildcard(reduced);
    if (!w.ok) return false;
    wildLabel = w.label;
    reduced = w.reduced;
  }
  if (isEmail && isWildcard) return false;
  if (role.enforceHostnames && !reduced.empty()) {
    auto converted = idnaToAscii(reduced);
    if (!converted) return false;
    std::string check = isWildcard ? wildLabel + "." + *converted : *converted;
    if (!matchesWildHostname(check)) return false;
  }
  if (role.allowAnyName) return true;
  if (role.allowLocalhost) {
    if (reduced == "localhost" || reduced == "localdomain" ||
        (isEmail && (emailDomain == "localhost" || emailDomain == "localdomain")))
      return true;
    if (role.allowSubdomains) {
      if (endsWith(reduced, ".localhost") || (isWildcard && reduced == "localhost")) return true;
      if (endsWith(reduced, ".localdomain") || (isWildcard && reduced == "localdomain"))
        return true;
    }
  }
  for (const auto& dom : role.allowedDomains) {
    if (dom.empty()) continue;
    if (role.allowBareDomains && (equalFold(name, dom) || (isEmail && equalFold(emailDomain, dom))))
      return true;
    if (role.allowSubdomains &&
        (endsWith(reduced, "." + dom) || (isWildcard && equalFold(reduced, dom))))
      return true;
    if (role.allowGlobDomains && dom.find('*') != std::string::npos &&
        goGlob(toLower(dom), toLower(name)))
      return true;
  }
  return false;
}

bool commonNameAllowed(const PkiRole& role, std::string_view cn) {
  const auto& v = role.cnValidations;
  if (v.size() == 1 && v[0] == "disabled") return true;
  if (!nameAllowed(role, cn)) return false;
  if (v.empty()) return true;
  const char* need = cn.find('@') != std::string_view::npos ? "email" : "hostname";
  return std::find(v.begin(), v.end(), need) != v.end();
}

Result<RequestedNames> checkRequestNames(const PkiRole& role, std::string_view cn,
                                         std::string_view altNames, bool excludeCn) {
  RequestedNames out;
  if (!cn.empty() && !excludeCn) {
    if (cn.find('@') != std::string_view::npos) {
      out.emails.emplace_back(cn);
    } else {
      auto conv = idnaToAscii(cn);
      if (!conv) return conv.error();
      if (matchesWildHostname(*conv)) out.dnsNames.push_back(*conv);
    }
  }
  std::set<std::string> alts;
  for (auto& a : splitComma(altNames)) alts.insert(a);
  for (const auto& v : alts) {
    if (v.find('@') != std::string::npos) {
      out.emails.push_back(v);
      continue;
    }
    auto conv = idnaToAscii(v);
    if (!conv) return conv.error();
    if (!matchesWildHostname(*conv))
      return makeError(errc::invalid_argument,
                       "subject alternate name " + v +
                           " is not a valid DNS name and cannot be included as a SAN");
    out.dnsNames.push_back(*conv);
  }
  if (!cn.empty() && !commonNameAllowed(role, cn))
    return makeError(errc::invalid_argument,
                     "common name " + std::string(cn) + " not allowed by this role");
  for (const auto& n : out.dnsNames)
    if (!nameAllowed(role, n))
      return makeError(errc::invalid_argument,
                       "subject alternate name " + n + " not allowed by this role");
  for (const auto& n : out.emails)
    if (!nameAllowed(role, n))
      return makeError(errc::invalid_argument, "email address " + n + " not allowed by this role");
  auto dedup = [](std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  dedup(out.dnsNames);
  dedup(out.emails);
  return out;
}

}  // namespace nc::vault_sim
