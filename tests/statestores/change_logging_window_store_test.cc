#include "statestores/change_logging_window_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "statestores/in_memory_window_store.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::bytes;
using testing::drainWindows;
using testing::FakeStoreContext;
using testing::LoggedChange;
using testing::RecordingWindowStore;
using testing::Window;
using testing::WindowCall;

class ChangeLoggingWindowStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recording = std::make_unique<RecordingWindowStore>("log-windows");
    inner = recording.get();
    store = std::make_unique<ChangeLoggingWindowStore>(std::move(recording));
    store->init(context);
  }

  FakeStoreContext context{"unused"};
  RecordingWindowStore* inner = nullptr;  // owned by store
  std::unique_ptr<ChangeLoggingWindowStore> store;
};

TEST_F(ChangeLoggingWindowStoreTest, LogsKafkaWindowKeyValueAndContextTimestampWhenPut) {
  context.timestamp = 42;
  store->put("k", "v", 0x0102030405060708);
  EXPECT_EQ(inner->data.at({"k", 0x0102030405060708}), "v");
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"log-windows",
                                       bytes({'k', 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                              0x00, 0x00, 0x00, 0x00}),
                                       "v", 42}));
  EXPECT_EQ(store->lastPutSequenceNumber(), 0);
}

TEST_F(ChangeLoggingWindowStoreTest, LogsTombstoneWhenPutWithNullValue) {
  context.timestamp = 7;
  store->put("k", std::nullopt, 300);
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"log-windows", WindowKeyCodec::toStoreKey("k", 300, 0),
                                       std::nullopt, 7}));
}

TEST_F(ChangeLoggingWindowStoreTest, LogsSequenceNumberThatInnerStoreGaveTheRecord) {
  inner->reportedSeqnum = 0x01020304;
  store->put("k", "v", 10);
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"log-windows",
                                       bytes({'k', 0, 0, 0, 0, 0, 0, 0, 10, 0x01, 0x02, 0x03,
                                              0x04}),
                                       "v", 0}));
  EXPECT_EQ(store->lastPutSequenceNumber(), 0x01020304);
}

TEST_F(ChangeLoggingWindowStoreTest, LogsNothingWhenInnerStoreIgnoredThePut) {
  inner->reportedSeqnum = std::nullopt;
  store->put("k", "v", 10);
  EXPECT_THAT(inner->calls, ElementsAre(WindowCall{"put", "k", "v", 10, 0}));
  EXPECT_THAT(context.logged, IsEmpty());
  EXPECT_EQ(store->lastPutSequenceNumber(), std::nullopt);
}

TEST_F(ChangeLoggingWindowStoreTest, PassesReadsFlushCloseAndRestoreDownWithoutLogging) {
  inner->data[{"k", 10}] = "v";
  inner->version = 9;
  EXPECT_EQ(store->fetch("k", 10), "v");
  EXPECT_THAT(drainWindows(store->fetch("k", 0, 20)), ElementsAre(Window{"k", 10, "v"}));
  EXPECT_THAT(drainWindows(store->backwardFetch("k", 0, 20)), ElementsAre(Window{"k", 10, "v"}));
  EXPECT_THAT(drainWindows(store->fetchRange("a", "z", 0, 20)), ElementsAre(Window{"k", 10, "v"}));
  EXPECT_THAT(drainWindows(store->fetchAll(0, 20)), ElementsAre(Window{"k", 10, "v"}));
  EXPECT_THAT(drainWindows(store->all()), ElementsAre(Window{"k", 10, "v"}));
  store->restoreBatch({{WindowKeyCodec::toStoreKey("r", 1, 0), "x"}});
  store->flush();
  store->close();
  EXPECT_EQ(store->persistedVersion(), 9U);
  EXPECT_EQ(store->name(), "log-windows");
  EXPECT_EQ(store->retentionMs(), 1000);
  EXPECT_EQ(inner->inits, 1);
  EXPECT_THAT(inner->calls,
              ElementsAre(WindowCall{"restoreBatch", WindowKeyCodec::toStoreKey("r", 1, 0), "x",
                                     0, 0},
                          WindowCall{"flush", "", std::nullopt, 0, 0},
                          WindowCall{"close", "", std::nullopt, 0, 0}));
  EXPECT_THAT(context.logged, IsEmpty());
}

