// Reading Vault field maps from YAML, and Vault's own write-time rules for each object.
#include "config/vault_fields_reader.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "config/suggest.hpp"

namespace nc::config::detail {
namespace {

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool allowedValue(const FieldSpec& spec, const std::string& v) {
  if (spec.allowedValues.empty()) return true;
  for (const auto& a : spec.allowedValues)
    if (spec.caseInsensitive ? equalsIgnoreCase(a, v) : a == v) return true;
  return false;
}

std::string allowedText(const FieldSpec& spec) {
  std::string list;
  for (const auto& a : spec.allowedValues)
    list += (list.empty() ? "" : ", ") + (a.empty() ? "\"\"" : a);
  return list;
}

bool readOne(DocContext& c, const YamlNode& n, const std::string& field, const FieldSpec& spec,
             FieldValue& v) {
  v.type = spec.type;
  v.where = c.at(n);
  switch (spec.type) {
    case FieldType::boolean:
      return readBool(c, n, field, v.boolean);
    case FieldType::integer:
      return readInt(c, n, field, v.integer, 0, INT64_MAX);
    case FieldType::duration: {
      // Vault takes "" as 0 and, for mount TTLs, "system" as "use the system default".
      if (n.IsScalar() && (n.Scalar().empty() || n.Scalar() == "system")) {
        if (n.Scalar() == "system" && spec.name.find("lease_ttl") == std::string_view::npos) {
          c.error(n, field, "\"system\" is only accepted for mount lease TTLs");
          return false;
        }
        v.integer = 0;
        return true;
      }
      Duration d;
      if (!readDuration(c, n, field, d)) return false;
      v.integer = d.wholeSeconds();
      return true;
    }
    case FieldType::string: {
      if (!readString(c, n, field, v.string)) return false;
      if (!allowedValue(spec, v.string)) {
        c.error(n, field,
                "invalid value \"" + v.string + "\"; expected one of " + allowedText(spec) +
                    didYouMean(v.string, spec.allowedValues));
        return false;
      }
      return true;
    }
    case FieldType::stringList: {
      if (n.IsScalar()) {
        v.list = splitComma(n.Scalar());  // Vault accepts "a,b" for list fields
      } else if (!readStringList(c, n, field, v.list)) {
        return false;
      }
      bool ok = true;
      for (std::size_t i = 0; i < v.list.size(); ++i) {
        if (allowedValue(spec, v.list[i])) continue;
        const YamlNode item = n.IsSequence() ? n[i] : n;
        c.error(item, n.IsSequence() ? indexPath(field, i) : field,
                "invalid value \"" + v.list[i] + "\"; expected one of " + allowedText(spec) +
                    didYouMean(v.list[i], spec.allowedValues));
        ok = false;
      }
      return ok;
    }
    case FieldType::stringMap: {
      std::map<std::string, std::string> m;
      if (!readStringMap(c, n, field, m)) return false;
      for (auto& [k, s] : m) v.map[k] = {s};
      return true;
    }
    case FieldType::claimMap: {
      if (!n.IsMap()) {
        c.error(n, field,
                "expected a mapping of claim names to a string or a list, got " + describeNode(n));
        return false;
      }
      bool ok = true;
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string k = it->first.Scalar();
        std::vector<std::string> items;
        if (it->second.IsSequence()) {
          ok = readStringList(c, it->second, joinPath(field, k), items) && ok;
          v.mapValueIsList = true;
        } else {
          std::string s;
          ok = readString(c, it->second, joinPath(field, k), s) && ok;
          items.push_back(s);
        }
        if (v.map.count(k)) {
          c.error(it->first, joinPath(field, k), "duplicate key");
          ok = false;
        }
        v.map[k] = std::move(items);
      }
      return ok;
    }
  }
  return false;
}

// Errors at a declared field (or at the map when it is absent).
struct Checker {
  DocContext& c;
  const YamlNode& node;
  const std::string& path;
  const FieldMap& f;
  bool ok = true;

