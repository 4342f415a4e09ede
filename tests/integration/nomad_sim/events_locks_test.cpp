// nomad-sim over HTTP: event stream delivery, heartbeats and index replay; variables and lock
// contention and lapse between two clients.
#include <gtest/gtest.h>

#include <thread>

#include "json.hpp"
#include "sim_client.hpp"

namespace nc::nomadsim::test {
namespace {

using namespace std::chrono_literals;

std::string jobBody(const std::string& id) {
  return R"({"Job":{"ID":")" + id +
         R"(","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t","Driver":"docker"}]}]}})";
}

TEST(NomadSimEvents, DeliveryHeartbeatAndReplay) {
  SimProcess sim({"--event-heartbeat", "300ms"});
  LineReader live(sim.port(), "/v1/event/stream?topic=Job");
  ASSERT_EQ(live.status(), 200);
  ASSERT_EQ(live.next(2s), std::optional<std::string>("{}"));
  auto reg = request(sim.port(), "PUT", "/v1/jobs", jobBody("a"));
  ASSERT_EQ(reg.status, 200);
  std::uint64_t index = std::stoull(reg.header("X-Nomad-Index"));
  auto line = live.next(2s);
  ASSERT_TRUE(line.has_value());
  auto ev = parseJson(*line);
  ASSERT_TRUE(ev.has_value()) << *line;
  EXPECT_EQ(getUint(ev.value(), "Index"), index);
  ASSERT_EQ(ev.value()["Events"].Size(), 1u);  // topic=Job: the Evaluation event is filtered out
  const Val& e = ev.value()["Events"][0];
  EXPECT_EQ(getString(e, "Topic"), "Job");
  EXPECT_EQ(getString(e, "Type"), "JobRegistered");
  EXPECT_EQ(getString(e, "Key"), "a");
  EXPECT_EQ(getString(e["Payload"]["Job"], "ID"), "a");
  EXPECT_EQ(live.next(2s), std::optional<std::string>("{}"));  // idle heartbeat

  ASSERT_EQ(request(sim.port(), "PUT", "/v1/jobs", jobBody("b")).status, 200);
  ASSERT_EQ(request(sim.port(), "DELETE", "/v1/job/a?purge=true").status, 200);

  // Replay from the start of the buffer, all topics: a, eval, b, eval, purge of a.
  LineReader replay(sim.port(), "/v1/event/stream?index=0&topic=Job&topic=Evaluation");
  ASSERT_EQ(replay.next(2s), std::optional<std::string>("{}"));
  std::vector<std::string> types;
  for (int i = 0; i < 3; ++i) {
    auto l = replay.next(2s);
    ASSERT_TRUE(l.has_value());
    auto d = parseJson(*l);
    for (const auto& x : d.value()["Events"].GetArray()) {
      types.push_back(getString(x, "Topic") + "/" + getString(x, "Type") + "/" +
                      getString(x, "Key"));
    }
  }
  ASSERT_EQ(types.size(), 6u);
  EXPECT_EQ(types[0], "Job/JobRegistered/a");
  EXPECT_EQ(types[1].rfind("Evaluation/JobRegistered/", 0), 0u);
  EXPECT_EQ(types[2], "Job/JobRegistered/b");
  EXPECT_EQ(types[4], "Job/JobDeregistered/a");

  // Resume after the first entry (index is inclusive), with a key filter.
  LineReader resume(sim.port(), "/v1/event/stream?topic=Job:a&index=" + std::to_string(index + 1));
  ASSERT_EQ(resume.next(2s), std::optional<std::string>("{}"));
  auto purge = resume.next(2s);
  ASSERT_TRUE(purge.has_value());
  EXPECT_NE(purge->find("\"Deleted\":true"), std::string::npos);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/event/stream?topic=Job:a:b").status, 400);
}

TEST(NomadSimVariables, LockContentionAndLapseBetweenTwoClients) {
  SimProcess sim;
  const std::string acquire = R"({"Lock":{"TTL":"10s","LockDelay":"1s"}})";
  auto a = request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-acquire", acquire);
  ASSERT_EQ(a.status, 200) << a.body;
  std::string idA = getString(parseJson(a.body).value()["Lock"], "ID");
  auto b = request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-acquire", acquire);
  EXPECT_EQ(b.status, 409);
  auto conflict = parseJson(b.body);
  EXPECT_EQ(getString(conflict.value(), "Path"), "nomad-certd/leader");
  EXPECT_EQ(member(conflict.value(), "Lock"), nullptr);
  // A renews for a while; B keeps failing.
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(7s);
    auto renew = request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-renew",
                         R"({"Lock":{"ID":")" + idA + R"("}})");
    ASSERT_EQ(renew.status, 200) << renew.body;
    EXPECT_EQ(request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-acquire", acquire).status,
              409);
  }
  // A stops renewing: the lock lapses after 2×TTL, then LockDelay, and B gets it.
  auto start = std::chrono::steady_clock::now();
  std::string idB;
  while (std::chrono::steady_clock::now() - start < 30s) {
    auto r = request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-acquire", acquire);
    if (r.status == 200) {
      idB = getString(parseJson(r.body).value()["Lock"], "ID");
      break;
    }
    std::this_thread::sleep_for(250ms);
  }
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(idB.empty());
  EXPECT_NE(idA, idB);
  EXPECT_GE(waited, 20s);
  EXPECT_LT(waited, 23s);
  auto lateRenew = request(sim.port(), "PUT", "/v1/var/nomad-certd/leader?lock-renew",
                           R"({"Lock":{"ID":")" + idA + R"("}})");
  EXPECT_EQ(lateRenew.status, 409);
  EXPECT_EQ(lateRenew.body, "attempting to modify locked variable");

  // CRUD with cas and a blocking read on the variable.
  auto put = request(sim.port(), "PUT", "/v1/var/app/config?cas=0", R"({"Items":{"k":"v"}})");
  ASSERT_EQ(put.status, 200);
  auto again = request(sim.port(), "PUT", "/v1/var/app/config?cas=0", R"({"Items":{"k":"w"}})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(getString(parseJson(again.body).value()["Items"], "k"), "v");
  EXPECT_EQ(request(sim.port(), "DELETE", "/v1/var/app/config").status, 204);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/var/app/config").body, "variable not found");
}

}  // namespace
}  // namespace nc::nomadsim::test
