// Loading details: durations in every form, thresholds, defaults, relative paths, JSON jobs.
#include <gtest/gtest.h>

#include <chrono>

#include "config/load.hpp"
#include "config/source_text.hpp"
#include "test_files.hpp"

namespace nc::config {
namespace {

Loaded<DaemonConfig> loadConfigText(test::TempDir& dir, const std::string& text,
                                    const Environment& env = Environment()) {
  dir.write("ds.yaml", "version: 1\n");
  return loadDaemonConfig(dir.write("config.yaml", text), env);
}

TEST(Durations, ConfigAcceptsGoStringsIntegersAndDays) {
  test::TempDir dir;
  auto l = loadConfigText(dir,
                          "desired_state: ds.yaml\n"
                          "reconcile:\n  interval: 1h30m\n  jitter: 45\n"
                          "  leader_election:\n    ttl: 1d\n"
                          "certificates:\n  scan_interval: 90s\n  recheck_interval: 15m\n"
                          "vault:\n  request_timeout: 1500ms\n");
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  EXPECT_EQ(l.value.reconcile.interval.wholeSeconds(), 5400);
  EXPECT_EQ(l.value.reconcile.jitter.wholeSeconds(), 45);
  EXPECT_EQ(l.value.reconcile.leaderElection.ttl.wholeSeconds(), 86400);
  EXPECT_EQ(l.value.certificates.scanInterval.wholeSeconds(), 90);
  EXPECT_EQ(l.value.certificates.recheckInterval.wholeSeconds(), 900);
  EXPECT_EQ(l.value.vault.requestTimeout.as<std::chrono::milliseconds>().count(), 1500);
}

TEST(Durations, TooShortIntervalsAreRejected) {
  test::TempDir dir;
  auto l = loadConfigText(dir, "desired_state: ds.yaml\nreconcile:\n  interval: 0s\n");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(
      l.diagnostics.toString().find("config.yaml:3:13: reconcile.interval: must be at least 1s"),
      std::string::npos)
      << l.diagnostics.toString();
}

TEST(Durations, VaultFieldsBecomeSeconds) {
  test::TempDir dir;
  auto l =
      loadDesiredState(dir.write("ds.yaml",
                                 "version: 1\nvault:\n  mounts:\n    - path: pki\n      type: pki\n"
                                 "      config: {default_lease_ttl: 7d, max_lease_ttl: system}\n"
                                 "  pki_roles:\n    - mount: pki\n      name: r\n      config:\n"
                                 "        ttl: \"86400\"\n        max_ttl: 36h30m\n"
                                 "        not_before_duration: 45\n        allowed_domains: a.com\n"
                                 "        allow_subdomains: true\n"));
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  const auto& m = l.value.vault.mounts[0].config;
  EXPECT_EQ(getInt(m, "default_lease_ttl"), 7 * 86400);
  EXPECT_EQ(getInt(m, "max_lease_ttl"), 0);
  const auto& r = l.value.vault.pkiRoles[0].config;
  EXPECT_EQ(getInt(r, "ttl"), 86400);
  EXPECT_EQ(getInt(r, "max_ttl"), 36 * 3600 + 1800);
  EXPECT_EQ(getInt(r, "not_before_duration"), 45);
  EXPECT_EQ(getList(r, "allowed_domains"), std::vector<std::string>{"a.com"});
  EXPECT_EQ(toJson(r),
            "{\"allow_subdomains\":true,\"allowed_domains\":[\"a.com\"],\"max_ttl\":131400,"
            "\"not_before_duration\":45,\"ttl\":86400}");
}

TEST(Thresholds, PercentagesAndDurations) {
  auto p = parseThreshold("33%");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(*p->fraction, 0.33);
  EXPECT_FALSE(p->duration);
  auto d = parseThreshold("72h");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->duration->wholeSeconds(), 72 * 3600);
  EXPECT_EQ(d->text, "72h");
  for (const char* bad : {"0%", "100%", "abc%", "%", "-5%", "0s", "soon", ""})
    EXPECT_FALSE(parseThreshold(bad)) << bad;
}

TEST(Defaults, EmptySectionsKeepDefaults) {
  test::TempDir dir;
  auto l = loadConfigText(dir, "desired_state: ds.yaml\nvault:\nnomad: {}\n");
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  EXPECT_EQ(l.value.vault.address, "https://127.0.0.1:8200");
  EXPECT_EQ(l.value.nomad.address, "http://127.0.0.1:4646");
  EXPECT_EQ(l.value.nomad.nomadNamespace, "default");
  EXPECT_EQ(l.value.reconcile.mode, Mode::report);
  EXPECT_TRUE(l.value.reconcile.leaderElection.enabled);
  EXPECT_EQ(l.value.health.listen, "127.0.0.1:9102");
  EXPECT_EQ(l.value.log.format, logging::Format::automatic);
  EXPECT_EQ(l.value.vault.auth.token.origin, "none");
}

TEST(Loading, ConfigurationNeedsADesiredState) {
  test::TempDir dir;
  auto l = loadConfiguration(dir.write("config.yaml", "log: {level: debug}\n"), std::nullopt,
                             Environment());
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.diagnostics.items().back().field, "desired_state");
  auto withOverride = loadConfiguration(dir.path() / "config.yaml",
                                        dir.write("other.yaml", "version: 1\n"), Environment());
  EXPECT_TRUE(withOverride.ok()) << withOverride.diagnostics.toString();
}