  void error(std::string_view name, std::string msg) {
    auto it = f.find(std::string(name));
    const SourceRef where = it != f.end() ? it->second.where : c.at(node);
    c.diags().error(where, joinPath(path, name), std::move(msg));
    ok = false;
  }
  void warning(std::string_view name, std::string msg) {
    auto it = f.find(std::string(name));
    const SourceRef where = it != f.end() ? it->second.where : c.at(node);
    c.diags().warning(where, joinPath(path, name), std::move(msg));
  }
  bool has(std::string_view name) const { return f.count(std::string(name)) > 0; }
};

void checkPkiRole(Checker& k) {
  const auto ttl = getInt(k.f, "ttl"), maxTtl = getInt(k.f, "max_ttl");
  if (ttl && maxTtl && *maxTtl > 0 && *ttl > *maxTtl)
    k.error("ttl", "\"ttl\" value must be less than \"max_ttl\" value (" + std::to_string(*ttl) +
                       "s > " + std::to_string(*maxTtl) + "s)");
  const std::string keyType = getString(k.f, "key_type").value_or("rsa");
  if (auto bits = getInt(k.f, "key_bits")) {
    static const std::map<std::string, std::set<std::int64_t>> kBits = {
        {"rsa", {0, 2048, 3072, 4096, 8192}},
        {"ec", {0, 224, 256, 384, 521}},
        {"ed25519", {0}},
        {"any", {0}}};
    if (!kBits.at(keyType).count(*bits))
      k.error("key_bits", "key_bits " + std::to_string(*bits) + " is not valid for key_type \"" +
                              keyType + "\"");
  }
  if (auto sig = getInt(k.f, "signature_bits");
      sig && *sig != 0 && *sig != 256 && *sig != 384 && *sig != 512)
    k.error("signature_bits", "must be 0, 256, 384 or 512");
  if (keyType == "any")
    k.warning("key_type",
              "a role with key_type \"any\" can only sign CSRs, not issue certificates");
  if (auto cn = getList(k.f, "cn_validations");
      cn && cn->size() > 1 && std::count(cn->begin(), cn->end(), "disabled"))
    k.error("cn_validations", "\"disabled\" cannot be combined with other values");
  if (auto na = getString(k.f, "not_after"); na && !na->empty()) {
    static const std::regex kTime(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
    if (!std::regex_match(*na, kTime))
      k.error("not_after", "must look like YYYY-MM-DDTHH:MM:SSZ, got \"" + *na + "\"");
    if (k.has("ttl")) k.error("not_after", "set either ttl or not_after, not both");
  }
  const auto domains = getList(k.f, "allowed_domains");
  if (domains && !domains->empty() && !getBool(k.f, "allow_any_name").value_or(false) &&
      !getBool(k.f, "allow_subdomains").value_or(false) &&
      !getBool(k.f, "allow_bare_domains").value_or(false) &&
      !getBool(k.f, "allow_glob_domains").value_or(false))
    k.warning("allowed_domains",
              "no name under these domains can be issued: set allow_subdomains, "
              "allow_bare_domains or allow_glob_domains");
  if (domains)
    for (const auto& d : *domains)
      if (d.empty() || d.front() == '.' || d.find(' ') != std::string::npos)
        k.error("allowed_domains", "invalid domain \"" + d + "\"");
}

void checkJwtConfig(Checker& k) {
  int sources = 0;
  for (auto name : {"jwt_validation_pubkeys", "jwks_url", "oidc_discovery_url"})
    if (k.has(name)) ++sources;
  if (sources != 1)
    k.error(sources == 0 ? "jwks_url" : "oidc_discovery_url",
            "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or "
            "'oidc_discovery_url' must be set");
  for (auto name : {"jwks_url", "oidc_discovery_url"}) {
    auto url = getString(k.f, name);
    if (url && !url->starts_with("http://") && !url->starts_with("https://"))
      k.error(name, "must be an http:// or https:// URL, got \"" + *url + "\"");
  }
  if (k.has("oidc_client_secret"))
    k.warning("oidc_client_secret", "a secret written in a plain configuration file");
  if (auto role = getString(k.f, "default_role"); role && *role != [&] {
        std::string l = *role;
        std::transform(l.begin(), l.end(), l.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        return l;
      }())
    k.warning("default_role", "Vault stores default_role lower-cased");
}

void checkJwtRole(Checker& k) {
  const auto roleType = getString(k.f, "role_type");
  if (!roleType)
    k.warning("role_type", "not set: Vault resets an omitted role_type to \"oidc\" on every write");
  if (!k.has("user_claim")) k.error("user_claim", "a user claim must be defined on the role");
  if (roleType.value_or("oidc") == "jwt" && !k.has("bound_audiences") && !k.has("bound_subject") &&
      !k.has("bound_claims") && !k.has("token_bound_cidrs"))
    k.error("bound_audiences",
            "must have at least one bound constraint (bound_audiences, bound_subject, "
            "bound_claims or token_bound_cidrs) for a jwt role");
  if (roleType.value_or("oidc") == "oidc" && !k.has("allowed_redirect_uris"))
    k.error("allowed_redirect_uris", "an oidc role needs allowed_redirect_uris");
  if (auto it = k.f.find("claim_mappings"); it != k.f.end()) {
    std::set<std::string> targets;
    for (const auto& [claim, dest] : it->second.map) {
      const std::string& d = dest.empty() ? std::string() : dest.front();
      if (d == "role")
        k.error("claim_mappings",
                "metadata key \"role\" is reserved and may not be a mapping destination");
      if (!targets.insert(d).second)
        k.error("claim_mappings", "mapping destination \"" + d + "\" is used twice");
    }
  }
  const auto ttl = getInt(k.f, "token_ttl"), maxTtl = getInt(k.f, "token_max_ttl");
  if (ttl && maxTtl && *maxTtl > 0 && *ttl > *maxTtl)
    k.error("token_ttl", "'token_ttl' cannot be greater than 'token_max_ttl'");
  if (getString(k.f, "token_type").value_or("") == "batch") {
    if (getInt(k.f, "token_period").value_or(0) > 0)
      k.error("token_period", "batch tokens cannot be periodic");
    if (getInt(k.f, "token_num_uses").value_or(0) > 0)
      k.error("token_num_uses", "batch tokens cannot have a use limit");
  }
  if (getString(k.f, "token_type").value_or("") == "service" && k.has("token_period") &&
      getInt(k.f, "token_explicit_max_ttl").value_or(0) > 0)
    k.warning("token_explicit_max_ttl",
              "a periodic token with an explicit max TTL stops renewing; Nomad recommends 0");
}

void checkMountConfig(Checker& k) {
  const auto def = getInt(k.f, "default_lease_ttl"), max = getInt(k.f, "max_lease_ttl");
  if (def && max && *max > 0 && *def > *max)
    k.error("default_lease_ttl", "must not be greater than max_lease_ttl");
}

}  // namespace

bool readVaultFields(DocContext& c, const YamlNode& node, const std::string& path,
                     FieldSchema schema, FieldMap& out) {
  if (!node.IsMap()) {
    c.error(node, path, "expected a mapping of Vault fields, got " + describeNode(node));
    return false;
  }
  if (!c.spend(node, node.size())) return false;
  std::vector<std::string> names;
  for (const auto& s : fieldSpecs(schema)) names.emplace_back(s.name);
  const std::size_t errorsBefore = c.diags().errorCount();
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      c.error(it->first, path, "field names must be strings");
      continue;
    }
    const std::string name = it->first.Scalar();
    const std::string field = joinPath(path, name);
    const FieldSpec* spec = findFieldSpec(schema, name);
    if (!spec) {
      c.error(it->first, field, "unknown Vault field" + didYouMean(name, names));
      continue;
    }
    if (spec->readOnly) {
      c.error(it->first, field, "read-only in Vault; it cannot be set");
      continue;
    }
    if (out.count(name)) {
      c.error(it->first, field, "duplicate key");
      continue;
    }
    FieldValue v;
    if (readOne(c, it->second, field, *spec, v)) out.emplace(name, std::move(v));
  }
  Checker k{c, node, path, out};
  switch (schema) {
    case FieldSchema::pkiRole:
      checkPkiRole(k);
      break;
    case FieldSchema::jwtAuthConfig:
      checkJwtConfig(k);
      break;
    case FieldSchema::jwtRole:
      checkJwtRole(k);
      break;
    case FieldSchema::mountConfig:
      checkMountConfig(k);
      break;
  }
  return c.diags().errorCount() == errorsBefore;
}

}  // namespace nc::config::detail
