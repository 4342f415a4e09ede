// ManualClock moves only when told to.
#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace nc {
namespace {

TEST(ManualClock, AdvancesWallAndMonotonicTogether) {
  ManualClock c;
  auto w0 = c.now();
  auto m0 = c.monotonic();
  c.advance(std::chrono::seconds(90));
  EXPECT_EQ(c.now() - w0, std::chrono::seconds(90));
  EXPECT_EQ(c.monotonic() - m0, std::chrono::seconds(90));
}

TEST(SystemClock, IsShared) {
  EXPECT_EQ(SystemClock::shared(), SystemClock::shared());
}

}  // namespace
}  // namespace nc
