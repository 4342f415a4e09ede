// In-memory VaultApi and NomadApi fakes that mimic the normalisation the real servers apply.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "nomad/nomad_api.hpp"
#include "vault/vault_api.hpp"

namespace nc::reconcile::testing {

/// Runs one awaitable to completion on a fresh io_context.
template <class T>
T runSync(boost::asio::awaitable<T> a) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
  io.run();
  return f.get();
}

class FakeVault : public vault::VaultApi {
 public:
  template <class T>
  using Task = vault::Task<T>;
  std::map<std::string, vault::Mount> mounts, authMounts;  // "pki/" -> mount
  std::map<std::string, vault::MountTune> tunes;           // "pki" -> tune
  std::map<std::string, std::string> pkiRoles;             // "mount/name" -> data JSON
  std::map<std::string, std::string> policies;
  std::map<std::string, std::string> jwtConfigs, jwtRoles;  // data JSON
  int writes = 0, reads = 0;
  std::function<std::optional<Error>(const std::string& op)> fault;  // op name -> injected error

  std::optional<Error> check(const std::string& op, bool write);

  Task<vault::HealthStatus> health(vault::HealthQuery) override;
  Task<vault::SealStatus> sealStatus() override;
  Task<std::vector<vault::Mount>> listMounts() override;
  Task<void> enableMount(std::string path, vault::MountSpec spec) override;
  Task<vault::MountTune> readMountTune(std::string path) override;
  Task<void> tuneMount(std::string path, vault::MountTuneUpdate update) override;
  Task<vault::PkiRole> readPkiRole(std::string mount, std::string name) override;
  Task<void> writePkiRole(std::string mount, std::string name, vault::PkiRole role) override;
  Task<vault::PkiRole> patchPkiRole(std::string, std::string, std::string) override;
  Task<std::vector<std::string>> listPkiRoles(std::string mount) override;
  Task<void> deletePkiRole(std::string mount, std::string name) override;
  Task<vault::IssuedCertificate> issue(std::string, std::string, vault::IssueRequest) override;
  Task<std::string> caChain(std::string) override;
  Task<std::vector<std::string>> listCertificates(std::string) override;
  Task<vault::CertificateRecord> readCertificate(std::string, std::string) override;
  Task<vault::AclPolicy> readPolicy(std::string name) override;
  Task<void> putPolicy(std::string name, std::string text) override;
  Task<std::vector<std::string>> listPolicies() override;
  Task<void> deletePolicy(std::string name) override;
  Task<std::vector<vault::Mount>> listAuthMounts() override;
  Task<void> enableAuth(std::string path, vault::MountSpec spec) override;
  Task<vault::JwtConfig> readJwtConfig(std::string mount) override;
  Task<void> writeJwtConfig(std::string mount, vault::JwtConfig config) override;
  Task<vault::JwtRole> readJwtRole(std::string mount, std::string name) override;
  Task<void> writeJwtRole(std::string mount, std::string name, vault::JwtRole role) override;
  Task<std::vector<std::string>> listJwtRoles(std::string mount) override;
  Task<vault::TokenInfo> lookupSelf() override;
};

/// Jobs are stored as the submitted JSON; plan diffs compare top-level members (and Meta keys).
class FakeNomad : public nomad::NomadApi {
 public:
  template <class T>
  using Task = nomad::Task<T>;
  struct StoredJob {
    std::string json;
    std::uint64_t modifyIndex = 0, jobModifyIndex = 0;
    bool stop = false;
  };
  std::map<std::string, StoredJob> jobs;  // id
  std::map<std::string, nomad::Variable> vars;
  std::uint64_t index = 10;
  int listJobsCalls = 0, planCalls = 0, registers = 0, deregisters = 0, parseCalls = 0;
  int acquireCalls = 0, renewCalls = 0, releaseCalls = 0;
  std::string lockHolder;  // "" = free; "other" = someone else
  bool failRenew = false;
  std::optional<Error> listJobsError;
  std::uint64_t lastListIndex = 0;  ///< `index` of the last listJobs query

  void putJob(const std::string& id, std::string json);  // out-of-band register

  Task<nomad::Indexed<std::vector<nomad::JobStub>>> listJobs(nomad::QueryOptions q) override;
  Task<nomad::Indexed<nomad::Job>> readJob(std::string id, nomad::QueryOptions q) override;
  Task<nomad::RegisterResult> registerJob(std::string jobJson, nomad::RegisterOptions o) override;
  Task<nomad::PlanResult> planJob(std::string jobJson, bool diff) override;
  Task<std::string> parseJob(std::string hcl, bool canonicalize, std::string vars) override;
  Task<nomad::DeregisterResult> deregisterJob(std::string id, bool purge) override;
  Task<nomad::Indexed<std::vector<nomad::Job>>> jobVersions(std::string,
                                                            nomad::QueryOptions) override;
  Task<nomad::Indexed<std::vector<nomad::Allocation>>> jobAllocations(std::string,
                                                                      nomad::QueryOptions) override;
  Task<nomad::Indexed<std::vector<nomad::Allocation>>> listAllocations(
      nomad::QueryOptions) override;
  Task<nomad::Indexed<nomad::Allocation>> readAllocation(std::string, nomad::QueryOptions) override;
  Task<nomad::FileInfo> statFile(std::string, std::string) override;
  Task<std::vector<nomad::FileInfo>> listFiles(std::string, std::string) override;
  Task<std::string> catFile(std::string, std::string) override;
  Task<std::string> readFileAt(std::string, std::string, std::int64_t, std::int64_t) override;
  Task<std::string> readFile(std::string, std::string) override;
  Task<nomad::ExecResult> exec(std::string, std::string, std::vector<std::string>,
                               nomad::ExecOptions) override;
  Task<nomad::Indexed<nomad::Variable>> readVariable(std::string path,
                                                     nomad::QueryOptions q) override;
  Task<nomad::Variable> putVariable(std::string path, std::map<std::string, std::string> items,
                                    std::optional<std::uint64_t> cas) override;
  Task<void> deleteVariable(std::string path, std::optional<std::uint64_t> cas) override;
  Task<nomad::Variable> acquireLock(std::string path, Duration ttl, Duration delay) override;
  Task<nomad::Variable> renewLock(std::string path, std::string id) override;
  Task<void> releaseLock(std::string path, std::string id) override;
  nomad::EventStreamPtr subscribe(nomad::EventStreamOptions) override { return nullptr; }
  Task<nomad::AgentHealth> agentHealth() override;
  Task<std::string> leader() override;
};

}  // namespace nc::reconcile::testing
