// nomad-sim's HTTP API: routing, Nomad's HTTP conventions (ACL, namespaces, blocking queries,
// plain-text errors), the /v1 endpoints and the /_sim/ admin endpoints.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "http/server.hpp"

namespace nc::nomadsim {

struct ApiOptions {
  std::string aclToken;  ///< management token; empty = ACLs disabled
  std::string region = "global";
  std::string datacenter = "dc1";
  std::string vaultAddr;
  std::string vaultJwtMount = "jwt-nomad";  ///< the clients' jwt_auth_backend_path
  int vaultRetryAttempts = 3;
  int vaultRetryBaseMs = 100;
  int templateEventRateMs = 3000;  ///< delay of a template's "Missing: ..." event
  std::string dataDir;
  bool tls = false;
  Duration heartbeat = Duration::seconds(30);  ///< event stream heartbeat interval
  Duration maxWait = Duration::seconds(300);   ///< blocking query cap
};

class NomadApi {
 public:
  /// Generates the signing key; fails only if OpenSSL does.
  static Result<std::unique_ptr<NomadApi>> create(boost::asio::io_context& io, ApiOptions options,
                                                  ClockPtr clock);
  virtual ~NomadApi() = default;
  /// The request handler to give to http::startServer.
  virtual http::Handler handler() = 0;
  /// Ends blocking queries and event streams (before the server stops).
  virtual void shutdown() = 0;
};

}  // namespace nc::nomadsim
