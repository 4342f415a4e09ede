// Agent and status endpoints (§9), the JWKS, and single evaluation reads.
#include <fmt/format.h>

#include "api_impl.hpp"

namespace nc::nomadsim {

ServerResponse ApiImpl::agentRoute(const ServerRequest& req) {
  const std::string& path = req.path;
  if (req.method != "GET" && path != "/v1/agent/health") return text(405, "Invalid method");
  if (path == "/.well-known/jwks.json") {
    ServerResponse r = json(200, keys_->jwksJson(), std::nullopt);
    r.headers.push_back({"Cache-Control", "max-age=3600"});
    return r;
  }
  if (path == "/v1/agent/health") {
    auto type = param(req, "type").value_or("");
    std::string server =
        leader_ ? R"({"ok":true,"message":"ok"})" : R"({"ok":false,"message":"no leader"})";
    std::string body;
    if (type == "client") {
      body = R"({"client":{"ok":false,"message":"client not enabled"}})";
    } else {
      body = "{\"server\":" + server + "}";
    }
    bool ok = leader_ && type != "client";
    ServerResponse r;
    r.status = ok ? 200 : 500;
    r.headers.push_back({"Content-Type", ok ? "application/json" : "text/plain; charset=utf-8"});
    r.body = body;
    return r;
  }
  if (path == "/v1/status/leader")
    return json(200, leader_ ? "\"127.0.0.1:4647\"" : "\"\"", std::nullopt);
  if (path == "/v1/status/peers") return json(200, "[\"127.0.0.1:4647\"]", std::nullopt);
  if (path == "/v1/agent/self") {
    std::string version =
        R"({"Version":"2.0.6","VersionPrerelease":"","VersionMetadata":"","Revision":"nomad-sim"})";
    std::string body = fmt::format(
        R"({{"config":{{"Region":"{0}","Datacenter":"{1}","NodeName":"nomad-sim","Version":{2},)"
        R"("ACL":{{"Enabled":{3},"TokenTTL":0,"PolicyTTL":0,"RoleTTL":0}},)"
        R"("TLSConfig":{{"EnableHTTP":{4},"EnableRPC":{4},"VerifyHTTPSClient":false}},)"
        R"("Vaults":[{{"Name":"default","Enabled":true,"Addr":"{5}","JWTAuthBackendPath":"jwt-nomad"}}],)"
        R"("Server":{{"Enabled":true}},"Client":{{"Enabled":true}},"DataDir":"{6}"}},)"
        R"("member":{{"Name":"nomad-sim.{0}","Addr":"127.0.0.1","Port":4648,)"
        R"("Tags":{{"role":"nomad","region":"{0}","dc":"{1}","build":"2.0.6","vsn":"1","mvn":"1","port":"4647"}},)"
        R"("Status":"alive","ProtocolMin":1,"ProtocolMax":5,"ProtocolCur":2,"DelegateMin":2,"DelegateMax":5,"DelegateCur":4}},)"
        R"("stats":{{"nomad":{{"server":"true","leader":"{7}","known_regions":"1","bootstrap":"true"}},)"
        R"("raft":{{"state":"{8}","last_log_index":"{9}","applied_index":"{9}"}},"serf":{{"members":"1"}},)"
        R"("runtime":{{"arch":"amd64","os":"linux","version":"go1.24"}}}}}})",
        opt_.region, opt_.datacenter, version, opt_.aclToken.empty() ? "false" : "true",
        opt_.tls ? "true" : "false", opt_.vaultAddr, opt_.dataDir, leader_ ? "true" : "false",
        leader_ ? "Leader" : "Follower", state_.index());
    return json(200, body, std::nullopt);
  }
  if (path.rfind("/v1/evaluation/", 0) == 0) {
    auto e = state_.evalJson(path.substr(std::string("/v1/evaluation/").size()));
    if (!e) return text(404, "eval not found");
    return json(200, *e, state_.tableIndex("evals"));
  }
  return text(404, "");
}

}  // namespace nc::nomadsim
