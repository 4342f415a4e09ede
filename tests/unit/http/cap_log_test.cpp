// ConnectionCapLog on a manual clock: the first refusal is logged, then one counted summary per
// interval at most, and refusals left unreported are summed up once connections are accepted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/cap_log.hpp"

namespace nc::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = ConnectionCapLog::Clock;

TEST(ConnectionCapLog, FirstRefusalIsLoggedThenOneSummaryPerInterval) {
  ConnectionCapLog log(128);
  Clock::time_point t{};
  auto first = log.refused(t);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first,
            "connection cap 128 reached, closing new connections (counted; logged at most every "
            "10s)");
  // A storm: 5000 refusals over 25 s, one every 5 ms.
  std::vector<std::string> lines;
  for (int i = 1; i <= 5000; ++i)
    if (auto l = log.refused(t + milliseconds(5 * i))) lines.push_back(*l);
  ASSERT_EQ(lines.size(), 2u);  // at 10 s and 20 s
  EXPECT_EQ(lines[0],
            "connection cap 128: 2000 connections refused in the last 10.0s (2001 in total)");
  EXPECT_EQ(lines[1],
            "connection cap 128: 2000 connections refused in the last 10.0s (4001 in total)");
  EXPECT_EQ(log.total(), 5001u);
  EXPECT_EQ(log.unreported(), 1000u);
}

TEST(ConnectionCapLog, UnreportedRefusalsAreSummedWhenAcceptingAgain) {
  ConnectionCapLog log(4, seconds(10));
  Clock::time_point t{};
  ASSERT_TRUE(log.refused(t));
  EXPECT_FALSE(log.refused(t + seconds(1)));
  EXPECT_FALSE(log.refused(t + seconds(2)));
  // Accepted again soon after the last line: still within the interval, nothing yet.
  EXPECT_FALSE(log.accepted(t + seconds(3)));
  auto summary = log.accepted(t + milliseconds(12500));
  ASSERT_TRUE(summary);
  EXPECT_EQ(*summary,
            "connection cap 4: 2 connections refused in the last 12.5s (3 in total); accepting "
            "again");
  EXPECT_EQ(log.unreported(), 0u);
  EXPECT_FALSE(log.accepted(t + seconds(60))) << "nothing left to report";
}

TEST(ConnectionCapLog, RefusalAfterAQuietIntervalStartsAnewWithTheFirstLine) {
  ConnectionCapLog log(2, seconds(10));
  Clock::time_point t{};
  ASSERT_TRUE(log.refused(t));
  EXPECT_FALSE(log.accepted(t + seconds(30))) << "the one refusal was logged already";
  auto again = log.refused(t + seconds(30));
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("connection cap 2 reached"), std::string::npos) << *again;
  EXPECT_FALSE(log.refused(t + seconds(31)));
  auto one = log.refused(t + seconds(41));
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, "connection cap 2: 2 connections refused in the last 11.0s (4 in total)");
  EXPECT_EQ(log.total(), 4u);
}

TEST(ConnectionCapLog, AtMostOneLinePerIntervalWhenRefusalsAndAcceptsAlternate) {
  ConnectionCapLog log(128, seconds(10));
  Clock::time_point t{};
  int lines = 0;
  // At the cap under load a connection closes, one is accepted, the next is refused: 20 s of it.
  for (int i = 0; i < 20000; ++i) {
    const auto now = t + milliseconds(i);
    if (log.refused(now)) ++lines;
    if (log.accepted(now + std::chrono::microseconds(500))) ++lines;
  }
  EXPECT_EQ(lines, 2);  // the first refusal (0 s) and one summary at 10 s
  EXPECT_EQ(log.total(), 20000u);
}

}  // namespace
}  // namespace nc::http
