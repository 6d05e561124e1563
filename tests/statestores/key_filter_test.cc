#include "statestores/key_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace kstreams::internal {
namespace {

std::string key(const char* prefix, int i) { return prefix + std::to_string(i); }

TEST(KeyFilterTest, AnswersNoForEveryKeyWhenEmpty) {
  KeyFilter filter;
  EXPECT_FALSE(filter.mayContain(""));
  EXPECT_FALSE(filter.mayContain("k"));
  EXPECT_EQ(filter.memoryBytes(), 0U);
}

TEST(KeyFilterTest, FindsEveryAddedKeyAcrossLayersAndRarelyAnOtherOne) {
  KeyFilter filter;
  constexpr int kKeys = 200'000;  // several doublings of the first 4 KiB layer
  for (int i = 0; i < kKeys; ++i) filter.add(key("in-", i));
  EXPECT_FALSE(filter.saturated());
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(filter.mayContain(key("in-", i))) << i;
  int falsePositives = 0;
  for (int i = 0; i < kKeys; ++i) falsePositives += static_cast<int>(filter.mayContain(key("out-", i)));
  // Under 1% over all the layers asked.
  EXPECT_LT(falsePositives, kKeys / 100);
  // Memory follows the keys: 16 bits each, at most doubled by growth.
  EXPECT_GE(filter.memoryBytes(), kKeys * 2U);
  EXPECT_LE(filter.memoryBytes(), kKeys * 2U * 2U + 4096U);
}

TEST(KeyFilterTest, TellsKeysApartThatDifferOnlyInTheirLastByteOrLength) {
  KeyFilter filter;
  filter.add(std::string("a\0", 2));
  filter.add("ab");
  EXPECT_TRUE(filter.mayContain(std::string("a\0", 2)));
  EXPECT_TRUE(filter.mayContain("ab"));
  int falsePositives = 0;
  for (int c = 0; c < 256; ++c) {
    if (c == 0 || c == 'b') continue;
    falsePositives += static_cast<int>(filter.mayContain(std::string(1, 'a') + static_cast<char>(c)));
  }
  falsePositives += static_cast<int>(filter.mayContain("a"));
  EXPECT_LT(falsePositives, 5);
}

TEST(KeyFilterTest, GivesUpAndAnswersMaybeForEveryKeyPastItsMemoryLimit) {
  KeyFilter filter(/*maxBytes=*/16 * 1024);  // layers of 4 and 8 KiB fit, 16 KiB does not
  int added = 0;
  while (!filter.saturated()) {
    ASSERT_LE(filter.memoryBytes(), 16U * 1024U);
    filter.add(key("k", added++));
  }
  EXPECT_GT(added, 6000);  // (4 + 8) KiB at 16 bits a key
  EXPECT_EQ(filter.memoryBytes(), 0U);
  EXPECT_TRUE(filter.mayContain("never added"));
  for (int i = 0; i < added; ++i) ASSERT_TRUE(filter.mayContain(key("k", i)));
}

}  // namespace
}  // namespace kstreams::internal
