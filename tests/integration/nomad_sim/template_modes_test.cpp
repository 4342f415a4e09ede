// nomad-sim template behaviour beyond rendering, against vault-sim: the "Missing: ..." Template
// event while Vault data is outstanding, splay before change actions, the wait quiescence, and
// change_mode = "script" with its task hook events.
#include <algorithm>
#include <thread>

#include "vault_fixture.hpp"

namespace nc::nomadsim::test {
namespace {

using namespace std::chrono_literals;

std::int64_t eventTime(const std::vector<std::pair<std::string, std::int64_t>>& ev,
                       const std::string& prefix) {
  for (const auto& [e, t] : ev) {
    if (e.rfind(prefix, 0) == 0) return t;
  }
  return -1;
}

// Four distinct issues are outstanding while Vault refuses: one Template event after the event
// rate (150 ms here, 3 s in Nomad) lists three sorted dependencies "and 1 more", before the
// retries give up and the task fails.
TEST_F(VaultTemplates, MissingEventListsOutstandingDependencies) {
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"missing","error":"simulated outage"})")
                .status,
            200);
  std::string job = renewJob("missing", "1h", {{"t", "noop"}});
  std::string extra;
  for (int i = 1; i <= 3; ++i) {
    extra += "template {\n destination = \"secrets/c" + std::to_string(i) +
             ".pem\"\n data = <<-EOT\n"
             "{{ with secret \"pki-int/issue/nomad-job\" \"common_name=m" +
             std::to_string(i) + ".service.consul\" }}{{ .Data.certificate }}{{ end }}\nEOT\n}\n";
  }
  job.replace(job.find("template {"), 0, extra);
  registerHcl(job);
  Doc allocs = waitAllocs("missing", "failed", 1);
  auto ev = events(getString(allocs[0], "ID"), "t");
  std::string missing;
  std::size_t missingAt = 0, killingAt = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (ev[i].rfind("Template|Missing: ", 0) == 0) {
      missing = ev[i];
      missingAt = i;
    }
    if (ev[i].rfind("Killing|Template failed: ", 0) == 0) killingAt = i;
  }
  ASSERT_FALSE(missing.empty()) << ::testing::PrintToString(ev);
  EXPECT_LT(missingAt, killingAt);
  std::size_t n = 0;
  for (auto p = missing.find("vault.write(pki-int/issue/nomad-job -> "); p != std::string::npos;
       p = missing.find("vault.write(", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 3u) << missing;
  EXPECT_EQ(missing.substr(missing.size() - 12), ", and 1 more") << missing;
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"missing","error":""})").status, 200);
}

// Three signal tasks with a 6s certificate and a 3s splay: each Signaling event comes 0..3s after
// its re-issue; without the splay all three would fire at once.
TEST_F(VaultTemplates, SplayDelaysTheChangeAction) {
  registerHcl(renewJob("splayed", "6s", {{"a", "signal"}, {"b", "signal"}, {"c", "signal"}}, "3s"));
  Doc allocs = waitAllocs("splayed", "running", 1);
  std::string id = getString(allocs[0], "ID");
  std::map<std::string, std::int64_t> delays;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (delays.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    const Doc st = templates("splayed");
    for (const auto& r : st.GetArray()) {
      std::string task = getString(r, "Task");
      if (delays.count(task) || getInt(r["Secrets"][0], "Issues") < 2) continue;
      std::int64_t sig = eventTime(timedEvents(id, task), "Signaling|Template re-rendered");
      if (sig > 0) delays[task] = sig / 1000000 - getInt(r["Secrets"][0], "IssuedAtMs");
    }
  }
  ASSERT_EQ(delays.size(), 3u);
  std::int64_t longest = 0;
  for (const auto& [task, d] : delays) {
    EXPECT_GE(d, -50) << task;
    EXPECT_LE(d, 3000 + 500) << task;
    longest = std::max(longest, d);
  }
  EXPECT_GT(longest, 100) << "no splay applied";
}

// wait { min = "2s" } holds the first render (and so the task start) for the quiescence period.
TEST_F(VaultTemplates, WaitHoldsTheRenderForTheMinimum) {
  registerHcl(renewJob("waiting", "1h", {{"t", "noop"}}, "0s",
                       {{"t", "wait {\n min = \"2s\"\n max = \"10s\"\n }"}}));
  auto start = std::chrono::steady_clock::now();
  Doc pending = waitAllocs("waiting", "pending", 1);
  std::string id = getString(pending[0], "ID");
  std::this_thread::sleep_for(1s);
  if (std::chrono::steady_clock::now() - start < 1800ms) {
    EXPECT_FALSE(fs::exists(allocRoot(id) / "t/secrets/cert.pem"));
  }
  waitAllocs("waiting", "running", 1);
  auto ev = timedEvents(id, "t");
  std::int64_t received = eventTime(ev, "Received|"), started = eventTime(ev, "Started|");
  ASSERT_GT(received, 0);
  ASSERT_GT(started, 0);
  EXPECT_GE(started - received, 1900 * 1000000LL);
  EXPECT_LT(started - received, 10000 * 1000000LL);
  EXPECT_NE(certInfo(readAll(allocRoot(id) / "t/secrets/cert.pem")).serial, "");
}

// change_mode = "script": a successful script is a Task hook message; a failing one with
// fail_on_error kills the task (fail_on_error has no default in the jobspec: it is required).
TEST_F(VaultTemplates, ChangeScriptRunsInTheTask) {
  registerHcl(renewJob("scripted", "6s", {{"t", "script"}}, "0s",
                       {{"t",
                         "change_script {\n command = \"cat\"\n args = [\"/secrets/cert.pem\"]\n "
                         "fail_on_error = false\n }"}}));
  registerHcl(
      renewJob("scriptfail", "6s", {{"t", "script"}}, "0s",
               {{"t", "change_script {\n command = \"false\"\n fail_on_error = true\n }"}}));
  Doc ok = waitAllocs("scripted", "running", 1);
  Doc failed = waitAllocs("scriptfail", "failed", 1, 20s);
  auto deadline = std::chrono::steady_clock::now() + 15s;
  std::vector<std::string> ev;
  while (std::chrono::steady_clock::now() < deadline) {
    ev = events(getString(ok[0], "ID"), "t");
    if (contains(ev, "Task hook message|")) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(contains(ev,
                       "Task hook message|Template successfully ran script cat with arguments: "
                       "[/secrets/cert.pem]. Exit code: 0"))
      << ::testing::PrintToString(ev);
  auto fev = events(getString(failed[0], "ID"), "t");
  EXPECT_TRUE(contains(
      fev,
      "Task hook failed|Template ran script false with arguments [] on change but it exited "
      "with code: 1"))
      << ::testing::PrintToString(fev);
  EXPECT_TRUE(contains(fev, "Killing|Template script failed, task is being killed"));
}

}  // namespace
}  // namespace nc::nomadsim::test