TEST(Loading, MissingDesiredStateNamesBothFiles) {
  test::TempDir dir;
  auto l = loadConfiguration(dir.write("config.yaml", "\n\ndesired_state: state/ds.yaml\n"),
                             std::nullopt, Environment());
  ASSERT_EQ(l.diagnostics.errorCount(), 1u) << l.diagnostics.toString();
  const std::string text = l.diagnostics.items()[0].toString();
  EXPECT_NE(text.find("config.yaml:3:16: desired_state: cannot read"), std::string::npos) << text;
  EXPECT_NE(text.find("state/ds.yaml"), std::string::npos) << text;
}

TEST(Loading, JsonJobFileIsAccepted) {
  test::TempDir dir;
  dir.write("jobs/web.json",
            R"({"Job": {"ID": "web", "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t"}]}]}})");
  auto l = loadDesiredState(dir.write("ds.yaml",
                                      "version: 1\nnomad:\n  jobs:\n    - file: jobs/web.json\n"
                                      "      namespace: prod\n      certificates:\n"
                                      "        - {task: t, path: local/cert.pem}\n"));
  ASSERT_TRUE(l.ok()) << l.diagnostics.toString();
  const auto& job = l.value.nomad.jobs[0];
  EXPECT_EQ(job.format, JobFormat::json);
  EXPECT_EQ(job.id, "web");
  EXPECT_EQ(job.jobNamespace, "prod");
  EXPECT_EQ(job.resolvedPath, dir.path() / "jobs/web.json");
  EXPECT_EQ(job.certificates[0].allocPath(), "t/local/cert.pem");
  EXPECT_FALSE(job.certificates[0].isSecretPath());
}

TEST(Loading, SameJobIdInOtherNamespacesIsFine) {
  test::TempDir dir;
  dir.write("web.nomad.hcl", "job \"web\" {\n}\n");
  auto l = loadDesiredState(dir.write("ds.yaml",
                                      "version: 1\nnomad:\n  jobs:\n"
                                      "    - {file: web.nomad.hcl, namespace: a}\n"
                                      "    - {file: web.nomad.hcl, namespace: b}\n"));
  EXPECT_TRUE(l.ok()) << l.diagnostics.toString();
}

TEST(Loading, HclLabelsInsideHeredocsAndCommentsAreIgnored) {
  test::TempDir dir;
  dir.write("web.hcl",
            "# job \"commented\" {\n"
            "job \"web\" {\n"
            "  group \"g\" {\n"
            "    task \"real\" {\n"
            "      template {\n"
            "        data = <<-EOT\n"
            "          task \"fake\" {\n"
            "        EOT\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n");
  auto l = loadDesiredState(dir.write("ds.yaml",
                                      "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n"
                                      "      certificates: [{task: fake, path: secrets/c.pem}]\n"));
  ASSERT_EQ(l.diagnostics.errorCount(), 1u) << l.diagnostics.toString();
  EXPECT_EQ(l.value.nomad.jobs[0].id, "web");
  EXPECT_NE(l.diagnostics.toString().find("has no task \"fake\""), std::string::npos);
}

TEST(Loading, WarningsAreNotErrors) {
  test::TempDir dir;
  auto l = loadDesiredState(dir.write("ds.yaml",
                                      "version: 1\nvault:\n  pki_roles:\n    - mount: pki\n"
                                      "      name: r\n      config: {allowed_domains: [a.com]}\n"));
  EXPECT_TRUE(l.ok());
  EXPECT_EQ(l.diagnostics.warningCount(), 2u) << l.diagnostics.toString();  // mount, domains
  EXPECT_NE(l.diagnostics.toString().find("warning: vault.pki_roles[0].mount"), std::string::npos);
}

