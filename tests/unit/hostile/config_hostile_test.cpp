// Hostile desired state, daemon config and job files: deep nesting, alias bombs, invalid UTF-8,
// huge values and lists, wrong types, special files. Each must be a located error, not a crash.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/load.hpp"

namespace nc::config {
namespace {

namespace fs = std::filesystem;

class Dir {
 public:
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "nc-hostile-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& content) const {
    auto p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Case {
  std::string name;
  std::string desired;                // ds.yaml
  std::vector<std::string> expected;  // every one must appear in one error's text
  std::vector<std::pair<std::string, std::string>> files = {};
};

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kJobHead = "version: 1\nnomad:\n  jobs:\n    - file: ";

std::vector<Case> desiredCases() {
  const std::string bigList =
      "version: 1\nvault:\n  mounts:\n" + repeat("    - {path: m, type: pki}\n", 20000);
  std::string aliasBomb = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i)
    aliasBomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" +
                 repeat("*a" + std::to_string(i - 1) + ", ", 9) + "*a" + std::to_string(i - 1) +
                 "]\n";
  aliasBomb += "vault:\n  mounts: *a11\n";
  return {
      {"yaml_deeply_nested_flow",
       "version: 1\nvault:\n  mounts: " + repeat("[", 100000) + "\n",
       {"ds.yaml"}},
      {"yaml_deeply_nested_block",
       "version: 1\nvault:\n" +
           [] {
             std::string s;
             for (int i = 0; i < 3000; ++i) s += std::string(2 * (i + 1), ' ') + "k:\n";
             return s;
           }(),
       {"ds.yaml"}},
      {"yaml_alias_bomb", aliasBomb, {"ds.yaml"}},
      {"yaml_invalid_utf8_value",
       "version: 1\nvault:\n  mounts:\n    - path: \xff\xfe\x80\n      type: pki\n",
       {"ds.yaml", "line 4"}},
      {"yaml_nul_byte",
       "version: 1\nvault:\n  mounts: []\n" + std::string(3, '\0'),
       {"ds.yaml", "line 4"}},
      {"yaml_huge_list_wrong_items", bigList, {"ds.yaml", "vault.mounts"}},
      {"yaml_megabyte_number",
       "version: 1\nvault:\n  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
       "        ttl: " +
           std::string(1 << 20, '9') + "\n",
       {"ds.yaml:7", "vault.pki_roles[0].config.ttl"}},
      {"yaml_null_everywhere",
       "version: 1\nvault: ~\nnomad:\n  jobs: [~, ~]\n",
       {"ds.yaml", "nomad.jobs[0]"}},
      {"yaml_mapping_where_list",
       "version: 1\nvault:\n  policies: {name: x}\n",
       {"ds.yaml:3", "vault.policies"}},
      {"yaml_integer_overflow_duration",
       "version: 1\nvault:\n  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
       "        ttl: 99999999999999999999999h\n",
       {"ds.yaml:7", "vault.pki_roles[0].config.ttl"}},
      {"yaml_integer_seconds_overflow",
       "version: 1\nvault:\n  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
       "        max_ttl: 18446744073709551617\n",
       {"ds.yaml:7", "vault.pki_roles[0].config.max_ttl"}},
      {"yaml_version_as_mapping", "version: {a: [1, 2]}\n", {"ds.yaml:1", "version"}},
      {"yaml_duplicate_keys", "version: 1\nversion: 1\n", {"ds.yaml:2", "version"}},
      {"yaml_threshold_nonsense",
       "version: 1\nnomad:\n  jobs:\n    - file: j.hcl\n      certificates:\n        - task: "
       "server\n"
       "          path: a.pem\n          warn_before: 1e999%\n",
       {"ds.yaml:8", "warn_before"},
       {{"j.hcl", "job \"web\" {\n  group \"g\" {\n    task \"server\" {}\n  }\n}\n"}}},
      // Job files.
      {"job_json_deeply_nested",
       kJobHead + "job.json\n",
       {"job.json:1", "nested deeper"},
       {{"job.json", "{\"Job\": " + repeat("[", 200000) + "}"}}},
      {"job_json_array_not_object",
       kJobHead + "job.json\n",
       {"job.json"},
       {{"job.json", "[1, 2, 3]\n"}}},
      {"job_json_id_wrong_type",
       kJobHead + "job.json\n",
       {"job.json"},
       {{"job.json", "{\"Job\": {\"ID\": 42, \"TaskGroups\": null}}\n"}}},
      {"job_json_truncated",
       kJobHead + "job.json\n",
       {"job.json:4", "invalid JSON"},
       {{"job.json", "{\"Job\": {\n  \"ID\": \"web\",\n  \"TaskGroups\": [\n"}}},
      {"job_json_invalid_utf8",
       kJobHead + "job.json\n",
       {"job.json"},
       {{"job.json", "{\"Job\": {\"ID\": \"w\xc3\x28\"}}\n"}}},
      {"job_hcl_binary",
       kJobHead + "job.hcl\n",
       {"job.hcl", "not a text file"},
       {{"job.hcl", std::string("job \"x\" {\x01\x02\x00\x7f", 13)}}},
      {"job_hcl_unbalanced",
       kJobHead + "job.hcl\n",
       {"job.hcl"},
       {{"job.hcl", "job \"web\" {\n  group \"g\" {\n    task \"t\" {\n"}}},
      {"job_hcl_two_jobs",
       kJobHead + "job.hcl\n",
       {"job.hcl"},
       {{"job.hcl", "job \"a\" {}\njob \"b\" {}\n"}}},
      {"job_file_is_directory",
       kJobHead + "jobs.hcl\n",
       {"ds.yaml:4", "is a directory"},
       {{"jobs.hcl/x", "x"}}},
      {"job_file_too_large",
       kJobHead + "big.hcl\n",
       {"big.hcl", "limit"},
       {{"big.hcl", "job \"a\" {}\n" + std::string(20 << 20, '#')}}},
      {"job_file_path_traversal_missing",
       kJobHead + "../../../../../nonexistent/x.hcl\n",
       {"ds.yaml:4", "no such file"}},
      {"policy_file_binary",
       "version: 1\nvault:\n  policies:\n    - name: p\n      file: p.hcl\n",
       {"p.hcl", "not a text file"},
       {{"p.hcl", std::string("path \"a\" {\xfe\xff}", 14)}}},
  };
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class DesiredStateHostile : public ::testing::TestWithParam<Case> {};

TEST_P(DesiredStateHostile, IsALocatedErrorNotACrash) {
  const Case& c = GetParam();
  Dir dir;
  for (const auto& [name, content] : c.files) dir.write(name, content);
  auto path = dir.write("ds.yaml", c.desired);
  auto start = std::chrono::steady_clock::now();
  auto loaded = loadDesiredState(path);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(20)) << "loading took too long";
  ASSERT_TRUE(loaded.diagnostics.hasErrors()) << "accepted: " << c.name;
  // One error names everything expected; no error is unbounded.
  bool found = false;
  std::string all;
  for (const auto& d : loaded.diagnostics.items()) {
    auto text = d.toString();
    EXPECT_LT(text.size(), 4096u) << "unbounded message: " << text.substr(0, 300);
    all += text.substr(0, 300) + "\n";
    bool every = true;
    for (const auto& e : c.expected) every = every && text.find(e) != std::string::npos;
    found = found || every;
  }
  EXPECT_TRUE(found) << "no error names all of the expected parts; errors:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(Cases, DesiredStateHostile, ::testing::ValuesIn(desiredCases()),
                         [](const auto& info) { return info.param.name; });

struct ConfigCase {
  std::string name;
  std::string text;
  std::vector<std::string> expected;
  std::vector<std::pair<std::string, std::string>> files = {};
};

std::vector<ConfigCase> configCases() {
  const std::string head = "desired_state: ds.yaml\n";
  return {
      {"listen_garbage",
       head + "health:\n  listen: \"999.1.1.1:99999\"\n",
       {"config.yaml:3", "health.listen"}},
      {"interval_overflow",
       head + "reconcile:\n  interval: 9999999999999999999999s\n",
       {"config.yaml:3", "reconcile.interval"}},
      {"concurrency_huge",
       head + "certificates:\n  concurrency: 100000000000000\n",
       {"config.yaml:3", "certificates.concurrency"}},
      {"writes_per_second_nan",
       head + "reconcile:\n  max_writes_per_second: .nan\n",
       {"config.yaml:3", "reconcile.max_writes_per_second"}},
      {"token_file_missing",
       head + "nomad:\n  token_file: /nonexistent/token\n",
       {"config.yaml:3", "nomad.token_file"}},
      {"ca_cert_is_directory",
       head + "vault:\n  tls:\n    ca_cert: /\n",
       {"config.yaml:4", "vault.tls.ca_cert"}},
      {"sinks_wrong_type", head + "alerts:\n  sinks: 12\n", {"config.yaml:3", "alerts.sinks"}},
      {"sink_url_garbage",
       head + "alerts:\n  sinks:\n    - {type: webhook, url: \"::not a url\"}\n",
       {"config.yaml:4", "alerts.sinks[0]"}},
  };
}

void PrintTo(const ConfigCase& c, std::ostream* os) {
  *os << c.name;
}

class DaemonConfigHostile : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(DaemonConfigHostile, IsALocatedErrorNotACrash) {
  const ConfigCase& c = GetParam();
  Dir dir;
  dir.write("ds.yaml", "version: 1\n");
  for (const auto& [name, content] : c.files) dir.write(name, content);
  auto path = dir.write("config.yaml", c.text);
  auto loaded = loadDaemonConfig(path, Environment{});
  ASSERT_TRUE(loaded.diagnostics.hasErrors()) << "accepted: " << c.name;
  bool found = false;
  std::string all;
  for (const auto& d : loaded.diagnostics.items()) {
    auto text = d.toString();
    all += text.substr(0, 300) + "\n";
    bool every = true;
    for (const auto& e : c.expected) every = every && text.find(e) != std::string::npos;
    found = found || every;
  }
  EXPECT_TRUE(found) << "no error names all of the expected parts; errors:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(Cases, DaemonConfigHostile, ::testing::ValuesIn(configCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace nc::config
