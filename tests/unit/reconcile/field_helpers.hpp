// Builders for declared Vault fields in reconcile tests.
#pragma once

#include "config/vault_fields.hpp"

namespace nc::reconcile::testing {

inline config::FieldValue fBool(bool v) {
  config::FieldValue f;
  f.type = config::FieldType::boolean;
  f.boolean = v;
  return f;
}
inline config::FieldValue fInt(std::int64_t v, config::FieldType t = config::FieldType::integer) {
  config::FieldValue f;
  f.type = t;
  f.integer = v;
  return f;
}
inline config::FieldValue fDur(std::int64_t seconds) {
  return fInt(seconds, config::FieldType::duration);
}
inline config::FieldValue fStr(std::string v) {
  config::FieldValue f;
  f.type = config::FieldType::string;
  f.string = std::move(v);
  return f;
}
inline config::FieldValue fList(std::vector<std::string> v) {
  config::FieldValue f;
  f.type = config::FieldType::stringList;
  f.list = std::move(v);
  return f;
}
inline config::FieldValue fMap(std::map<std::string, std::string> m) {
  config::FieldValue f;
  f.type = config::FieldType::stringMap;
  for (auto& [k, v] : m) f.map[k] = {v};
  return f;
}
inline config::FieldValue fClaims(std::map<std::string, std::vector<std::string>> m) {
  config::FieldValue f;
  f.type = config::FieldType::claimMap;
  f.map = std::move(m);
  return f;
}

}  // namespace nc::reconcile::testing
