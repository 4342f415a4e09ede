// Tests for variables and locks: cas conflicts, lock contention, renew, release, lapse timing.
#include <gtest/gtest.h>

#include "state_vars.hpp"

namespace nc::nomadsim {
namespace {

using namespace std::chrono_literals;

class VarsTest : public ::testing::Test {
 protected:
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  SimState state{clock};
  VarService vars{state};

  std::string lockId(const VarReply& r) {
    auto d = parseJson(r.body);
    return getString(d.value()["Lock"], "ID");
  }
};

TEST_F(VarsTest, CrudWithCas) {
  auto w = vars.write("", "app/cfg", R"({"Items":{"a":"1"}})", std::nullopt, LockOp::none);
  ASSERT_EQ(w.status, 200) << w.body;
  EXPECT_GT(w.index, 0u);
  auto conflict = vars.write("", "app/cfg", R"({"Items":{"a":"2"}})", 0, LockOp::none);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_TRUE(conflict.json);
  EXPECT_EQ(getString(parseJson(conflict.body).value()["Items"], "a"), "1");
  auto ok = vars.write("", "app/cfg", R"({"Items":{"a":"2"}})", w.index, LockOp::none);
  EXPECT_EQ(ok.status, 200);
  auto r = vars.read("default", "app/cfg", true);
  EXPECT_EQ(getString(parseJson(r.body).value()["Items"], "a"), "2");
  EXPECT_EQ(vars.read("default", "nope", true).body, "variable not found");
  EXPECT_EQ(vars.write("", "x", R"({})", std::nullopt, LockOp::none).body,
            "variable missing required Items object");
  EXPECT_EQ(vars.remove("default", "app/cfg", 1).status, 409);
  EXPECT_EQ(vars.remove("default", "app/cfg", std::nullopt).status, 204);
  EXPECT_EQ(vars.read("default", "app/cfg", true).status, 404);
}

TEST_F(VarsTest, LockContentionRenewRelease) {
  auto a = vars.write("", "lock/leader", R"({"Lock":{"TTL":"10s","LockDelay":"5s"}})", std::nullopt,
                      LockOp::acquire);
  ASSERT_EQ(a.status, 200) << a.body;
  std::string id = lockId(a);
  EXPECT_FALSE(id.empty());
  EXPECT_NE(a.body.find("\"TTL\":\"10s\""), std::string::npos);
  EXPECT_NE(a.body.find("\"LockDelay\":\"5s\""), std::string::npos);
  auto b =
      vars.write("", "lock/leader", R"({"Lock":{"TTL":"10s"}})", std::nullopt, LockOp::acquire);
  EXPECT_EQ(b.status, 409);
  EXPECT_EQ(b.body.find("Items"), std::string::npos);
  EXPECT_NE(b.body.find("\"CreateIndex\":0"), std::string::npos);
  EXPECT_EQ(vars.read("default", "lock/leader", false).body.find("Lock"), std::string::npos);
  EXPECT_NE(vars.read("default", "lock/leader", true).body.find("Lock"), std::string::npos);

  auto renewWrong =
      vars.write("", "lock/leader", R"({"Lock":{"ID":"nope"}})", std::nullopt, LockOp::renew);
  EXPECT_EQ(renewWrong.status, 409);
  EXPECT_EQ(renewWrong.body, "attempting to modify locked variable");
  auto renew = vars.write("", "lock/leader", "{\"Lock\":{\"ID\":\"" + id + "\"}}", std::nullopt,
                          LockOp::renew);
  EXPECT_EQ(renew.status, 200);
  EXPECT_EQ(
      vars.write("", "lock/leader", R"({"Lock":{"ID":"nope"}})", std::nullopt, LockOp::release)
          .status,
      409);
  auto rel = vars.write("", "lock/leader", "{\"Lock\":{\"ID\":\"" + id + "\"}}", std::nullopt,
                        LockOp::release);
  EXPECT_EQ(rel.status, 200);
  EXPECT_EQ(rel.body.find("Lock"), std::string::npos);
  auto again = vars.write("", "lock/leader", "{\"Lock\":{\"ID\":\"" + id + "\"}}", std::nullopt,
                          LockOp::release);
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(again.body, "variable doesn't hold a lock");
  EXPECT_EQ(
      vars.write("", "lock/none", R"({"Lock":{"ID":"x"}})", std::nullopt, LockOp::release).body,
      "variable doesn't exist");
  EXPECT_EQ(
      vars.write("", "lock/x", R"({"Lock":{"TTL":"1s"}})", std::nullopt, LockOp::acquire).status,
      400);
  EXPECT_EQ(vars.write("", "lock/x", R"({})", 3, LockOp::acquire).body,
            "CAS can't be used with lock operations");
}

TEST_F(VarsTest, LockLapsesAfterTwiceTtlThenLockDelay) {
  auto a = vars.write("", "lock/l", R"({"Lock":{"TTL":"10s","LockDelay":"5s"}})", std::nullopt,
                      LockOp::acquire);
  std::string id = lockId(a);
  clock->advance(19s);
  vars.tick();
  EXPECT_EQ(
      vars.write("", "lock/l", "{\"Lock\":{\"ID\":\"" + id + "\"}}", std::nullopt, LockOp::renew)
          .status,
      200);
  clock->advance(20s);  // 2×TTL after the renew: lapsed, not renewable
  vars.tick();
  EXPECT_EQ(
      vars.write("", "lock/l", "{\"Lock\":{\"ID\":\"" + id + "\"}}", std::nullopt, LockOp::renew)
          .status,
      409);
  EXPECT_EQ(vars.write("", "lock/l", R"({"Lock":{}})", std::nullopt, LockOp::acquire).status,
            409);  // LockDelay
  std::uint64_t before = vars.varIndex("default", "lock/l");
  clock->advance(5s);
  vars.tick();
  EXPECT_GT(vars.varIndex("default", "lock/l"), before);  // the removal is a write
  auto b = vars.write("", "lock/l", R"({"Lock":{}})", std::nullopt, LockOp::acquire);
  EXPECT_EQ(b.status, 200);
  EXPECT_NE(lockId(b), id);
}

}  // namespace
}  // namespace nc::nomadsim
