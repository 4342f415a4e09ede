// NomadClient: the NomadApi implementation over an http::Transport.
#pragma once

#include <functional>
#include <string>

#include "http/transport.hpp"
#include "nomad/nomad_api.hpp"

namespace nc::nomad {

/// TLS file paths for the transport (what lib/config's TlsConfig carries).
struct TlsFiles {
  std::string caCert, caPath, clientCert, clientKey, serverName;
  bool insecureSkipVerify = false;
};

struct Options {
  std::string address = "http://127.0.0.1:4646";  ///< NOMAD_ADDR
  std::string nomadNamespace;                     ///< NOMAD_NAMESPACE; "" = server default
  std::string region;                             ///< NOMAD_REGION; "" = agent's region
  TlsFiles tls;
  std::string token;      ///< NOMAD_TOKEN (fixed)
  std::string tokenFile;  ///< or a file, read by the token callback the caller installs
  Duration requestTimeout = Duration::seconds(30);
};

/// Supplies the ACL token per request ("" = none). Never logged.
using TokenProvider = std::function<Result<std::string>()>;

class NomadClient final : public NomadApi {
 public:
  NomadClient(http::TransportPtr transport, TokenProvider token, Options options = {});

  Task<Indexed<std::vector<JobStub>>> listJobs(QueryOptions q) override;
  Task<Indexed<Job>> readJob(std::string id, QueryOptions q) override;
  Task<RegisterResult> registerJob(std::string jobJson, RegisterOptions options) override;
  Task<PlanResult> planJob(std::string jobJson, bool diff) override;
  Task<std::string> parseJob(std::string hcl, bool canonicalize, std::string variables) override;
  Task<DeregisterResult> deregisterJob(std::string id, bool purge) override;
  Task<Indexed<std::vector<Job>>> jobVersions(std::string id, QueryOptions q) override;
  Task<Indexed<std::vector<Allocation>>> jobAllocations(std::string id, QueryOptions q) override;

  Task<Indexed<std::vector<Allocation>>> listAllocations(QueryOptions q) override;
  Task<Indexed<Allocation>> readAllocation(std::string id, QueryOptions q) override;

  Task<FileInfo> statFile(std::string allocId, std::string path) override;
  Task<std::vector<FileInfo>> listFiles(std::string allocId, std::string path) override;
  Task<std::string> catFile(std::string allocId, std::string path) override;
  Task<std::string> readFileAt(std::string allocId, std::string path, std::int64_t offset,
                               std::int64_t limit) override;
  Task<std::string> readFile(std::string allocId, std::string path) override;

  Task<ExecResult> exec(std::string allocId, std::string task, std::vector<std::string> command,
                        ExecOptions options) override;

  Task<Indexed<Variable>> readVariable(std::string path, QueryOptions q) override;
  Task<Variable> putVariable(std::string path, std::map<std::string, std::string> items,
                             std::optional<std::uint64_t> cas) override;
  Task<void> deleteVariable(std::string path, std::optional<std::uint64_t> cas) override;
  Task<Variable> acquireLock(std::string path, Duration ttl, Duration lockDelay) override;
  Task<Variable> renewLock(std::string path, std::string lockId) override;
  Task<void> releaseLock(std::string path, std::string lockId) override;

  EventStreamPtr subscribe(EventStreamOptions options) override;

  Task<AgentHealth> agentHealth() override;
  Task<std::string> leader() override;

  /// Builds a request with token, namespace/region parameters and timeout. `query` is
  /// "a=1&b=2" (already encoded) and `ns` overrides the namespace ("" = client default).
  Result<http::Request> makeRequest(std::string method, std::string path, std::string query,
                                    std::string body, std::string ns = {}) const;
  const http::TransportPtr& transport() const { return transport_; }

 private:
  /// Sends; a non-2xx status becomes the mapped error.
  Task<http::Response> checked(http::Request request);
  Task<http::Response> get(std::string path, std::string query, const QueryOptions& q);
  std::string queryString(const QueryOptions& q) const;
  Task<Variable> lockOp(std::string path, std::string op, std::string body);

  http::TransportPtr transport_;
  TokenProvider token_;
  Options options_;
};

}  // namespace nc::nomad
