// Vault's weakly typed field decoding and duration formats.
#include <gtest/gtest.h>

#include "vault/fields.hpp"

namespace nc::vault_sim {
namespace {

TEST(Fields, Durations) {
  EXPECT_EQ(*parseDurationSeconds("90"), 90);
  EXPECT_EQ(*parseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(*parseDurationSeconds("7d"), 7 * 86400);
  EXPECT_EQ(*parseDurationSeconds(""), 0);
  EXPECT_EQ(*parseDurationSeconds("1500ms"), 1);
  EXPECT_FALSE(parseDurationSeconds("abc"));
  EXPECT_FALSE(parseDurationSeconds("-5s"));
}

TEST(Fields, GoDurationText) {
  EXPECT_EQ(goDuration(0), "0s");
  EXPECT_EQ(goDuration(45), "45s");
  EXPECT_EQ(goDuration(90), "1m30s");
  EXPECT_EQ(goDuration(720 * 3600), "720h0m0s");
  EXPECT_EQ(goDuration(168 * 3600), "168h0m0s");
}

TEST(Fields, WeakTyping) {
  auto f =
      Fields::fromBody(R"({"b1":"true","b2":1,"b3":"t","i":"42","l":"a, b,,c","n":7,"d":3600})");
  ASSERT_TRUE(f);
  EXPECT_TRUE(*f->boolean("b1", false));
  EXPECT_TRUE(*f->boolean("b2", false));
  EXPECT_TRUE(*f->boolean("b3", false));
  EXPECT_EQ(*f->integer("i", 0), 42);
  EXPECT_EQ(*f->list("l"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*f->str("n"), "7");
  EXPECT_EQ(*f->seconds("d", 0), 3600);
  EXPECT_EQ(*f->seconds("missing", 5), 5);
  EXPECT_FALSE(Fields::fromBody("{bad json"));
  EXPECT_FALSE(Fields::fromBody("[1,2]"));
}

TEST(Fields, Base64) {
  EXPECT_EQ(*decodeBase64("aGVsbG8="), "hello");
  EXPECT_FALSE(decodeBase64("path \"x\" {}"));
  EXPECT_FALSE(decodeBase64("abc"));
}

}  // namespace
}  // namespace nc::vault_sim