TEST_F(ChangeLoggingWindowStoreTest, ThrowsStoreExceptionWhenPutBeforeInit) {
  ChangeLoggingWindowStore uninitialised(std::make_unique<RecordingWindowStore>());
  EXPECT_THROW(uninitialised.put("k", "v", 1), StoreException);
}

/// A window store that does not say which sequence number it used.
class UnsequencedWindowStore : public WindowBytesStore {
 public:
  [[nodiscard]] const std::string& name() const override { return inner.name(); }
  void init(StoreContext& context) override { inner.init(context); }
  [[nodiscard]] bool persistent() const override { return false; }
  [[nodiscard]] int64_t retentionMs() const override { return inner.retentionMs(); }
  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t windowStart) override {
    inner.put(key, value, windowStart);
  }
  [[nodiscard]] std::optional<std::string> fetch(std::string_view key,
                                                 int64_t windowStart) override {
    return inner.fetch(key, windowStart);
  }
  std::unique_ptr<WindowBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                             int64_t timeTo) override {
    return inner.fetch(key, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> backwardFetch(std::string_view key, int64_t timeFrom,
                                                     int64_t timeTo) override {
    return inner.backwardFetch(key, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                  std::optional<std::string_view> keyTo,
                                                  int64_t timeFrom, int64_t timeTo) override {
    return inner.fetchRange(keyFrom, keyTo, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> fetchAll(int64_t timeFrom, int64_t timeTo) override {
    return inner.fetchAll(timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> all() override { return inner.all(); }
  void flush() override {}
  void close() override {}
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    inner.restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override { return 0; }

  RecordingWindowStore inner;
};

TEST(ChangeLoggingWindowStoreOverPlainStoreTest, LogsSequenceNumberZeroWhenInnerIsNotSequenced) {
  FakeStoreContext context{"unused"};
  auto plain = std::make_unique<UnsequencedWindowStore>();
  plain->inner.reportedSeqnum = 5;  // not visible through WindowBytesStore
  ChangeLoggingWindowStore store(std::move(plain));
  store.init(context);
  store.put("k", "v", 10);
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"windows", WindowKeyCodec::toStoreKey("k", 10, 0), "v", 0}));
}

TEST(ChangeLoggingWindowStoreOverRealStoreTest, LogsDuplicateSeqnumsThatRestoreTheSameStore) {
  FakeStoreContext context{"unused"};
  ChangeLoggingWindowStore store(std::make_unique<InMemoryWindowStore>("joins", 1000, true));
  store.init(context);
  context.timestamp = 10;
  store.put("k", "first", 10);
  context.timestamp = 11;
  store.put("k", "second", 10);
  store.put("k", std::nullopt, 10);  // a no-op with duplicates: not logged
  EXPECT_THAT(context.logged,
              ElementsAre(
                  LoggedChange{"joins", WindowKeyCodec::toStoreKey("k", 10, 1), "first", 10},
                  LoggedChange{"joins", WindowKeyCodec::toStoreKey("k", 10, 2), "second", 11}));

  std::vector<RestoreRecord> changelog;
  for (const auto& change : context.logged) changelog.push_back({change.key, change.value});
  InMemoryWindowStore restored("joins", 1000, true);
  restored.init(context);
  restored.restoreBatch(changelog);
  EXPECT_EQ(drainWindows(restored.all()), drainWindows(store.all()));
  EXPECT_THAT(drainWindows(restored.all()),
              ElementsAre(Window{"k", 10, "first"}, Window{"k", 10, "second"}));
}

}  // namespace
}  // namespace kstreams::internal
