#include "certs/alloc_id.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <unordered_set>

namespace nc::certs {
namespace {

std::string uuidOf(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", i * 7919, i);
  return buf;
}

TEST(AllocIdTest, ANomadUuidIsSpelledBackAsGiven) {
  const std::string uuid = "0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2a";
  const AllocId id(uuid);
  EXPECT_EQ(id.str(), uuid);
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(id, uuid);
  EXPECT_EQ(AllocId("ffffffff-ffff-ffff-ffff-ffffffffffff").str(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff");
  EXPECT_EQ(AllocId("00000000-0000-0000-0000-000000000001").str(),
            "00000000-0000-0000-0000-000000000001");
}

TEST(AllocIdTest, OtherTextIsKeptAsGiven) {
  for (const std::string& text :
       {std::string("a1"), std::string("0B9D7E4C-51F2-4A8E-9C3D-7F6E5D4C3B2A"),
        std::string("0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2"),    // one digit short
        std::string("0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2a0"),  // one too many
        std::string("0b9d7e4c_51f2-4a8e-9c3d-7f6e5d4c3b2a"),   // a dash misplaced
        std::string("0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2g"),   // not hex
        std::string("00000000-0000-0000-0000-000000000000"),   // nil: not the empty ID
        std::string("a\0b", 3)}) {
    const AllocId id(text);
    EXPECT_EQ(id.str(), text);
    EXPECT_FALSE(id.empty()) << text;
  }
}

TEST(AllocIdTest, EmptyIsEmpty) {
  EXPECT_TRUE(AllocId().empty());
  EXPECT_TRUE(AllocId("").empty());
  EXPECT_EQ(AllocId().str(), "");
  EXPECT_EQ(AllocId(), AllocId(""));
}

TEST(AllocIdTest, EqualityAndHashFollowTheText) {
  const std::string uuid = "0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2a";
  EXPECT_EQ(AllocId(uuid), AllocId(uuid));
  EXPECT_NE(AllocId(uuid), AllocId("0b9d7e4c-51f2-4a8e-9c3d-7f6e5d4c3b2b"));
  EXPECT_NE(AllocId("a1"), AllocId("a2"));
  EXPECT_NE(AllocId(uuid), AllocId("a1"));
  EXPECT_NE(AllocId("00000000-0000-0000-0000-000000000000"), AllocId());
  EXPECT_EQ(AllocId(uuid).hash(), AllocId(uuid).hash());

  const AllocId copy = AllocId("a1");
  AllocId assigned;
  assigned = copy;
  EXPECT_EQ(assigned, copy);
  EXPECT_EQ(assigned.str(), "a1");

  std::unordered_set<AllocId> set;
  for (int i = 0; i < 1000; ++i) set.insert(AllocId(uuidOf(i)));
  EXPECT_EQ(set.size(), 1000u);
  EXPECT_TRUE(set.contains(AllocId(uuidOf(999))));
}

}  // namespace
}  // namespace nc::certs
