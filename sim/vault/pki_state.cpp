// PKI engine persistence for --state-file: issuers with keys, pending keys, roles, certificates.
#include "common/json_util.hpp"
#include "vault/pki_backend.hpp"

namespace nc::vault_sim {

void PkiBackend::saveState(rapidjson::Value& out, rapidjson::Document::AllocatorType& a) const {
  rapidjson::Value issuers(rapidjson::kArrayType);
  for (const auto& is : issuers_) {
    rapidjson::Value o(rapidjson::kObjectType);
    sim::addString(o, "id", is.id, a);
    sim::addString(o, "name", is.name, a);
    sim::addString(o, "key_id", is.keyId, a);
    sim::addString(o, "key", is.key ? privateKeyPem(is.key.get(), true) : "", a);
    o.AddMember("chain", sim::stringArray(is.chain, a), a);
    issuers.PushBack(o, a);
  }
  out.AddMember("issuers", issuers, a);
  sim::addString(out, "default", defaultIssuer_, a);
  rapidjson::Value keys(rapidjson::kObjectType);
  for (const auto& [id, k] : keys_) sim::addString(keys, id, privateKeyPem(k.get(), true), a);
  out.AddMember("keys", keys, a);
  rapidjson::Value roles(rapidjson::kObjectType);
  for (const auto& [n, r] : roles_) roles.AddMember(sim::stringValue(n, a), roleToJson(r, a), a);
  out.AddMember("roles", roles, a);
  rapidjson::Value certs(rapidjson::kObjectType);
  for (const auto& [s, c] : certs_) {
    rapidjson::Value o(rapidjson::kObjectType);
    sim::addString(o, "pem", c.pem, a);
    o.AddMember("revoked_at", c.revokedAt, a);
    certs.AddMember(sim::stringValue(s, a), o, a);
  }
  out.AddMember("certs", certs, a);
}

void PkiBackend::loadState(const rapidjson::Value& in) {
  if (!in.IsObject()) return;
  if (auto it = in.FindMember("issuers"); it != in.MemberEnd() && it->value.IsArray()) {
    for (const auto& o : it->value.GetArray()) {
      PkiIssuer is;
      is.id = o["id"].GetString();
      is.name = o["name"].GetString();
      is.keyId = o["key_id"].GetString();
      std::string keyPem = o["key"].GetString();
      if (!keyPem.empty())
        if (auto k = parsePrivateKeyPem(keyPem)) is.key = std::move(*k);
      for (const auto& c : o["chain"].GetArray()) is.chain.emplace_back(c.GetString());
      if (is.chain.empty()) continue;
      auto cert = parseCertPem(is.chain.front());
      if (!cert) continue;
      is.cert = std::move(*cert);
      issuers_.push_back(std::move(is));
    }
  }
  if (auto it = in.FindMember("default"); it != in.MemberEnd() && it->value.IsString())
    defaultIssuer_ = it->value.GetString();
  if (auto it = in.FindMember("keys"); it != in.MemberEnd() && it->value.IsObject())
    for (auto k = it->value.MemberBegin(); k != it->value.MemberEnd(); ++k)
      if (auto key = parsePrivateKeyPem(k->value.GetString()))
        keys_[k->name.GetString()] = std::move(*key);
  if (auto it = in.FindMember("roles"); it != in.MemberEnd() && it->value.IsObject()) {
    for (auto r = it->value.MemberBegin(); r != it->value.MemberEnd(); ++r) {
      Fields f;
      f.doc().CopyFrom(r->value, f.doc().GetAllocator());
      if (auto role = writeRole(f, nullptr)) roles_[r->name.GetString()] = role->role;
    }
  }
  if (auto it = in.FindMember("certs"); it != in.MemberEnd() && it->value.IsObject()) {
    for (auto c = it->value.MemberBegin(); c != it->value.MemberEnd(); ++c) {
      StoredCert sc;
      sc.pem = c->value["pem"].GetString();
      sc.revokedAt = c->value["revoked_at"].GetInt64();
      if (auto x = parseCertPem(sc.pem)) sc.notAfter = notAfterUnix(x->get());
      certs_[c->name.GetString()] = std::move(sc);
    }
  }
}

}  // namespace nc::vault_sim
