#include "statestores/window_key_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "statestores/store_exception.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

using testing::bytes;

TEST(WindowKeyCodecTest, WritesKeyThenBigEndianStartThenBigEndianSeqnumWhenEncoding) {
  EXPECT_EQ(WindowKeyCodec::toStoreKey("ab", 0x0102030405060708, 0x0A0B0C0D),
            bytes({'a', 'b', 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C,
                   0x0D}));
}

TEST(WindowKeyCodecTest, WritesSeqnumZeroAndMillisecondsWhenEncodingTypicalWindow) {
  // 1700000000000 ms = 0x18BCFE56800.
  EXPECT_EQ(WindowKeyCodec::toStoreKey("k", 1700000000000, 0),
            bytes({'k', 0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(WindowKeyCodecTest, ExtractsKeyStartAndSeqnumWhenDecodingHandMadeBytes) {
  const std::string storeKey = bytes({'x', 0x00, 'y', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                      0x2C, 0x7F, 0xFF, 0xFF, 0xFF});
  EXPECT_EQ(WindowKeyCodec::extractKey(storeKey), std::string("x\0y", 3));
  EXPECT_EQ(WindowKeyCodec::extractWindowStart(storeKey), 300);
  EXPECT_EQ(WindowKeyCodec::extractSequenceNumber(storeKey), 0x7FFFFFFF);
}

TEST(WindowKeyCodecTest, DecodesEmptyKeyWhenStoreKeyIsOnlyTheSuffix) {
  const std::string storeKey = WindowKeyCodec::toStoreKey("", 42, 3);
  EXPECT_EQ(storeKey.size(), WindowKeyCodec::kSuffixBytes);
  EXPECT_EQ(WindowKeyCodec::extractKey(storeKey), "");
  EXPECT_EQ(WindowKeyCodec::extractWindowStart(storeKey), 42);
  EXPECT_EQ(WindowKeyCodec::extractSequenceNumber(storeKey), 3);
}

TEST(WindowKeyCodecTest, ThrowsStoreExceptionWhenStoreKeyIsShorterThanSuffix) {
  const std::string tooShort(WindowKeyCodec::kSuffixBytes - 1, '\0');
  EXPECT_THROW((void)WindowKeyCodec::extractKey(tooShort), StoreException);
  EXPECT_THROW((void)WindowKeyCodec::extractWindowStart(tooShort), StoreException);
  EXPECT_THROW((void)WindowKeyCodec::extractSequenceNumber(tooShort), StoreException);
}

TEST(SessionKeyCodecTest, WritesKeyThenBigEndianEndThenBigEndianStartWhenEncoding) {
  EXPECT_EQ(SessionKeyCodec::toStoreKey("ab", /*start=*/0x0102, /*end=*/0x0A0B0C),
            bytes({'a', 'b', 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x0B, 0x0C, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0x00, 0x01, 0x02}));
}

TEST(SessionKeyCodecTest, ExtractsKeyStartAndEndWhenDecodingHandMadeBytes) {
  const std::string storeKey = bytes({'s', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xF4});
  EXPECT_EQ(SessionKeyCodec::extractKey(storeKey), "s");
  EXPECT_EQ(SessionKeyCodec::extractEndTimestamp(storeKey), 1000);
  EXPECT_EQ(SessionKeyCodec::extractStartTimestamp(storeKey), 500);
}

TEST(SessionKeyCodecTest, ThrowsStoreExceptionWhenStoreKeyIsShorterThanSuffix) {
  EXPECT_THROW((void)SessionKeyCodec::extractKey(std::string(15, 'x')), StoreException);
}

TEST(TimeKeyLayoutTest, OrdersByKeyBeforeTimeWhenOneKeyIsPrefixOfAnother) {
  const std::string shortKeyLate = WindowKeyCodec::toStoreKey("a", 5, 0);
  const std::string longKeyEarly = WindowKeyCodec::toStoreKey(std::string("a\0", 2), 0, 0);
  // The bytes sort the longer key first; the layout's order does not.
  EXPECT_GT(shortKeyLate, longKeyEarly);
  EXPECT_LT(WindowKeyCodec::kLayout.compare(shortKeyLate, longKeyEarly), 0);
}

TEST(TimeKeyLayoutTest, OrdersByTimeThenExtraWhenKeysAreEqual) {
  const TimeKeyLayout& layout = SessionKeyCodec::kLayout;
  EXPECT_LT(layout.compare(SessionKeyCodec::toStoreKey("k", 0, 10),
                           SessionKeyCodec::toStoreKey("k", 5, 20)),
            0);
  EXPECT_LT(layout.compare(SessionKeyCodec::toStoreKey("k", 0, 10),
                           SessionKeyCodec::toStoreKey("k", 5, 10)),
            0);
  EXPECT_EQ(layout.compare(SessionKeyCodec::toStoreKey("k", 5, 10),
                           SessionKeyCodec::toStoreKey("k", 5, 10)),
            0);
}

}  // namespace
}  // namespace kstreams::internal
