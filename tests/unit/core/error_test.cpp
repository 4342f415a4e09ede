// The project error category and Result<T> behaviour.
#include "core/error.hpp"

#include <gtest/gtest.h>

namespace nc {
namespace {

Result<int> half(int x) {
  if (x % 2) return makeError(errc::invalid_argument, "odd: " + std::to_string(x));
  return x / 2;
}

TEST(Error, CategoryNamesEveryCode) {
  EXPECT_STREQ(errorCategory().name(), "nomad-certd");
  EXPECT_EQ(make_error_code(errc::timeout).message(), "timeout");
  EXPECT_EQ(make_error_code(errc::not_implemented).message(), "not implemented");
}

TEST(Error, ResultCarriesValueOrMessage) {
  EXPECT_EQ(*half(4), 2);
  auto r = half(3);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::invalid_argument));
  EXPECT_EQ(r.error().describe(), "odd: 3 (invalid argument)");
  EXPECT_THROW((void)r.value(), ErrorException);
}

}  // namespace
}  // namespace nc
