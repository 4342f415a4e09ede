// Header lookup, percent codec and query parsing.
#include "http/message.hpp"

#include <gtest/gtest.h>

namespace nc::http {
namespace {

TEST(HttpMessage, FindHeaderIsCaseInsensitive) {
  Headers h{{"Content-Type", "a"}, {"X-Vault-Token", "t"}};
  ASSERT_NE(findHeader(h, "x-vault-token"), nullptr);
  EXPECT_EQ(*findHeader(h, "CONTENT-TYPE"), "a");
  EXPECT_EQ(findHeader(h, "x-vault-tokens"), nullptr);
}

TEST(HttpMessage, PercentCodecRoundTrips) {
  EXPECT_EQ(percentEncode("a b/c~d"), "a%20b%2Fc~d");
  EXPECT_EQ(percentEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(percentDecode("a%20b%2fc+d"), "a b/c+d");
  EXPECT_EQ(percentDecode("bad%zz%4"), "bad%zz%4");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(percentDecode(percentEncode(all)), all);
}

TEST(HttpMessage, ParseQueryDecodesPairsInOrder) {
  auto q = parseQuery("index=42&wait=5s&&prefix=a%2Fb&flag&name=two+words&x=");
  ASSERT_EQ(q.size(), 6u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"index", "42"}));
  EXPECT_EQ(q[2].second, "a/b");
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[4].second, "two words");
  EXPECT_EQ(q[5].first, "x");
  EXPECT_TRUE(parseQuery("").empty());
}

}  // namespace
}  // namespace nc::http
