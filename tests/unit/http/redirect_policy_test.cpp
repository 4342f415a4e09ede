// URL parsing and the redirect allow-list.
#include "http/redirect_policy.hpp"

#include <gtest/gtest.h>

namespace nc::http {
namespace {

TEST(RedirectPolicy, ParseUrl) {
  auto u = parseUrl("https://Vault.example:8200/v1/sys/health?standbyok=true");
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->origin.scheme, "https");
  EXPECT_EQ(u->origin.host, "vault.example");
  EXPECT_EQ(u->origin.port, 8200);
  EXPECT_EQ(u->target, "/v1/sys/health?standbyok=true");
  EXPECT_EQ(parseUrl("http://127.0.0.1")->origin.port, 80);
  EXPECT_EQ(parseUrl("https://h")->origin.port, 443);
  EXPECT_EQ(parseUrl("http://h:1")->target, "/");
  auto v6 = parseUrl("http://[::1]:4646/v1/jobs");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->origin.host, "::1");
  EXPECT_EQ(v6->origin.toString(), "http://[::1]:4646");
  for (auto bad : {"127.0.0.1:8200", "ftp://h", "http://:80", "http://h:0", "http://h:99999",
                   "http://u:p@h", "http://[::1"}) {
    EXPECT_FALSE(parseUrl(bad)) << bad;
  }
}

TEST(RedirectPolicy, FollowsOnlyToAllowedOrigins) {
  Origin base = parseUrl("https://10.0.0.1:8200")->origin;
  Origin peer = parseUrl("https://10.0.0.2:8200")->origin;
  std::vector<Origin> allowed{base, peer};
  std::string toPeer = "https://10.0.0.2:8200/v1/pki/issue/x";
  auto r = decideRedirect(base, allowed, &toPeer, 0, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->origin, peer);
  EXPECT_EQ(r->target, "/v1/pki/issue/x");

  std::string relative = "/v1/other";
  r = decideRedirect(peer, allowed, &relative, 1, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->origin, peer);

  for (std::string foreign : {"https://evil.example:8200/v1/x", "http://10.0.0.2:8200/v1/x",
                              "https://10.0.0.2:8201/v1/x", "//evil.example/v1/x"}) {
    auto f = decideRedirect(base, allowed, &foreign, 0, 3);
    ASSERT_FALSE(f) << foreign;
    EXPECT_FALSE(f.error().is(errc::ok));
  }
  std::string evil = "https://evil.example:8200/v1/x";
  EXPECT_TRUE(decideRedirect(base, allowed, &evil, 0, 3).error().is(errc::unavailable));
  EXPECT_TRUE(decideRedirect(base, allowed, nullptr, 0, 3).error().is(errc::protocol_error));
  EXPECT_TRUE(decideRedirect(base, allowed, &toPeer, 3, 3).error().is(errc::protocol_error));
  EXPECT_TRUE(isFollowableRedirect(307));
  EXPECT_TRUE(isFollowableRedirect(308));
  EXPECT_FALSE(isFollowableRedirect(301));
  EXPECT_FALSE(isFollowableRedirect(302));
}

}  // namespace
}  // namespace nc::http
