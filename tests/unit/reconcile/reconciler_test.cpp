// Reconciler against fake APIs: apply then read back in sync per kind, merge semantics,
// report mode, prune and ownership, job texts read back from their files.
#include <gtest/gtest.h>

#include "../config/test_files.hpp"
#include "config/job_source.hpp"
#include "desired_fixture.hpp"
#include "fakes.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/reconciler.hpp"
#include "vault/codec.hpp"

namespace nc::reconcile {
namespace {

using namespace testing;

struct Env {
  std::shared_ptr<FakeVault> vault = std::make_shared<FakeVault>();
  std::shared_ptr<FakeNomad> nomad = std::make_shared<FakeNomad>();
  PlanReport plan(const config::DesiredState& d) {
    auto r = runSync(planOnce(vault, nomad, d, {}));
    EXPECT_TRUE(r);
    return *r;
  }
  PlanReport apply(const config::DesiredState& d, ReconcilerOptions o = {}) {
    o.forceEnforce = true;
    auto r = runSync(applyOnce(vault, nomad, d, o));
    EXPECT_TRUE(r);
    return *r;
  }
};

const ResourceStatus& find(const PlanReport& r, Kind k) {
  for (const auto& s : r.resources)
    if (s.key.kind == k) return s;
  throw std::runtime_error("no resource of that kind");
}

TEST(Reconciler, EmptyBackendsPlanAsMissingForEveryKind) {
  Env e;
  auto r = e.plan(fullDesired());
  ASSERT_EQ(r.resources.size(), 6u);
  for (const auto& s : r.resources) {
    EXPECT_EQ(s.state, State::drifted) << s.key.toString() << " " << s.message;
    EXPECT_TRUE(s.missing) << s.key.toString();
  }
  EXPECT_EQ(e.vault->writes, 0);
  EXPECT_EQ(e.nomad->registers, 0);
}

class EveryKind : public ::testing::TestWithParam<Kind> {};

// No perpetual diffs: what apply writes reads back in sync, and a second apply writes nothing.
TEST_P(EveryKind, JustAppliedObjectReadsBackInSync) {
  Env e;
  auto applied = e.apply(fullDesired());
  const auto& s = find(applied, GetParam());
  EXPECT_TRUE(s.changed) << s.key.toString() << " " << s.message;
  EXPECT_TRUE(s.confirmed) << s.key.toString() << " " << s.message;
  EXPECT_EQ(s.state, State::inSync) << s.message;
  auto again = e.plan(fullDesired());
  EXPECT_EQ(find(again, GetParam()).state, State::inSync)
      << (find(again, GetParam()).deltas.empty() ? "" : find(again, GetParam()).deltas[0].path);
  const int writes = e.vault->writes, registers = e.nomad->registers;
  auto third = e.apply(fullDesired());
  EXPECT_FALSE(find(third, GetParam()).changed);
  EXPECT_EQ(e.vault->writes, writes);
  EXPECT_EQ(e.nomad->registers, registers);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EveryKind,
                         ::testing::Values(Kind::mount, Kind::pkiRole, Kind::policy,
                                           Kind::authMethod, Kind::authRole, Kind::job),
                         [](const auto& info) { return std::string(toString(info.param)); });

TEST(Reconciler, PkiRoleUpdateKeepsUndeclaredLiveFields) {
  Env e;
  vault::PkiRole live;
  live.ou = {"platform"};
  live.ttl = 60;
  live.keyType = "ec";
  live.keyBits = 256;
  e.vault->pkiRoles["pki-int/nomad-job"] = vault::codec::encodePkiRole(live);
  auto r = e.apply(fullDesired());
  EXPECT_EQ(find(r, Kind::pkiRole).message, "updated");
  auto stored =
      vault::codec::decodePkiRole("{\"data\":" + e.vault->pkiRoles["pki-int/nomad-job"] + "}");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->ou, std::vector<std::string>{"platform"});  // POST replaces: merged role sent
  EXPECT_EQ(stored->ttl, 86400);
  EXPECT_TRUE(stored->allowSubdomains);
}

TEST(Reconciler, OutOfBandChangeIsDetectedWithFieldValues) {
  Env e;
  e.apply(fullDesired());
  e.vault->policies["nomad-job-pki"] =
      "path \"pki-int/issue/nomad-job\" { capabilities = [\"read\"] }";
  auto role =
      vault::codec::decodePkiRole("{\"data\":" + e.vault->pkiRoles["pki-int/nomad-job"] + "}");
  role->ttl = 3600;
  e.vault->pkiRoles["pki-int/nomad-job"] = vault::codec::encodePkiRole(*role);
  auto r = e.plan(fullDesired());
  EXPECT_EQ(find(r, Kind::policy).state, State::drifted);
  const auto& pki = find(r, Kind::pkiRole);
  ASSERT_EQ(pki.deltas.size(), 1u);
  EXPECT_EQ(pki.deltas[0].path, "ttl");
  EXPECT_EQ(pki.deltas[0].desired, "86400");
  EXPECT_EQ(pki.deltas[0].live, "3600");
  EXPECT_EQ(r.count(State::drifted), 2u);
}

TEST(Reconciler, ReportModeNeverWrites) {
  Env e;
  auto d = fullDesired(config::Mode::report);
  ReconcilerOptions o;
  auto r = runSync(applyOnce(e.vault, e.nomad, d, o));  // no forceEnforce: defaults say report
  ASSERT_TRUE(r);
  EXPECT_EQ(e.vault->writes, 0);
  EXPECT_EQ(e.nomad->registers, 0);
  EXPECT_EQ(r->count(State::drifted), 6u);
  // A resource's own report mode holds even under `apply`.
  auto d2 = fullDesired();
  d2.vault.policies[0].mode = config::Mode::report;
  auto r2 = e.apply(d2);
  EXPECT_EQ(find(r2, Kind::policy).state, State::drifted);
  EXPECT_TRUE(e.vault->policies.empty());
  // The daemon-wide cap makes everything report-only.
  Env f;
  ReconcilerOptions capped;
  capped.modeCap = config::Mode::report;
  f.apply(fullDesired(), capped);
  EXPECT_EQ(f.vault->writes, 0);
}

TEST(Reconciler, JobsCarryTheManagedByMeta) {
  Env e;
  e.apply(fullDesired());
  ASSERT_TRUE(e.nomad->jobs.count("web"));
  EXPECT_NE(e.nomad->jobs["web"].json.find("\"managed-by\":\"nomad-certd\""), std::string::npos);
  EXPECT_NE(e.nomad->jobs["web"].json.find("\"team\":\"a\""), std::string::npos);
  e.nomad->putJob("web", R"({"ID":"web","Name":"web","Type":"batch"})");
  auto r = e.plan(fullDesired());
  const auto& job = find(r, Kind::job);
  EXPECT_EQ(job.state, State::drifted);
  EXPECT_GE(job.deltas.size(), 2u);  // Type and Meta[...] at least
}

TEST(Reconciler, PruneDeletesOnlyOwnedUndeclaredObjects) {
  Env e;
  auto d = fullDesired();
  d.defaults.prune = true;
  e.apply(d);
  // Owned (written by us) then undeclared: pruned. Unowned: untouched.
  e.vault->policies["hand-made"] = "path \"x\" {}";
  e.nomad->putJob("unmanaged", R"({"ID":"unmanaged","Meta":{"team":"b"}})");
  auto d2 = d;
  d2.vault.policies.clear();
  d2.nomad.jobs.clear();
  auto plan = e.plan(d2);
  std::vector<std::string> pruned;
  for (const auto& s : plan.resources)
    if (s.prune) pruned.push_back(s.key.toString());
  EXPECT_EQ(pruned,
            (std::vector<std::string>{"vault_policy:nomad-job-pki", "nomad_job:default/web"}));
  EXPECT_TRUE(e.vault->policies.count("nomad-job-pki"));  // plan does not delete
  e.apply(d2);
  EXPECT_FALSE(e.vault->policies.count("nomad-job-pki"));
  EXPECT_TRUE(e.vault->policies.count("hand-made"));
  EXPECT_TRUE(e.nomad->jobs["web"].stop);
  EXPECT_FALSE(e.nomad->jobs["unmanaged"].stop);
  // Without prune nothing is deleted.
  Env f;
  f.apply(fullDesired());
  auto d3 = fullDesired();
  d3.vault.policies.clear();
  f.apply(d3);
  EXPECT_TRUE(f.vault->policies.count("nomad-job-pki"));
}

// reconcile.ownership_variable: the record is written and read at the configured path only.
TEST(Reconciler, OwnershipRecordLivesAtTheConfiguredVariable) {
  Env e;
  auto d = fullDesired();
  d.defaults.prune = true;
  ReconcilerOptions o;
  o.ownershipPath = "ops/certd-owned";
  e.apply(d, o);
  ASSERT_TRUE(e.nomad->vars.count("ops/certd-owned"));
  EXPECT_FALSE(e.nomad->vars.count("nomad-certd/ownership"));
  EXPECT_NE(e.nomad->vars["ops/certd-owned"].items["resources"].find("vault_policy:nomad-job-pki"),
            std::string::npos);
  auto d2 = d;
  d2.vault.policies.clear();
  auto prunedWith = [&](const std::string& path) {
    ReconcilerOptions po;
    po.ownershipPath = path;
    auto r = runSync(planOnce(e.vault, e.nomad, d2, po));
    EXPECT_TRUE(r);
    std::vector<std::string> out;
    for (const auto& s : r->resources)
      if (s.prune) out.push_back(s.key.toString());
    return out;
  };
  EXPECT_EQ(prunedWith("ops/certd-owned"), std::vector<std::string>{"vault_policy:nomad-job-pki"});
  // Another record knows nothing of the policy: nothing of Vault is pruned through it.
  EXPECT_TRUE(prunedWith("nomad-certd/ownership").empty());
}

TEST(Reconciler, BackendErrorsArePerResource) {
  Env e;
  e.vault->fault = [](const std::string& op) -> std::optional<Error> {
    if (op == "readPolicy") return Error(errc::unavailable, "Vault is sealed");
    return std::nullopt;
  };
  auto r = e.plan(fullDesired());
  EXPECT_EQ(find(r, Kind::policy).state, State::error);
  EXPECT_EQ(find(r, Kind::policy).message, "Vault is sealed");
  EXPECT_EQ(find(r, Kind::pkiRole).state, State::drifted);
}

TEST(Reconciler, ChangedKeysOnReload) {
  Reconciler r(std::make_shared<FakeVault>(), std::make_shared<FakeNomad>(), {});
  r.setDesired(fullDesired());
  auto next = fullDesired();
  next.vault.policies[0].text += "\n# more";
  next.nomad.jobs.clear();
  auto changed = r.changedKeys(next);
  std::vector<std::string> names;
  for (const auto& k : changed) names.push_back(k.toString());
  EXPECT_EQ(names,
            (std::vector<std::string>{"nomad_job:default/web", "vault_policy:nomad-job-pki"}));
}

TEST(Reconciler, AReleasedJobTextIsReadFromItsFileAndAnEditWaitsForAReload) {
  config::test::TempDir dir;
  auto d = fullDesired();
  d.nomad.jobs[0].resolvedPath = dir.write("web.nomad.hcl", kJobJson);
  config::releaseJobText(d.nomad.jobs[0]);
  Env e;
  e.apply(d);
  ASSERT_TRUE(e.nomad->jobs.count("web"));
  EXPECT_NE(e.nomad->jobs["web"].json.find("\"team\":\"a\""), std::string::npos);

  // Edited but not reloaded: the job in force can no longer be read, so nothing is registered.
  const std::string batch = R"({"ID":"web","Name":"web","Type":"batch"})";
  dir.write("web.nomad.hcl", std::string(kJobJson) + "\n");
  e.nomad->putJob("web", batch);
  Env fresh;  // a reconciler that has not parsed the job yet
  fresh.nomad = e.nomad;
  auto r = fresh.apply(d);
  const auto& job = find(r, Kind::job);
  EXPECT_EQ(job.state, State::error);
  EXPECT_NE(job.message.find("changed since the desired state was loaded"), std::string::npos);
  EXPECT_EQ(e.nomad->jobs["web"].json, batch);
}

TEST(Reconciler, ChangedKeysOnReloadCompareReleasedTexts) {
  Reconciler r(std::make_shared<FakeVault>(), std::make_shared<FakeNomad>(), {});
  auto running = fullDesired();
  config::releaseJobText(running.nomad.jobs[0]);
  r.setDesired(running);
  EXPECT_TRUE(r.changedKeys(fullDesired()).empty());
  auto next = fullDesired();
  next.nomad.jobs[0].source += " ";
  config::releaseJobText(next.nomad.jobs[0]);
  auto changed = r.changedKeys(next);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].toString(), "nomad_job:default/web");
}

}  // namespace
}  // namespace nc::reconcile
