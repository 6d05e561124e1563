#include "statestores/change_logging_key_value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "statestores/store_exception.h"
#include "store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::FakeStoreContext;
using testing::LoggedChange;
using testing::RecordingKeyValueStore;
using testing::StoreCall;

/// Kafka Streams' ValueAndTimestamp bytes: 8-byte big-endian timestamp, raw value.
std::string valueAndTimestamp(int64_t timestamp, const std::string& raw) {
  std::string out(8, '\0');
  auto bits = static_cast<uint64_t>(timestamp);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(bits & 0xFFU);
    bits >>= 8U;
  }
  return out + raw;
}

class ChangeLoggingKeyValueStoreTest : public ::testing::Test {
 protected:
  void init(bool timestamped) {
    auto recording = std::make_unique<RecordingKeyValueStore>("log-store");
    inner = recording.get();
    store = std::make_unique<ChangeLoggingKeyValueStore>(std::move(recording), timestamped);
    store->init(context);
  }

  FakeStoreContext context{"unused"};
  RecordingKeyValueStore* inner = nullptr;  // owned by store
  std::unique_ptr<ChangeLoggingKeyValueStore> store;
};

TEST_F(ChangeLoggingKeyValueStoreTest, LogsValueWithContextTimestampWhenPut) {
  init(false);
  context.timestamp = 42;
  store->put("k", "v");
  EXPECT_EQ(inner->data.at("k"), "v");
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", "v", 42}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, LogsTombstoneWhenPutWithNullValue) {
  init(false);
  inner->data["k"] = "v";
  context.timestamp = 7;
  store->put("k", std::nullopt);
  EXPECT_EQ(inner->data.count("k"), 0U);
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", std::nullopt, 7}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, LogsTombstoneAndReturnsOldValueWhenRemoved) {
  init(false);
  inner->data["k"] = "v";
  context.timestamp = 8;
  EXPECT_EQ(store->remove("k"), "v");
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", std::nullopt, 8}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, LogsPutIfAbsentOnlyWhenItWrites) {
  init(false);
  EXPECT_EQ(store->putIfAbsent("k", "first"), std::nullopt);
  EXPECT_EQ(store->putIfAbsent("k", "second"), "first");
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", "first", 0}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, ThrowsBeforeWritingWhenNotInitialised) {
  RecordingKeyValueStore* raw = nullptr;
  auto recording = std::make_unique<RecordingKeyValueStore>("log-store");
  raw = recording.get();
  ChangeLoggingKeyValueStore uninitialised(std::move(recording), false);
  EXPECT_THROW(uninitialised.put("k", "v"), StoreException);
  EXPECT_THAT(raw->calls, IsEmpty());
}

TEST_F(ChangeLoggingKeyValueStoreTest, LogsRawValueAndEmbeddedTimestampWhenTimestamped) {
  init(true);
  context.timestamp = 1;  // not used: the value carries its own timestamp
  const int64_t ts = 0x0102030405060708LL;
  const std::string stored = valueAndTimestamp(ts, "payload");
  store->put("k", stored);
  EXPECT_EQ(inner->data.at("k"), stored);  // the inner store keeps all 15 bytes
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", "payload", ts}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, DecodesNegativeAndEmptyRawValuesWhenTimestamped) {
  init(true);
  store->put("neg", valueAndTimestamp(-1, ""));
  EXPECT_EQ(store->putIfAbsent("new", valueAndTimestamp(1700000000000LL, "x")), std::nullopt);
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "neg", "", -1},
                                          LoggedChange{"log-store", "new", "x", 1700000000000LL}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, LogsTombstoneWithContextTimestampWhenTimestampedRemoved) {
  init(true);
  inner->data["k"] = valueAndTimestamp(5, "v");
  context.timestamp = 9;
  EXPECT_EQ(store->remove("k"), valueAndTimestamp(5, "v"));
  EXPECT_THAT(context.logged, ElementsAre(LoggedChange{"log-store", "k", std::nullopt, 9}));
}

TEST_F(ChangeLoggingKeyValueStoreTest, RejectsTimestampedValueShorterThanTimestamp) {
  init(true);
  EXPECT_THROW(store->put("k", "short"), StoreException);
  EXPECT_THROW((void)store->putIfAbsent("k", "short"), StoreException);
  EXPECT_THAT(inner->calls, IsEmpty());
  EXPECT_THAT(context.logged, IsEmpty());
}

TEST_F(ChangeLoggingKeyValueStoreTest, PassesRestoreDownWithoutLogging) {
  init(false);
  store->restoreBatch({{"a", "1"}, {"b", std::nullopt}});
  EXPECT_THAT(inner->calls, ElementsAre(StoreCall{"restoreBatch", "a", "1", 0},
                                        StoreCall{"restoreBatch", "b", std::nullopt, 0}));
  EXPECT_THAT(context.logged, IsEmpty());
}

TEST_F(ChangeLoggingKeyValueStoreTest, PassesFlushCloseAndVersionDownWithoutLogging) {
  init(false);
  inner->version = 17;
  store->flush();
  EXPECT_EQ(store->persistedVersion(), 17U);
  store->close();
  EXPECT_THAT(inner->calls,
              ElementsAre(StoreCall{"flush", "", {}, 0}, StoreCall{"close", "", {}, 0}));
  EXPECT_THAT(context.logged, IsEmpty());
}

}  // namespace
}  // namespace kstreams::internal
