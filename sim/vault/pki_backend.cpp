// PKI engine: routing, roles, issuer management, certificate fetch, revoke and tidy.
#include "vault/pki_backend.hpp"

#include <openssl/evp.h>

#include "common/json_util.hpp"

namespace nc::vault_sim {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool PkiBackend::unauthenticated(const std::string& p) const {
  return p == "ca" || p == "ca/pem" || p == "ca_chain" || p == "crl" || p == "crl/pem" ||
         p.rfind("cert/", 0) == 0;
}

std::optional<bool> PkiBackend::exists(const std::string& path) {
  if (path.rfind("roles/", 0) == 0) return roles_.count(path.substr(6)) > 0;
  return std::nullopt;
}

Reply PkiBackend::handle(Request& rq) {
  const std::string& p = rq.path;
  bool write = rq.op == "update" || rq.op == "create";
  if (p == "roles/" || p == "roles") {
    if (rq.op != "list") return Reply::fail(405, "unsupported operation");
    std::vector<std::string> keys;
    for (const auto& [n, r] : roles_) keys.push_back(n);
    return Reply::list(keys);
  }
  if (p.rfind("roles/", 0) == 0) return roles(rq, p.substr(6));
  if (p.rfind("issue/", 0) == 0) {
    if (!write) return Reply::fail(405, "unsupported operation");
    return issue(rq, p.substr(6), "");
  }
  if (p.rfind("issuer/", 0) == 0) {
    auto rest = p.substr(7);
    auto slash = rest.find('/');
    auto ref = rest.substr(0, slash);
    auto tail = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (tail.rfind("issue/", 0) == 0 && write) return issue(rq, tail.substr(6), ref);
    if (tail == "sign-intermediate" && write) return signIntermediate(rq, ref);
    if (tail.empty() && rq.op == "read") {
      PkiIssuer* is = resolveIssuer(ref);
      if (!is) return Reply::fail(400, "unable to find PKI issuer for reference: " + ref);
      Reply r;
      auto& a = r.alloc();
      sim::addString(r.d(), "issuer_id", is->id, a);
      sim::addString(r.d(), "issuer_name", is->name, a);
      sim::addString(r.d(), "key_id", is->keyId, a);
      sim::addString(r.d(), "certificate", certPem(is->cert.get()), a);
      r.d().AddMember("ca_chain", sim::stringArray(is->chain, a), a);
      sim::addString(r.d(), "leaf_not_after_behavior", "err", a);
      return r;
    }
    return Reply::fail(405, "unsupported operation");
  }
  if (p == "issuers/" && rq.op == "list") {
    Reply r = Reply::list({});
    auto& a = r.alloc();
    rapidjson::Value info(rapidjson::kObjectType);
    for (const auto& is : issuers_) {
      r.d()["keys"].PushBack(sim::stringValue(is.id, a), a);
      rapidjson::Value o(rapidjson::kObjectType);
      sim::addString(o, "issuer_name", is.name, a);
      o.AddMember("is_default", is.id == defaultIssuer_, a);
      info.AddMember(sim::stringValue(is.id, a), o, a);
    }
    if (!issuers_.empty()) r.d().AddMember("key_info", info, a);
    return r;
  }
  if ((p == "root/generate/internal" || p == "root/generate/exported") && write)
    return generateRoot(rq, p.ends_with("exported"));
  if ((p == "intermediate/generate/internal" || p == "intermediate/generate/exported") && write)
    return generateIntermediate(rq, p.ends_with("exported"));
  if (p == "root/sign-intermediate" && write) return signIntermediate(rq, "");
  if (p == "intermediate/set-signed" && write) return setSigned(rq);
  if (p == "config/issuers") return configIssuers(rq);
  if (p == "root" && rq.op == "delete") {
    issuers_.clear();
    keys_.clear();
    defaultIssuer_.clear();
    return Reply::noContent();
  }
  if (p == "revoke" && write) return revoke(rq);
  if (p == "tidy" && write) return tidy(rq);
  if (p == "tidy-status" && rq.op == "read") {
    Reply r;
    sim::addString(r.d(), "state", lastTidy_ ? "Finished" : "Inactive", r.alloc());
    return r;
  }
  if (p == "certs/" && rq.op == "list") {
    std::vector<std::string> keys;
    for (const auto& [s, c] : certs_) keys.push_back(s);
    return Reply::list(keys);
  }
  if (rq.op == "read") return fetch(rq);
  return Reply::fail(404, "unsupported path");
}

Reply PkiBackend::roles(Request& rq, const std::string& name) {
  if (!validRoleName(name)) return Reply::fail(404, "unsupported path");
  auto it = roles_.find(name);
  if (rq.op == "read") {
    if (it == roles_.end()) return Reply::failEmpty(404);
    Reply r;
    auto v = roleToJson(it->second, r.alloc());
    r.data.CopyFrom(v, r.alloc());
    return r;
  }
  if (rq.op == "delete") {
    roles_.erase(name);
    return Reply::noContent();
  }
  if (rq.op == "patch" && it == roles_.end())
    return Reply::fail(400, "Unable to fetch role entry to patch");
  if (rq.op != "update" && rq.op != "create" && rq.op != "patch")
    return Reply::fail(405, "unsupported operation");
  auto res = writeRole(rq.fields, rq.op == "patch" ? &it->second : nullptr);
  if (!res) return Reply::fail(400, res.error().message);
  Reply r;
  if (!resolveIssuer(res->role.issuerRef)) {
    if (res->role.issuerRef == "default")
      r.warnings.push_back(
          "Issuing Certificate was set to default, but no default issuing certificate "
          "(configurable at /config/issuers) is currently set");
    else
      r.warnings.push_back("Issuing Certificate was set to " + res->role.issuerRef +
                           " but no issuing certificate currently has that name");
  }
  for (auto& w : res->warnings) r.warnings.push_back(w);
  auto v = roleToJson(res->role, r.alloc());
  r.data.CopyFrom(v, r.alloc());
  roles_[name] = std::move(res->role);
  return r;
}

PkiIssuer* PkiBackend::resolveIssuer(const std::string& ref) {
  std::string want = ref == "default" || ref.empty() ? defaultIssuer_ : ref;
  for (auto& is : issuers_)
    if (is.id == want || (!is.name.empty() && is.name == want)) return &is;
  return nullptr;
}

PkiIssuer& PkiBackend::addIssuer(X509Ptr cert, PKeyPtr key, std::string name,
                                 std::vector<std::string> parents) {
  PkiIssuer is;
  is.id = uuid();
  is.name = std::move(name);
  is.keyId = key ? uuid() : "";
  is.chain.push_back(certPem(cert.get()));
  for (auto& p : parents) is.chain.push_back(std::move(p));
  is.cert = std::move(cert);
  is.key = std::move(key);
  if (defaultIssuer_.empty()) defaultIssuer_ = is.id;
  issuers_.push_back(std::move(is));
  return issuers_.back();
}

void PkiBackend::storeCert(X509* cert) {
  certs_[serialColonHex(cert)] = StoredCert{certPem(cert), notAfterUnix(cert), 0};
}

Reply PkiBackend::configIssuers(Request& rq) {
  if (rq.op == "update" || rq.op == "create") {
    auto ref = rq.fields.str("default");
    if (!ref) return Reply::fail(400, ref.error().message);
    PkiIssuer* is = resolveIssuer(*ref);
    if (!is) return Reply::fail(400, "unable to resolve issuer reference: " + *ref);
    defaultIssuer_ = is->id;
  }
  Reply r;
  sim::addString(r.d(), "default", defaultIssuer_, r.alloc());
  r.d().AddMember("default_follows_latest_issuer", false, r.alloc());
  return r;
}

Reply PkiBackend::fetch(Request& rq) {
  const std::string& p = rq.path;
  PkiIssuer* def = resolveIssuer("default");
  auto raw = [](int status, std::string body, const char* type) {
    http::ServerResponse resp;
    resp.status = status;
    if (!body.empty()) resp.headers.push_back({"Content-Type", type});
    resp.body = std::move(body);
    return Reply::rawResponse(std::move(resp));
  };
  if (p == "ca/pem")
    return def ? raw(200, certPem(def->cert.get()), "application/pem-certificate-chain")
               : raw(204, "", "");
  if (p == "ca")
    return def ? raw(200, certDer(def->cert.get()), "application/pkix-cert") : raw(204, "", "");
  std::string chainPem;
  if (def)
    for (const auto& c : def->chain) chainPem += (chainPem.empty() ? "" : "\n") + c;
  if (p == "ca_chain") return raw(def ? 200 : 204, chainPem, "application/pkix-cert");
  if (p.rfind("cert/", 0) == 0) {
    auto serial = p.substr(5);
    bool rawDer = false, rawPem = false;
    if (serial.ends_with("/raw/pem")) {
      rawPem = true;
      serial.resize(serial.size() - 8);
    } else if (serial.ends_with("/raw")) {
      rawDer = true;
      serial.resize(serial.size() - 4);
    }
    std::string pem;
    std::int64_t revokedAt = 0;
    if (serial == "ca_chain") {
      if (!def) return Reply::failEmpty(404);
      pem = chainPem;
    } else if (serial == "ca") {
      if (!def) return Reply::failEmpty(404);
      pem = certPem(def->cert.get());
    } else {
      auto it = certs_.find(normaliseSerial(serial));
      if (it == certs_.end()) return Reply::failEmpty(404);
      pem = it->second.pem;
      revokedAt = it->second.revokedAt;
    }
    if (rawPem) return raw(200, pem, "application/pem-certificate-chain");
    if (rawDer) {
      auto c = parseCertPem(pem);
      return c ? raw(200, certDer(c->get()), "application/pkix-cert") : Reply::failEmpty(500);
    }
    Reply r;
    auto& a = r.alloc();
    sim::addString(r.d(), "certificate", pem, a);
    if (serial == "ca_chain") sim::addString(r.d(), "ca_chain", pem, a);
    r.d().AddMember("revocation_time", revokedAt, a);
    sim::addString(r.d(), "revocation_time_rfc3339",
                   revokedAt ? rfc3339Nano(Clock::WallTime(std::chrono::seconds(revokedAt))) : "",
                   a);
    if (revokedAt && def) sim::addString(r.d(), "issuer_id", def->id, a);
    return r;
  }
  return Reply::fail(405, "unsupported operation");
}

Reply PkiBackend::revoke(Request& rq) {
  auto serialIn = rq.fields.strOr("serial_number", "");
  auto certIn = rq.fields.strOr("certificate", "");
  if (serialIn.empty() && certIn.empty())
    return Reply::fail(400, "The serial number or certificate to revoke must be provided.");
  if (!serialIn.empty() && !certIn.empty())
    return Reply::fail(400,
                       "Must provide either the certificate or the serial to revoke; not both.");
  std::string serial = normaliseSerial(serialIn);
  if (!certIn.empty()) {
    auto c = parseCertPem(certIn);
    if (!c) return Reply::fail(400, "certificate could not be parsed");
    serial = serialColonHex(c->get());
  }
  for (const auto& is : issuers_)
    if (serialColonHex(is.cert.get()) == serial)
      return Reply::fail(400, "adding issuer (id: " + is.id + ") to its own CRL is not allowed");
  auto it = certs_.find(serial);
  if (it == certs_.end())
    return Reply::fail(400,
                       "certificate with serial " + serial + " not found or was already revoked");
  auto now = unixSeconds(core_.now());
  Reply r;
  if (!it->second.revokedAt && it->second.notAfter < now + 2) {
    r.warnings.push_back("certificate with serial " + serial +
                         " already expired; refusing to add to CRL");
    return r;
  }
  if (!it->second.revokedAt) it->second.revokedAt = now;
  auto& a = r.alloc();
  r.d().AddMember("revocation_time", it->second.revokedAt, a);
  sim::addString(r.d(), "revocation_time_rfc3339",
                 rfc3339Nano(Clock::WallTime(std::chrono::seconds(it->second.revokedAt))), a);
  sim::addString(r.d(), "state", "revoked", a);
  return r;
}

Reply PkiBackend::tidy(Request& rq) {
  auto certStore = rq.fields.boolean("tidy_cert_store", false);
  auto revoked = rq.fields.boolean("tidy_revoked_certs", false);
  auto buffer = rq.fields.seconds("safety_buffer", 259200);
  if (!certStore || !revoked || !buffer) return Reply::fail(400, "invalid tidy parameters");
  Reply r;
  r.status = 202;
  if (!*certStore && !*revoked) {
    r.warnings.push_back(
        "Manual tidy requested but no tidy operations were set. Enable at least one tidy operation "
        "to be run (tidy_cert_store, tidy_revoked_certs, tidy_manual_serials, "
        "tidy_expired_issuers, tidy_move_legacy_ca_bundle, tidy_revocation_queue, "
        "tidy_cross_cluster_revoked_certs, tidy_acme).");
    return r;
  }
  auto cutoff = unixSeconds(core_.now()) - *buffer;
  std::erase_if(certs_, [&](const auto& kv) {
    return kv.second.notAfter < cutoff && (*certStore || (*revoked && kv.second.revokedAt));
  });
  lastTidy_ = unixSeconds(core_.now());
  r.warnings.push_back(
      "Tidy operation successfully started. Any information from the operation will be printed to "
      "Vault's server logs.");
  return r;
}

std::unique_ptr<Backend> makePkiBackend(Core& core) {
  return std::make_unique<PkiBackend>(core);
}

}  // namespace nc::vault_sim
