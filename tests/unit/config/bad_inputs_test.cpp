// A table of bad configuration inputs: each must be reported with file, line, field and reason.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/load.hpp"
#include "test_files.hpp"

namespace nc::config {
namespace {

enum class Target { desiredState, daemonConfig };

struct BadCase {
  std::string name;
  Target target;
  std::string text;     ///< content of ds.yaml or config.yaml
  std::string file;     ///< file the finding must be placed in
  int line;             ///< line it must name
  std::string field;    ///< field path it must name
  std::string message;  ///< words the message must contain
  std::vector<std::pair<std::string, std::string>> extraFiles = {};
};

const std::string kJob = "job \"web\" {\n  group \"g\" {\n    task \"server\" {\n    }\n  }\n}\n";
const std::string kPolicy =
    "path \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n";

// Common preamble of desired-state cases (2 lines).
const std::string kHead = "version: 1\nvault:\n";

// clang-format off
std::vector<BadCase> cases() {
  const auto D = Target::desiredState;
  const auto C = Target::daemonConfig;
  const std::string ds = "ds.yaml", cfg = "config.yaml";
  return {
      {"malformed_yaml", D, "version: 1\nvault:\n  mounts: [\n    {path: a\n", ds, 5,
       "vault.mounts", "invalid YAML"},
      {"tab_indentation", D, "version: 1\nvault:\n\tmounts: []\n", ds, 3, "vault.mounts",
       "tab character"},
      {"version_wrong_type", D, "version: one\n", ds, 1, "version", "expected an integer"},
      {"version_unsupported", D, "version: 2\n", ds, 1, "version", "unsupported version 2"},
      {"version_missing", D, "defaults:\n  mode: report\n", ds, 1, "version",
       "missing required field"},
      {"unknown_top_key_typo", D, "version: 1\nvualt: {}\n", ds, 2, "vualt",
       "did you mean \"vault\""},
      {"unknown_role_key_typo", D, kHead + "  pki_roles:\n    - mount: pki\n      nmae: web\n", ds,
       5, "vault.pki_roles[0].nmae", "did you mean \"name\""},
      {"unknown_vault_field", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
               "        allow_subdomain: true\n",
       ds, 7, "vault.pki_roles[0].config.allow_subdomain", "did you mean \"allow_subdomains\""},
      {"read_only_vault_field", D,
       kHead +
           "  pki_roles:\n    - {mount: pki, name: web, config: {allow_token_displayname: true}}\n",
       ds, 4, "vault.pki_roles[0].config.allow_token_displayname", "read-only"},
      {"duration_with_words", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n        ttl: 24 "
               "hours\n",
       ds, 7, "vault.pki_roles[0].config.ttl", "invalid duration \"24 hours\""},
      {"duration_negative", D,
       kHead +
           "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n        max_ttl: -1h\n",
       ds, 7, "vault.pki_roles[0].config.max_ttl", "must not be negative"},
      {"bool_as_yes", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n        "
               "client_flag: yes\n",
       ds, 7, "vault.pki_roles[0].config.client_flag", "expected true or false"},
      {"list_given_mapping", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
               "        allowed_domains: {a: b}\n",
       ds, 7, "vault.pki_roles[0].config.allowed_domains", "expected a list of strings"},
      {"bad_enum_key_type", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n        key_type: "
               "rsaa\n",
       ds, 7, "vault.pki_roles[0].config.key_type", "did you mean \"rsa\""},
      {"key_bits_for_type", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
               "        key_type: ec\n        key_bits: 2048\n",
       ds, 8, "vault.pki_roles[0].config.key_bits", "not valid for key_type \"ec\""},
      {"ttl_above_max_ttl", D,
       kHead + "  pki_roles:\n    - mount: pki\n      name: web\n      config:\n"
               "        ttl: 48h\n        max_ttl: 24h\n",
       ds, 7, "vault.pki_roles[0].config.ttl", "must be less than \"max_ttl\""},
      {"duplicate_pki_role", D,
       kHead + "  mounts:\n    - {path: pki, type: pki}\n  pki_roles:\n"
               "    - {mount: pki, name: web}\n    - {mount: pki/, name: web}\n",
       ds, 7, "vault.pki_roles[1].name", "duplicate PKI role \"web\""},
      {"duplicate_mount", D,
       kHead + "  mounts:\n    - {path: pki, type: pki}\n    - {path: /pki/, type: pki}\n", ds, 5,
       "vault.mounts[1].path", "duplicate mount \"pki\""},
      {"role_on_non_pki_mount", D,
       kHead +
           "  mounts:\n    - {path: kv, type: kv}\n  pki_roles:\n    - {mount: kv, name: web}\n",
       ds, 6, "vault.pki_roles[0].mount", "not \"pki\""},
      {"duplicate_policy", D,
       kHead + "  policies:\n    - {name: p, policy: x}\n    - {name: p, policy: y}\n", ds, 5,
       "vault.policies[1].name", "duplicate policy \"p\""},
      {"policy_upper_case", D, kHead + "  policies:\n    - name: Web\n      policy: x\n", ds, 4,
       "vault.policies[0].name", "lower case"},
      {"policy_file_missing", D,
       kHead + "  policies:\n    - name: web\n      file: policies/nope.hcl\n", ds, 5,
       "vault.policies[0].file", "policies/nope.hcl\": no such file"},
      {"policy_file_and_inline",
       D,
       kHead + "  policies:\n    - name: web\n      file: p.hcl\n      policy: x\n",
       ds,
       6,
       "vault.policies[0].policy",
       "either file or policy",
       {{"p.hcl", kPolicy}}},
      {"policy_file_empty",
       D,
       kHead + "  policies:\n    - name: web\n      file: p.hcl\n",
       ds,
       5,
       "vault.policies[0].file",
       "is empty",
       {{"p.hcl", "# nothing\n"}}},
      {"duplicate_job",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.nomad.hcl\n    - file: web.nomad.hcl\n",
       ds,
       5,
       "nomad.jobs[1].file",
       "duplicate job \"web\"",
       {{"web.nomad.hcl", kJob}}},
      {"job_file_missing", D, "version: 1\nnomad:\n  jobs:\n    - file: jobs/gone.nomad.hcl\n", ds,
       4, "nomad.jobs[0].file", "jobs/gone.nomad.hcl"},
      {"job_file_extension",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.txt\n",
       ds,
       4,
       "nomad.jobs[0].file",
       "must end in .nomad.hcl",
       {{"web.txt", kJob}}},
      {"job_json_invalid",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.json\n",
       "web.json",
       3,
       "nomad.jobs[0].file",
       "invalid JSON",
       {{"web.json", "{\n  \"Job\": {\n    \"ID\" \"web\"\n  }\n}\n"}}},
      {"job_json_no_job",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.json\n",
       "web.json",
       1,
       "nomad.jobs[0].file",
       "\"Job\" object",
       {{"web.json", "{\"Name\": \"web\"}\n"}}},
      {"job_hcl_two_jobs",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n",
       ds,
       4,
       "nomad.jobs[0].file",
       "exactly one job",
       {{"web.hcl", kJob + kJob}}},
      {"job_hcl_unclosed_brace", D, "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n", "web.hcl", 1,
       "nomad.jobs[0].file", "is never closed",
       {{"web.hcl", "job \"web\" {\n  group \"g\" {\n    task \"t\" {\n"
                    "      config { args = [\"}\"] }\n    }\n}\n"}}},
      {"job_id_mismatch",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n      id: api\n",
       ds,
       5,
       "nomad.jobs[0].id",
       "differs from the job",
       {{"web.hcl", kJob}}},
      {"certificate_unknown_task",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n      certificates:\n"
       "        - task: servr\n          path: secrets/cert.pem\n",
       ds,
       6,
       "nomad.jobs[0].certificates[0].task",
       "did you mean \"server\"",
       {{"web.hcl", kJob}}},
      {"certificate_absolute_path",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n      certificates:\n"
       "        - task: server\n          path: /secrets/cert.pem\n",
       ds,
       7,
       "nomad.jobs[0].certificates[0].path",
       "must be relative",
       {{"web.hcl", kJob}}},
      {"certificate_bad_threshold",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n      certificates:\n"
       "        - task: server\n          path: secrets/cert.pem\n          warn_before: 150%\n",
       ds,
       8,
       "nomad.jobs[0].certificates[0].warn_before",
       "invalid threshold \"150%\"",
       {{"web.hcl", kJob}}},
      {"certificate_thresholds_inverted",
       D,
       "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n      certificates:\n"
       "        - task: server\n          path: secrets/cert.pem\n          warn_before: 1h\n"
       "          critical_before: 2h\n",
       ds,
       9,
       "nomad.jobs[0].certificates[0].critical_before",
       "must be less than warn_before",
       {{"web.hcl", kJob}}},
      {"duplicate_yaml_key", D, "version: 1\ndefaults:\n  mode: report\n  mode: enforce\n", ds, 4,
       "defaults.mode", "duplicate key"},
      {"defaults_mode_typo", D, "version: 1\ndefaults:\n  mode: enforced\n", ds, 3, "defaults.mode",
       "did you mean \"enforce\""},
      {"mounts_not_a_list", D, kHead + "  mounts:\n    path: pki\n", ds, 4, "vault.mounts",
       "expected a list"},
      {"jwt_role_without_user_claim", D,
       kHead + "  auth:\n    - path: jwt\n      type: jwt\n      config: {jwks_url: "
               "\"http://n:4646/.well-known/jwks.json\"}\n      roles:\n        - name: r\n"
               "          config:\n            role_type: jwt\n            bound_audiences: "
               "[vault.io]\n",
       ds, 10, "vault.auth[0].roles[0].config.user_claim", "user claim must be defined"},
      {"jwt_config_two_key_sources", D,
       kHead + "  auth:\n    - path: jwt\n      type: jwt\n      config:\n"
               "        jwks_url: http://n/jwks\n        oidc_discovery_url: https://n\n",
       ds, 8, "vault.auth[0].config.oidc_discovery_url", "exactly one of"},
      {"jwt_claim_mapping_to_role", D,
       kHead +
           "  auth:\n    - path: jwt\n      type: jwt\n      roles:\n        - name: r\n"
           "          config:\n            role_type: jwt\n            user_claim: sub\n"
           "            bound_audiences: [a]\n            claim_mappings: {nomad_job_id: role}\n",
       ds, 12, "vault.auth[0].roles[0].config.claim_mappings", "reserved"},
      {"multiple_documents", D, "version: 1\n---\nversion: 1\n", ds, 1, "<root>",
       "one YAML document"},
      // yaml-cpp 0.7 loops forever on a top-level ',' unless the loader guards against it.
      {"top_level_comma", D, "\n , ", ds, 2, "<root>", "unexpected \",\" where a value"},
      {"comma_after_document_marker", D, "version: 1\n---\n,\n", ds, 3, "<root>",
       "unexpected \",\""},
      {"comma_after_tag", C, "!t ,", cfg, 1, "<root>", "unexpected \",\""},
      {"empty_file", D, "", ds, 1, "<root>", "is empty"},
      {"comments_only_file", D, "# nothing here\n\n", ds, 1, "<root>", "is empty"},
      {"huge_file", D, "version: 1\n" + std::string(5 * 1024 * 1024, '#'), ds, 1, "<root>",
       "larger than the 4 MiB limit"},
      {"binary_garbage", D, "version: 1\nvault:\n  \x01\x02\xff\xfe", ds, 3, "vault",
       "not a text file"},
      {"nul_bytes", D, std::string("version: 1\n\0\0\0", 14), ds, 2, "version", "byte 0x00"},
      {"invalid_utf8", D, "version: 1\ndefaults:\n  mode: r\xc3\x28port\n", ds, 3, "defaults.mode",
       "expected UTF-8 text"},
      {"config_address_not_url", C, "desired_state: ds.yaml\nvault:\n  address: 127.0.0.1:8200\n",
       cfg, 3, "vault.address", "http:// or https:// URL"},
      {"config_unknown_key_typo", C, "desired_state: ds.yaml\nreconcile:\n  intervall: 5m\n", cfg,
       3, "reconcile.intervall", "did you mean \"interval\""},
      {"config_bad_interval", C, "desired_state: ds.yaml\nreconcile:\n  interval: 5 minutes\n", cfg,
       3, "reconcile.interval", "invalid duration"},
      {"config_listen", C, "desired_state: ds.yaml\nhealth:\n  listen: localhost\n", cfg, 3,
       "health.listen", "HOST:PORT"},
      {"config_log_level", C, "desired_state: ds.yaml\nlog:\n  level: verbose\n", cfg, 3,
       "log.level", "expected one of"},
      {"config_lock_ttl", C,
       "desired_state: ds.yaml\nreconcile:\n  leader_election:\n    ttl: 5s\n", cfg, 4,
       "reconcile.leader_election.ttl", "between 10s and 24h"},
      {"config_sink_without_url", C,
       "desired_state: ds.yaml\nalerts:\n  sinks:\n    - type: alertmanager\n", cfg, 4,
       "alerts.sinks[0].url", "missing required field"},
      {"config_duplicate_sink", C,
       "desired_state: ds.yaml\nalerts:\n  sinks:\n    - type: log\n    - type: log\n", cfg, 5,
       "alerts.sinks[1].name", "duplicate sink name"},
      {"config_missing_ca_file", C,
       "desired_state: ds.yaml\nnomad:\n  tls:\n    ca_cert: certs/ca.pem\n", cfg, 4,
       "nomad.tls.ca_cert", "certs/ca.pem"},
      {"config_client_cert_without_key",
       C,
       "desired_state: ds.yaml\nvault:\n  tls:\n    client_cert: c.pem\n",
       cfg,
       3,
       "vault.tls.client_key",
       "set together",
       {{"c.pem", "x"}}},
      {"config_concurrency_zero", C, "desired_state: ds.yaml\ncertificates:\n  concurrency: 0\n",
       cfg, 3, "certificates.concurrency", "between 1 and 256"},
      {"config_recheck_below_scan", C,
       "desired_state: ds.yaml\ncertificates:\n  scan_interval: 2m\n  recheck_interval: 1m\n", cfg,
       4, "certificates.recheck_interval", "must be at least scan_interval (2m"},
      {"config_token_file_missing", C,
       "desired_state: ds.yaml\nnomad:\n  token_file: secrets/nomad-token\n", cfg, 3,
       "nomad.token_file", "secrets/nomad-token"},
      {"config_wrong_section_type", C, "desired_state: ds.yaml\nvault: [a, b]\n", cfg, 2, "vault",
       "expected a mapping"},
  };
}
// clang-format on

// Shown by GoogleTest instead of the struct's bytes.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, IsReportedWithFileLineAndField) {
  const BadCase& c = GetParam();
  test::TempDir dir;
  for (const auto& [name, content] : c.extraFiles) dir.write(name, content);
  Diagnostics diags;
  if (c.target == Target::desiredState) {
    diags = loadDesiredState(dir.write("ds.yaml", c.text)).diagnostics;
  } else {
    dir.write("ds.yaml", "version: 1\n");
    diags = loadDaemonConfig(dir.write("config.yaml", c.text), Environment()).diagnostics;
  }
  ASSERT_TRUE(diags.hasErrors()) << "no error for " << c.name;
  const std::string expectedPlace = c.file + ":" + std::to_string(c.line) + ":";
  bool found = false;
  for (const auto& d : diags.items()) {
    const std::string text = d.toString();
    if (d.severity == Severity::error && d.where.file.ends_with(c.file) && d.where.line == c.line &&
        d.field == c.field && text.find(c.message) != std::string::npos &&
        text.find(expectedPlace) != std::string::npos &&
        text.find(c.field + ": ") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << "expected " << expectedPlace << " " << c.field << ": ..." << c.message
                     << "\ngot:\n"
                     << diags.toString();
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(BadInputs, TableIsLargeEnough) {
  EXPECT_GE(cases().size(), 30u);
}

TEST(BadInputs, AllErrorsOfAFileAreReportedTogether) {
  test::TempDir dir;
  const auto ds = dir.write("ds.yaml",
                            "version: 1\n"
                            "vault:\n"
                            "  pki_roles:\n"
                            "    - mount: pki\n"
                            "      name: web\n"
                            "      config:\n"
                            "        ttl: 24 hours\n"
                            "        client_flag: maybe\n"
                            "        allowed_domain: [a]\n"
                            "nomad:\n"
                            "  jobs:\n"
                            "    - file: missing.hcl\n");
  const auto d = loadDesiredState(ds).diagnostics;
  EXPECT_EQ(d.errorCount(), 4u) << d.toString();
  const std::string all = d.toString();
  EXPECT_NE(all.find("ds.yaml:7:14: vault.pki_roles[0].config.ttl: invalid duration \"24 hours\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("ds.yaml:8:22: vault.pki_roles[0].config.client_flag"), std::string::npos);
  EXPECT_NE(all.find("ds.yaml:9:9: vault.pki_roles[0].config.allowed_domain"), std::string::npos);
  EXPECT_NE(all.find("ds.yaml:12:13: nomad.jobs[0].file"), std::string::npos);
}

TEST(BadInputs, MissingReferencedFileNamesBothFiles) {
  test::TempDir dir;
  const auto ds = dir.write(
      "sub/ds.yaml", "version: 1\nvault:\n  policies:\n    - name: a\n      file: ../p/a.hcl\n");
  const auto d = loadDesiredState(ds).diagnostics;
  ASSERT_EQ(d.errorCount(), 1u);
  const std::string text = d.items().front().toString();
  EXPECT_NE(text.find("sub/ds.yaml:5:13"), std::string::npos) << text;
  EXPECT_NE(text.find("\"" + (dir.path() / "p/a.hcl").string() + "\""), std::string::npos) << text;
}

}  // namespace
}  // namespace nc::config
