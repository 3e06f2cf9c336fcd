#include "base/strings.h"

#include <string>

#include "gtest/gtest.h"

namespace pdp {
namespace {

// Every byte value at every position of a 12-digit id: an id only while
// that byte is a digit (the check reads the id a word at a time).
TEST(IsAccountIdTest, EveryByteAtEveryPosition) {
  for (size_t pos = 0; pos < 12; ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string id = "123456789012";
      id[pos] = static_cast<char>(b);
      EXPECT_EQ(IsAccountId(id), b >= '0' && b <= '9') << "byte " << b << " at " << pos;
    }
  }
}

TEST(IsAccountIdTest, OnlyTwelveDigits) {
  for (size_t n = 0; n <= 24; ++n) {
    EXPECT_EQ(IsAccountId(std::string(n, '7')), n == 12) << n << " digits";
  }
  // Digits follow inside a longer buffer: only the view's 12 bytes count.
  const std::string longer = "12345678901x";
  EXPECT_FALSE(IsAccountId(longer));
  EXPECT_TRUE(IsAccountId(absl::string_view("1234567890123x").substr(1, 12)));
}

TEST(AsciiLowerTest, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("AbC-Z_z\xc3\x89"), "abc-z_z\xc3\x89");
}

}  // namespace
}  // namespace pdp
