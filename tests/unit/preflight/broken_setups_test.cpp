// Table of broken certificate setups: each must be caught by preflight with the right finding,
// while the good job and the shipped config/ examples produce none.
#include <gtest/gtest.h>

#include <functional>

#include "config/load.hpp"
#include "preflight/preflight.hpp"

namespace nc::preflight {
namespace {

const char* kGoodJob = R"(job "web" {
  type = "service"
  group "g" {
    task "t" {
      vault {
        role = "nomad-workloads"
      }
      template {
        destination = "secrets/cert.pem"
        change_mode = "signal"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ .Data.certificate }}
          {{- end }}
        EOT
      }
      template {
        destination = "secrets/key.pem"
        perms       = "0600"
        change_mode = "signal"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ .Data.private_key }}
          {{- end }}
        EOT
      }
      template {
        destination = "secrets/ca.pem"
        change_mode = "signal"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ range .Data.ca_chain }}{{ . }}{{ end }}
          {{- end }}
        EOT
      }
    }
  }
}
)";

const char* kAgentTemplate = R"(
      template {
        destination = "local/agent.hcl"
        LEFT
        data        = <<-EOH
          auto_auth {
            method {
              type = "token_file"
            }
          }
          template {
            destination = "/alloc/tls/cert.pem"
            contents    = <<-EOT
              {{ with secret "pki-int/issue/ROLE" "common_name=DELIM.service.consul" }}{{ .Data.certificate }}{{ end }}
            EOT
          }
        EOH
      }
)";

Facts shippedFacts() {
  auto loaded = config::loadDesiredState(NC_SOURCE_DIR "/config/desired-state.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
  return factsFromDesired(loaded.value);
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

std::string replaceNth(std::string s, const std::string& from, const std::string& to, int n) {
  std::size_t p = 0;
  for (int k = 0; (p = s.find(from, p)) != std::string::npos; ++k, p += from.size())
    if (k == n) return s.replace(p, from.size(), to);
  ADD_FAILURE() << "no occurrence " << n << " of " << from;
  return s;
}

std::string addToTask(const std::string& job, const std::string& block) {
  return replaceNth(job, "      template {", block + "      template {", 0);
}

const std::string kCnArg = R"((printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")))";

struct Case {
  const char* name;
  std::function<std::string(std::string)> job;
  std::function<void(Facts&)> facts;
  const char* expectId;
};

std::vector<Case> cases() {
  auto none = [](Facts&) {};
  auto agent = [](std::string left, std::string role, std::string delim) {
    std::string t = replaceAll(kAgentTemplate, "LEFT", left);
    t = replaceAll(t, "ROLE", role);
    return replaceAll(t, "DELIM", delim);
  };
  return {
      {"unknown role",
       [](std::string j) { return replaceAll(j, "issue/nomad-job", "issue/nomad-jobs"); }, none,
       "role-unknown"},
      {"name outside allowed domains",
       [](std::string j) { return replaceAll(j, "%s.service.consul", "%s.example.com"); }, none,
       "name-not-allowed"},
      {"bare domain",
       [](std::string j) { return replaceAll(j, kCnArg, "\"common_name=service.consul\""); }, none,
       "name-not-allowed"},
      {"job name not a hostname",
       [](std::string j) { return replaceAll(j, "job \"web\"", "job \"web_app\""); }, none,
       "name-not-allowed"},
      {"localhost refused",
       [](std::string j) { return replaceAll(j, kCnArg, "\"common_name=localhost\""); }, none,
       "name-not-allowed"},
      {"alt name refused",
       [](std::string j) {
         return replaceAll(j, "\"ttl=24h\"", "\"alt_names=db.internal\" \"ttl=24h\"");
       },
       none, "name-not-allowed"},
      {"wildcard refused by role",
       [](std::string j) { return replaceAll(j, kCnArg, "\"common_name=*.service.consul\""); },
       [](Facts& f) {
         f.pkiRoles.at({"pki-int", "nomad-job"}).allowWildcardCertificates = false;
       },
       "name-not-allowed"},
      {"ttl above max_ttl", [](std::string j) { return replaceAll(j, "ttl=24h", "ttl=720h"); },
       none, "ttl-clamped"},
      {"ip sans refused",
       [](std::string j) {
         return replaceAll(j, "\"ttl=24h\"", "\"ip_sans=10.0.0.1\" \"ttl=24h\"");
       },
       none, "ip-sans-refused"},
      {"no common name", [](std::string j) { return replaceAll(j, kCnArg + " ", ""); }, none,
       "cn-missing"},
      {"unknown jwt role",
       [](std::string j) {
         return replaceAll(j, "role = \"nomad-workloads\"", "role = \"nomad-workload\"");
       },
       none, "jwt-role-unknown"},
      {"policy grants only read", [](std::string j) { return j; },
       [](Facts& f) {
         f.policies["nomad-job-pki"] = {{"pki-int/issue/*", {"read"}}};
       },
       "policy-denies"},
      {"policy for another role", [](std::string j) { return j; },
       [](Facts& f) {
         f.policies["nomad-job-pki"] = {{"pki-int/issue/other", {"update"}}};
       },
       "policy-denies"},
      {"explicit deny in a second policy", [](std::string j) { return j; },
       [](Facts& f) {
         f.policies["lockdown"] = {{"pki-int/issue/nomad-job", {"deny"}}};
         f.jwtRoles[{"jwt-nomad", "nomad-workloads"}].push_back("lockdown");
       },
       "policy-denies"},
      {"no vault block",
       [](std::string j) {
         return replaceAll(j, "      vault {\n        role = \"nomad-workloads\"\n      }\n", "");
       },
       none, "vault-missing"},
      {"key readable by group", [](std::string j) { return replaceAll(j, "\"0600\"", "\"0640\""); },
       none, "key-perms"},
      {"key with default perms",
       [](std::string j) { return replaceAll(j, "        perms       = \"0600\"\n", ""); }, none,
       "key-perms"},
      {"key in shared alloc dir",
       [](std::string j) { return replaceAll(j, "secrets/key.pem", "${NOMAD_ALLOC_DIR}/key.pem"); },
       none, "key-in-alloc"},
      {"missing end", [](std::string j) { return replaceNth(j, "          {{- end }}\n", "", 0); },
       none, "template-unbalanced"},
      {"unclosed action",
       [](std::string j) {
         return replaceAll(j, "{{ .Data.certificate }}", "{{ .Data.certificate }");
       },
       none, "template-unbalanced"},
      {"action nested in a string",
       [](std::string j) {
         return replaceAll(j, kCnArg, R"("common_name={{ env "NOMAD_JOB_NAME" }}.service.consul")");
       },
       none, "template-nested-action"},
      {"ca_chain printed as a list",
       [](std::string j) {
         return replaceAll(j, "{{ range .Data.ca_chain }}{{ . }}{{ end }}", "{{ .Data.ca_chain }}");
       },
       none, "template-list-printed"},
      {"vault agent template unescaped",
       [agent](std::string j) { return addToTask(j, agent("", "nomad-job", "x")); }, none,
       "agent-template-unescaped"},
      {"vault agent template with wrong role",
       [agent](std::string j) {
         return addToTask(j, agent("left_delimiter = \"[[\"\n        right_delimiter = \"]]\"",
                                   "nope", "[[ env \"NOMAD_JOB_NAME\" ]]"));
       },
       none, "role-unknown"},
      {"legacy vault policies",
       [](std::string j) {
         return replaceAll(j, "role = \"nomad-workloads\"",
                           "role = \"nomad-workloads\"\n        policies = [\"nomad-job-pki\"]");
       },
       none, "vault-policies-ignored"},
      {"cert and key from different calls",
       [](std::string j) { return replaceNth(j, "ttl=24h", "ttl=12h", 1); }, none,
       "cert-key-mismatch"},
      {"service restarts on renewal",
       [](std::string j) { return replaceNth(j, "        change_mode = \"signal\"\n", "", 0); },
       none, "restart-on-renewal"},
  };
}