namespace nc::config {
namespace {

// A small file whose aliases expand to hundreds of thousands of entries is stopped, not walked.
TEST(Limits, AliasExpansionIsBounded) {
  test::TempDir dir;
  std::string roles = "&r {name: x, config: {role_type: jwt, user_claim: sub, bound_subject: s}}";
  for (int i = 0; i < 999; ++i) roles += ", *r";
  std::string auth = "&m {path: p, type: jwt, roles: [" + roles + "]}";
  for (int i = 0; i < 999; ++i) auth += ", *m";
  const auto start = std::chrono::steady_clock::now();
  auto l = loadDesiredState(dir.write("ds.yaml", "version: 1\nvault:\n  auth: [" + auth + "]\n"));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(l.ok());
  EXPECT_LE(l.diagnostics.items().size(), kMaxFindingsPerFile + 1);
  EXPECT_NE(l.diagnostics.toString().find("the rest of the file was not checked"),
            std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(20));
}

TEST(Limits, ManyErrorsAreCappedWithANote) {
  test::TempDir dir;
  std::string text = "version: 1\n";
  for (int i = 0; i < 500; ++i) text += "unknown_" + std::to_string(i) + ": 1\n";
  auto l = loadDesiredState(dir.write("ds.yaml", text));
  EXPECT_EQ(l.diagnostics.errorCount(), kMaxFindingsPerFile + 1);
  EXPECT_NE(l.diagnostics.toString().find("more than 200 findings"), std::string::npos);
}

}  // namespace
}  // namespace nc::config

TEST(Loading, HclLabelsAreFoundWhateverTheSpacing) {
  test::TempDir dir;
  dir.write("web.hcl",
            "job\t\"web\"{\n  group \"g\" {task  \"a\"\n{\n}\ntask \"b\" {}}\n"
            "  meta { note = \"task \\\"c\\\" {\" }\n  xtask \"d\" {}\n}\n");
  auto l =
      loadDesiredState(dir.write("ds.yaml",
                                 "version: 1\nnomad:\n  jobs:\n    - file: web.hcl\n"
                                 "      certificates:\n        - {task: a, path: local/a.pem}\n"
                                 "        - {task: b, path: local/b.pem}\n"
                                 "        - {task: d, path: local/d.pem}\n"));
  EXPECT_EQ(l.value.nomad.jobs[0].id, "web");
  ASSERT_EQ(l.diagnostics.errorCount(), 1u) << l.diagnostics.toString();
  EXPECT_NE(l.diagnostics.toString().find("has no task \"d\""), std::string::npos)
      << l.diagnostics.toString();
}

// std::regex in libstdc++ recurses once per matched character: labels and names this long
// overflowed the stack (a crash on load or reload) before these were scanned by hand.
TEST(Loading, MegabyteLongLabelsAndNamesAreReadWithoutOverflowingTheStack) {
  test::TempDir dir;
  const std::string label(1 << 20, 'w');
  dir.write("long-label.hcl",
            "job \"" + label + "\" {\n  group \"g\" {\n    task \"t\" {}\n  }\n}\n");
  dir.write("long-space.hcl", "job" + std::string(1 << 20, ' ') + "\"web\" {\n}\n");
  auto l = loadDesiredState(
      dir.write("ds.yaml", "version: 1\nvault:\n  pki_roles:\n    - {mount: pki, name: " + label +
                               "}\n    - {mount: pki, name: " + label +
                               "-}\nnomad:\n  jobs:\n"
                               "    - file: long-label.hcl\n    - file: long-space.hcl\n"));
  ASSERT_EQ(l.value.nomad.jobs.size(), 2u);
  EXPECT_EQ(l.value.nomad.jobs[0].id, label);
  EXPECT_EQ(l.value.nomad.jobs[1].id, "web");
  ASSERT_EQ(l.diagnostics.errorCount(), 1u) << l.diagnostics.toString().substr(0, 2000);
  std::string text;
  for (const auto& d : l.diagnostics.items())
    if (d.severity == Severity::error) text = d.toString();
  EXPECT_NE(text.find("vault.pki_roles[1].name: invalid role name"), std::string::npos)
      << text.substr(0, 500);
  EXPECT_LT(text.size(), 2000u);  // the name is cut in the message
}

}  // namespace
}  // namespace nc::config
