// Table tests for Duration parsing and canonical printing.
#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace nc {
namespace {

struct Good {
  const char* text;
  std::int64_t ms;
};

TEST(Duration, ParsesWhatVaultAndNomadAccept) {
  const Good cases[] = {
      {"90s", 90'000},
      {"1h30m", 5'400'000},
      {"24h", 86'400'000},
      {"500ms", 500},
      {"168h", 604'800'000},
      {"86400", 86'400'000},
      {"0", 0},
      {"0s", 0},
      {"7d", 604'800'000},
      {"1.5h", 5'400'000},
      {"1h0m0s", 3'600'000},
      {"+5m", 300'000},
      {"2m30s500ms", 150'500},
      {"1000us", 1},
      {"3000000ns", 3},
  };
  for (const auto& c : cases) {
    auto d = Duration::parse(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().message;
    EXPECT_EQ(d->as<std::chrono::milliseconds>().count(), c.ms) << c.text;
  }
}

TEST(Duration, RejectsJunkWithAMessageQuotingTheInput) {
  const char* bad[] = {"",
                       "24 hours",
                       "-1h",
                       "1x",
                       "h",
                       "1.5d",
                       "10",
                       "1h-",
                       "abc",
                       "1e3s",
                       "99999999999999999999s",
                       "9223372036854775807",
                       "1h 30m",
                       "s1"};
  for (const char* text : bad) {
    if (std::string(text) == "10") continue;  // plain integers are valid seconds
    auto d = Duration::parse(text);
    ASSERT_FALSE(d.has_value()) << text;
    EXPECT_NE(d.error().message.find(std::string("\"") + text + "\""), std::string::npos)
        << d.error().message;
    EXPECT_TRUE(d.error().is(errc::parse_error));
  }
}

TEST(Duration, PrintsCanonically) {
  EXPECT_EQ(Duration::seconds(0).toString(), "0s");
  EXPECT_EQ(Duration::seconds(90).toString(), "1m30s");
  EXPECT_EQ(Duration::seconds(86400).toString(), "24h");
  EXPECT_EQ(Duration::seconds(5400).toString(), "1h30m");
  EXPECT_EQ(Duration::milliseconds(500).toString(), "500ms");
  EXPECT_EQ(Duration::milliseconds(1500).toString(), "1.5s");
  EXPECT_EQ(Duration::seconds(3601).toString(), "1h1s");
}

TEST(Duration, RoundTripsThroughText) {
  for (std::int64_t s : {1, 59, 60, 61, 3599, 3600, 86399, 604800}) {
    auto d = Duration::parse(Duration::seconds(s).toString());
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->wholeSeconds(), s);
  }
}

}  // namespace
}  // namespace nc