TEST(Preflight, GoodJobHasNoFindings) {
  auto found = checkJobText(kGoodJob, "web.nomad.hcl", shippedFacts());
  for (const auto& f : found) ADD_FAILURE() << f.toString();
}

TEST(Preflight, EveryBrokenSetupIsCaught) {
  const auto all = cases();
  ASSERT_GE(all.size(), 20u);
  for (const auto& c : all) {
    Facts facts = shippedFacts();
    c.facts(facts);
    const std::string job = c.job(kGoodJob);
    // The good job has no findings (GoodJobHasNoFindings), so any hit comes from the mutation.
    auto found = checkJobText(job, "web.nomad.hcl", facts);
    bool hit = false;
    for (const auto& f : found) {
      if (f.id != c.expectId) continue;
      hit = true;
      EXPECT_EQ(f.where.file, "web.nomad.hcl");
      EXPECT_GT(f.where.line, 0) << c.name;
      EXPECT_FALSE(f.hint.empty()) << c.name;
    }
    std::string got;
    for (const auto& f : found) got += "\n  " + f.toString();
    EXPECT_TRUE(hit) << c.name << ": expected " << c.expectId << ", got:" << got;
  }
}

TEST(Preflight, FindingLinesPointIntoTheTemplate) {
  auto found = checkJobText(replaceAll(kGoodJob, "ttl=24h", "ttl=720h"), "f", shippedFacts());
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].id, "ttl-clamped");
  EXPECT_EQ(found[0].where.line, 12);  // the first `with secret` line
}

TEST(Preflight, ShippedExamplesAreClean) {
  auto loaded = config::loadDesiredState(NC_SOURCE_DIR "/config/desired-state.yaml");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.value.nomad.jobs.size(), 3u);
  auto found = checkJobs(loaded.value, factsFromDesired(loaded.value));
  for (const auto& f : found) ADD_FAILURE() << f.toString();
}

TEST(Preflight, LiveFactsTurnUndeclaredIntoErrors) {
  Facts facts = shippedFacts();
  facts.pkiRoles.clear();
  auto offline = checkJobText(kGoodJob, "f", facts);
  ASSERT_FALSE(offline.empty());
  EXPECT_EQ(offline[0].severity, config::Severity::warning);
  facts.complete = true;
  auto live = checkJobText(kGoodJob, "f", facts);
  ASSERT_FALSE(live.empty());
  EXPECT_EQ(live[0].severity, config::Severity::error);
}

}  // namespace
}  // namespace nc::preflight
