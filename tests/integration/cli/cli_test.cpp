// Runs the built nomad-certd binary: version, check-config exit codes and output, JSON output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <rapidjson/document.h>

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exitCode = -1;
  std::string out, err;
};

std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "nc-cli-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs the binary with a clean environment (plus `env`), capturing stdout and stderr.
RunResult run(const std::string& args, const std::string& env = "") {
  TempDir tmp;
  const fs::path errFile = tmp.path() / "stderr";
  const std::string cmd = "cd " + shellQuote(NC_SOURCE_DIR) + " && env -i PATH=/usr/bin:/bin " +
                          env + " " + shellQuote(NC_CERTD_BIN) + " " + args + " 2>" +
                          shellQuote(errFile.string());
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errFile);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

TEST(Cli, VersionPrintsNameAndVersion) {
  const RunResult r = run("version");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out.rfind("nomad-certd 0.1.0", 0), 0u) << r.out;
}

TEST(Cli, VersionJsonParses) {
  const RunResult r = run("version --output json");
  ASSERT_EQ(r.exitCode, 0);
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_STREQ(d["name"].GetString(), "nomad-certd");
  EXPECT_TRUE(d.HasMember("openssl"));
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd : {"run", "plan", "apply", "validate", "certs", "check-config", "version"}) {
    const RunResult r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.exitCode, 0) << cmd;
    EXPECT_NE(r.out.find("--config"), std::string::npos) << cmd << ": " << r.out;
    EXPECT_NE(r.out.find("--output"), std::string::npos) << cmd;
  }
  EXPECT_NE(run("apply --help").out.find("--yes"), std::string::npos);
}

TEST(Cli, UsageErrorsExitOne) {
  EXPECT_EQ(run("").exitCode, 1);
  EXPECT_EQ(run("frobnicate").exitCode, 1);
  EXPECT_EQ(run("check-config --output yaml").exitCode, 1);
}

TEST(Cli, CheckConfigPassesOnTheShippedExamples) {
  const RunResult r = run("check-config --config config/config.yaml");
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 jobs"), std::string::npos) << r.out;
}

TEST(Cli, CheckConfigJsonParses) {
  const RunResult r = run("check-config --config config/config.yaml --output json");
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_TRUE(d["ok"].GetBool());
  EXPECT_STREQ(d["result"].GetString(), "ok");
  EXPECT_EQ(d["resources"]["jobs"].GetInt(), 3);
  EXPECT_EQ(d["diagnostics"].GetArray().Size(), 0u);
}

TEST(Cli, CheckConfigErrorsExitOneAndListEveryError) {
  TempDir dir;
  dir.write("ds.yaml",
            "version: 1\nvault:\n  pki_roles:\n    - mount: pki\n      name: web\n"
            "      config:\n        ttl: 24 hours\n        allow_subdomain: true\n");
  const auto cfg = dir.write("config.yaml", "desired_state: ds.yaml\nlog: {level: loud}\n");
  const RunResult r = run("check-config --config " + shellQuote(cfg.string()));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.out.find("config.yaml:2:14: log.level: invalid value \"loud\""), std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("ds.yaml:7:14: vault.pki_roles[0].config.ttl: invalid duration \"24 hours\""),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("ds.yaml:8:9: vault.pki_roles[0].config.allow_subdomain: unknown Vault "
                       "field (did you mean \"allow_subdomains\"?)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("3 errors"), std::string::npos) << r.out;

  const RunResult j = run("check-config -o json --config " + shellQuote(cfg.string()));
  EXPECT_EQ(j.exitCode, 1);
  rapidjson::Document d;
  d.Parse(j.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << j.out;
  EXPECT_FALSE(d["ok"].GetBool());
  EXPECT_EQ(d["errors"].GetInt(), 3);
  const auto& first = d["diagnostics"][0];
  EXPECT_STREQ(first["field"].GetString(), "log.level");
  EXPECT_EQ(first["line"].GetInt(), 2);
  EXPECT_EQ(first["column"].GetInt(), 14);
}

TEST(Cli, CheckConfigWarningsExitTwo) {
  TempDir dir;
  dir.write("ds.yaml",
            "version: 1\nvault:\n  pki_roles:\n    - {mount: pki, name: web, config: {ttl: 1h}}\n");
  const auto cfg = dir.write("config.yaml", "desired_state: ds.yaml\n");
  const RunResult r = run("check-config --config " + shellQuote(cfg.string()));
  EXPECT_EQ(r.exitCode, 2) << r.out;
  EXPECT_NE(r.out.find("warning: vault.pki_roles[0].mount"), std::string::npos) << r.out;
}

TEST(Cli, DesiredStateOverrideAndMissingConfig) {
  TempDir dir;
  const auto ds = dir.write("other.yaml", "version: 1\n");
  const RunResult ok =
      run("check-config --config config/config.yaml --desired-state " + shellQuote(ds.string()));
  EXPECT_EQ(ok.exitCode, 0) << ok.out;
  const RunResult missing = run("check-config --config /nonexistent/config.yaml");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.out.find("/nonexistent/config.yaml"), std::string::npos) << missing.out;
}

TEST(Cli, CredentialsDirectoryIsHonouredAndTokensStaySecret) {
  TempDir dir;
  dir.write("creds/vault-token", "hvs.TOPSECRET\n");
  const RunResult r = run("check-config --config config/config.yaml",
                          "VAULT_TOKEN=hvs.ENVSECRET CREDENTIALS_DIRECTORY=" +
                              shellQuote((dir.path() / "creds").string()));
  // nomad-token is named in config.yaml but absent from the credentials directory.
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_NE(r.out.find("credential \"nomad-token\" not found"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(r.out.find("ENVSECRET"), std::string::npos);
}

}  // namespace
