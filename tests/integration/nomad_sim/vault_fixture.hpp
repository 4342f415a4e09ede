// The Vault template test fixture: vault-sim bootstrapped with PKI, policies and the jwt-nomad
// auth method trusting a nomad-sim started with --vault-addr; helpers to register jobs and read
// allocations, events, certificates and files.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../clients/sim_process.hpp"
#include "json.hpp"
#include "sim_client.hpp"

namespace nc::nomadsim::test {

namespace fs = std::filesystem;

std::string readAll(const fs::path& p);
std::string jsonStr(const std::string& s);

struct CertInfo {
  std::string cn, serial;
  long lifetime = 0;  ///< notAfter - now, seconds
};
CertInfo certInfo(const std::string& pem);
/// Runs a shell command, stdout and stderr together.
std::string run(const std::string& cmd);
int mode(const fs::path& p);
/// Whether some entry starts with prefix.
bool contains(const std::vector<std::string>& v, const std::string& prefix);

/// A job "name" in group "g" with one task per (task, change_mode), each rendering a certificate
/// of the given TTL into secrets/cert.pem with the splay; extra[task] replaces change_signal.
std::string renewJob(const std::string& name, const std::string& ttl,
                     const std::vector<std::pair<std::string, std::string>>& tasks,
                     const std::string& splay = "0s",
                     const std::map<std::string, std::string>& extra = {});

class VaultTemplates : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static unsigned short vaultPort();
  static Doc vault(const std::string& method, const std::string& path, const std::string& body);
  static void bootstrapVault();

  Reply nomad(const std::string& method, const std::string& target, const std::string& body = "");
  void registerHcl(std::string hcl, const std::map<std::string, std::string>& replace = {});
  std::string jobFile(const std::string& name);
  /// Waits until `count` allocations of the job have the client status.
  Doc waitAllocs(const std::string& job, const std::string& status, std::size_t count,
                 std::chrono::seconds limit = std::chrono::seconds(20));
  Doc templates(const std::string& job);
  Doc alloc(const std::string& id);
  /// The task's events as "Type|DisplayMessage|task_signal".
  std::vector<std::string> events(const std::string& allocId, const std::string& task);
  /// The task's events as (Type|DisplayMessage, Time in ns).
  std::vector<std::pair<std::string, std::int64_t>> timedEvents(const std::string& allocId,
                                                                const std::string& task);
  void expectVerified(const fs::path& cert, const fs::path& chain);
  fs::path allocRoot(const std::string& id);

  static fs::path* dir_;
  static nc::testing::SimProcess* vault_;
  static SimProcess* nomad_;
};

}  // namespace nc::nomadsim::test
