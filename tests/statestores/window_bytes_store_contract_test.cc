// What every window store at the bottom of a stack does, run against each of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "statestores/in_memory_window_store.h"
#include "statestores/rocksdb_window_store.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::drainWindows;
using testing::FakeStoreContext;
using testing::TempDirectory;
using testing::Window;

constexpr int64_t kRetention = 1000;
// Several segments within retention, so that scans cross segments.
constexpr int64_t kSegmentInterval = 100;

struct InMemory {
  static std::unique_ptr<SegmentedWindowStore> make(bool retainDuplicates) {
    return std::make_unique<InMemoryWindowStore>("window-store", kRetention, retainDuplicates);
  }
};
struct RocksDB {
  static std::unique_ptr<SegmentedWindowStore> make(bool retainDuplicates) {
    return std::make_unique<RocksDBWindowStore>("window-store", kRetention, kSegmentInterval,
                                                retainDuplicates);
  }
};

template <typename Factory>
class WindowBytesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(false); }
  void TearDown() override { store->close(); }

  void open(bool retainDuplicates) {
    if (store) store->close();
    store = Factory::make(retainDuplicates);
    store->init(context);
  }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
  std::unique_ptr<SegmentedWindowStore> store;
};

class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int /*index*/) {
    if constexpr (std::is_same_v<T, InMemory>) return "InMemoryWindowStore";
    return "RocksDBWindowStore";
  }
};

using Stores = ::testing::Types<InMemory, RocksDB>;
TYPED_TEST_SUITE(WindowBytesStoreTest, Stores, StoreNames);

TYPED_TEST(WindowBytesStoreTest, ReportsNameAndRetentionWhenCreated) {
  EXPECT_EQ(this->store->name(), "window-store");
  EXPECT_EQ(this->store->retentionMs(), kRetention);
}

TYPED_TEST(WindowBytesStoreTest, FetchReturnsValueOfWindowWhenPut) {
  this->store->put("k", "v", 10);
  EXPECT_EQ(this->store->fetch("k", 10), "v");
  EXPECT_EQ(this->store->fetch("k", 11), std::nullopt);
  EXPECT_EQ(this->store->fetch("other", 10), std::nullopt);
}

TYPED_TEST(WindowBytesStoreTest, KeepsLatestValueWhenSameWindowIsPutTwice) {
  this->store->put("k", "v1", 10);
  this->store->put("k", "v2", 10);
  EXPECT_EQ(this->store->fetch("k", 10), "v2");
  EXPECT_THAT(drainWindows(this->store->all()), ElementsAre(Window{"k", 10, "v2"}));
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 0);
}

TYPED_TEST(WindowBytesStoreTest, DeletesWindowWhenPutWithNullValue) {
  this->store->put("k", "v", 10);
  this->store->put("k", std::nullopt, 10);
  EXPECT_EQ(this->store->fetch("k", 10), std::nullopt);
  EXPECT_THAT(drainWindows(this->store->all()), IsEmpty());
}

TYPED_TEST(WindowBytesStoreTest, KeepsEmptyValueApartFromAbsentValue) {
  this->store->put("k", "", 10);
  EXPECT_EQ(this->store->fetch("k", 10), "");
}

TYPED_TEST(WindowBytesStoreTest, FetchOfKeyReturnsWindowsInTimeRangeByStartAcrossSegments) {
  for (const int64_t start : {0, 50, 150, 250, 400}) {
    this->store->put("k", "v" + std::to_string(start), start);
  }
  this->store->put("j", "other", 150);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 50, 250)),
              ElementsAre(Window{"k", 50, "v50"}, Window{"k", 150, "v150"},
                          Window{"k", 250, "v250"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchOfKeyIsEmptyWhenTimeFromIsAfterTimeTo) {
  this->store->put("k", "v", 10);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 20, 5)), IsEmpty());
}

TYPED_TEST(WindowBytesStoreTest, BackwardFetchReturnsNewestWindowFirst) {
  for (const int64_t start : {0, 50, 150, 250, 400}) {
    this->store->put("k", "v" + std::to_string(start), start);
  }
  EXPECT_THAT(drainWindows(this->store->backwardFetch("k", 0, 300)),
              ElementsAre(Window{"k", 250, "v250"}, Window{"k", 150, "v150"},
                          Window{"k", 50, "v50"}, Window{"k", 0, "v0"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchesBetweenPutsSeeEveryEarlierPutAcrossSegments) {
  // As a stream-stream join uses its stores: a fetch of the key after each put.
  this->open(true);
  this->store->put("k", "v90", 90);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 0, 300)), ElementsAre(Window{"k", 90, "v90"}));
  this->store->put("k", "v110", 110);
  this->store->put("j", "j110", 110);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 0, 300)),
              ElementsAre(Window{"k", 90, "v90"}, Window{"k", 110, "v110"}));
  auto outer = this->store->fetch("k", 0, 300);
  this->store->put("k", "v110b", 110);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 100, 300)),
              ElementsAre(Window{"k", 110, "v110"}, Window{"k", 110, "v110b"}));
  EXPECT_THAT(drainWindows(std::move(outer)),
              ElementsAre(Window{"k", 90, "v90"}, Window{"k", 110, "v110"}));
  this->store->flush();
  this->store->put("k", "v210", 210);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 0, 300)),
              ElementsAre(Window{"k", 90, "v90"}, Window{"k", 110, "v110"}, Window{"k", 110, "v110b"},
                          Window{"k", 210, "v210"}));
  EXPECT_THAT(drainWindows(this->store->fetch("j", 0, 300)), ElementsAre(Window{"j", 110, "j110"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchOfKeyReturnsNoWindowOfLongerKeyWithSamePrefix) {
  this->store->put("a", "a10", 10);
  this->store->put("ab", "ab10", 10);
  this->store->put("ab", "ab20", 20);
  // A key whose extra bytes look like a window start and a sequence number.
  const std::string lookalike = "a" + WindowKeyCodec::toStoreKey("", 15, 0);
  this->store->put(lookalike, "lookalike", 15);
  this->store->put(std::string("a\0", 2), "zero", 12);
  EXPECT_THAT(drainWindows(this->store->fetch("a", 0, 100)), ElementsAre(Window{"a", 10, "a10"}));
  EXPECT_THAT(drainWindows(this->store->backwardFetch("a", 0, 100)),
              ElementsAre(Window{"a", 10, "a10"}));
  EXPECT_THAT(drainWindows(this->store->fetch("ab", 0, 100)),
              ElementsAre(Window{"ab", 10, "ab10"}, Window{"ab", 20, "ab20"}));
  EXPECT_EQ(this->store->fetch("a", 15), std::nullopt);
}

TYPED_TEST(WindowBytesStoreTest, FetchRangeReturnsKeysInRangeByKeyThenStart) {
  this->store->put("c", "c0", 0);
  this->store->put("b", "b300", 300);
  this->store->put("a", "a200", 200);
  this->store->put("b", "b0", 0);
  this->store->put("ab", "ab100", 100);
  this->store->put("a", "a0", 0);
  EXPECT_THAT(drainWindows(this->store->fetchRange("a", "b", 0, 1000)),
              ElementsAre(Window{"a", 0, "a0"}, Window{"a", 200, "a200"},
                          Window{"ab", 100, "ab100"}, Window{"b", 0, "b0"},
                          Window{"b", 300, "b300"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchRangeKeepsOnlyWindowsStartingInTimeRange) {
  this->store->put("a", "a0", 0);
  this->store->put("a", "a150", 150);
  this->store->put("b", "b100", 100);
  this->store->put("b", "b300", 300);
  EXPECT_THAT(drainWindows(this->store->fetchRange("a", "b", 100, 200)),
              ElementsAre(Window{"a", 150, "a150"}, Window{"b", 100, "b100"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchRangeExcludesPrefixOfLowerBoundAndIncludesPrefixOfUpper) {
  this->store->put("a", "a", 10);
  this->store->put("ab", "ab", 10);
  this->store->put("abc", "abc", 10);
  this->store->put("b", "b", 10);
  EXPECT_THAT(drainWindows(this->store->fetchRange("ab", "b", 0, 100)),
              ElementsAre(Window{"ab", 10, "ab"}, Window{"abc", 10, "abc"},
                          Window{"b", 10, "b"}));
  EXPECT_THAT(drainWindows(this->store->fetchRange(std::nullopt, "ab", 0, 100)),
              ElementsAre(Window{"a", 10, "a"}, Window{"ab", 10, "ab"}));
  EXPECT_THAT(drainWindows(this->store->fetchRange("abc", std::nullopt, 0, 100)),
              ElementsAre(Window{"abc", 10, "abc"}, Window{"b", 10, "b"}));
}

TYPED_TEST(WindowBytesStoreTest, FetchRangeIsEmptyWhenKeyFromIsAfterKeyTo) {
  this->store->put("a", "a", 10);
  this->store->put("b", "b", 10);
  EXPECT_THAT(drainWindows(this->store->fetchRange("b", "a", 0, 100)), IsEmpty());
}

TYPED_TEST(WindowBytesStoreTest, FetchAllReturnsEveryKeyInTimeRangeByKeyThenStart) {
  this->store->put("b", "b50", 50);
  this->store->put("a", "a250", 250);
  this->store->put("c", "c500", 500);
  this->store->put("a", "a50", 50);
  this->store->put("b", "b0", 0);
  EXPECT_THAT(drainWindows(this->store->fetchAll(50, 250)),
              ElementsAre(Window{"a", 50, "a50"}, Window{"a", 250, "a250"},
                          Window{"b", 50, "b50"}));
}

TYPED_TEST(WindowBytesStoreTest, AllReturnsEveryWindowByKeyThenStart) {
  this->store->put("b", "b", 120);
  this->store->put("a", "a2", 320);
  this->store->put("a", "a1", 20);
  EXPECT_THAT(drainWindows(this->store->all()),
              ElementsAre(Window{"a", 20, "a1"}, Window{"a", 320, "a2"}, Window{"b", 120, "b"}));
}

TYPED_TEST(WindowBytesStoreTest, KeepsBinaryKeysAndValuesWhenTheyContainZeroBytes) {
  const std::string key("\0k\0", 3);
  const std::string value("\0\xff\0", 3);
  this->store->put(key, value, 7);
  EXPECT_EQ(this->store->fetch(key, 7), value);
  EXPECT_THAT(drainWindows(this->store->fetch(key, 0, 10)), ElementsAre(Window{key, 7, value}));
}

TYPED_TEST(WindowBytesStoreTest, DropsWindowsOutOfRetentionWhenStreamTimeAdvances) {
  this->store->put("k", "old", 0);
  this->store->put("k", "edge", 500);
  this->store->put("k", "kept", 501);
  this->store->put("k", "new", 1500);  // expired: start <= 1500 - 1000
  EXPECT_EQ(this->store->observedStreamTime(), 1500);
  EXPECT_EQ(this->store->fetch("k", 0), std::nullopt);
  EXPECT_EQ(this->store->fetch("k", 500), std::nullopt);
  EXPECT_EQ(this->store->fetch("k", 501), "kept");
  EXPECT_THAT(drainWindows(this->store->fetch("k", 0, 2000)),
              ElementsAre(Window{"k", 501, "kept"}, Window{"k", 1500, "new"}));
  EXPECT_THAT(drainWindows(this->store->backwardFetch("k", 0, 2000)),
              ElementsAre(Window{"k", 1500, "new"}, Window{"k", 501, "kept"}));
  EXPECT_THAT(drainWindows(this->store->all()),
              ElementsAre(Window{"k", 501, "kept"}, Window{"k", 1500, "new"}));
  EXPECT_THAT(drainWindows(this->store->fetchAll(0, 600)), ElementsAre(Window{"k", 501, "kept"}));
}

TYPED_TEST(WindowBytesStoreTest, IgnoresPutIntoExpiredWindow) {
  this->store->put("k", "new", 1500);
  this->store->put("late", "v", 500);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), std::nullopt);
  this->store->put("onTime", "v", 501);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 0);
  EXPECT_EQ(this->store->fetch("late", 500), std::nullopt);
  EXPECT_THAT(drainWindows(this->store->all()),
              ElementsAre(Window{"k", 1500, "new"}, Window{"onTime", 501, "v"}));
  EXPECT_EQ(this->store->observedStreamTime(), 1500);
}

TYPED_TEST(WindowBytesStoreTest, ThrowsStoreExceptionWhenWindowStartIsNegative) {
  EXPECT_THROW(this->store->put("k", "v", -1), StoreException);
}

TYPED_TEST(WindowBytesStoreTest, RetainDuplicatesKeepsEveryPutInPutOrder) {
  this->open(true);
  this->store->put("k", "first", 10);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 1);
  this->store->put("k", "second", 10);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 2);
  this->store->put("k", "earlier", 5);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 3);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 0, 100)),
              ElementsAre(Window{"k", 5, "earlier"}, Window{"k", 10, "first"},
                          Window{"k", 10, "second"}));
  EXPECT_THAT(drainWindows(this->store->backwardFetch("k", 0, 100)),
              ElementsAre(Window{"k", 10, "second"}, Window{"k", 10, "first"},
                          Window{"k", 5, "earlier"}));
  EXPECT_EQ(this->store->fetch("k", 10), "first");
}

TYPED_TEST(WindowBytesStoreTest, RetainDuplicatesIgnoresPutWithNullValue) {
  this->open(true);
  this->store->put("k", "v", 10);
  this->store->put("k", std::nullopt, 10);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), std::nullopt);
  EXPECT_THAT(drainWindows(this->store->all()), ElementsAre(Window{"k", 10, "v"}));
}

TYPED_TEST(WindowBytesStoreTest, RestoreBatchAppliesStoreKeyRecordsInOrder) {
  this->store->put("gone", "x", 10);
  this->store->restoreBatch({{WindowKeyCodec::toStoreKey("k", 10, 0), "a"},
                             {WindowKeyCodec::toStoreKey("k", 220, 0), "b"},
                             {WindowKeyCodec::toStoreKey("gone", 10, 0), std::nullopt},
                             {WindowKeyCodec::toStoreKey("k", 10, 0), "c"},
                             {WindowKeyCodec::toStoreKey("never", 30, 0), std::nullopt}});
  EXPECT_THAT(drainWindows(this->store->all()),
              ElementsAre(Window{"k", 10, "c"}, Window{"k", 220, "b"}));
  EXPECT_EQ(this->store->observedStreamTime(), 220);
}

TYPED_TEST(WindowBytesStoreTest, RestoreBatchAdvancesStreamTimeAndSkipsExpiredRecords) {
  this->store->restoreBatch({{WindowKeyCodec::toStoreKey("k", 100, 0), "old"},
                             {WindowKeyCodec::toStoreKey("k", 2000, 0), "new"},
                             {WindowKeyCodec::toStoreKey("late", 900, 0), "late"}});
  EXPECT_EQ(this->store->observedStreamTime(), 2000);
  EXPECT_THAT(drainWindows(this->store->all()), ElementsAre(Window{"k", 2000, "new"}));
  this->store->put("k", "too late", 1000);
  EXPECT_EQ(this->store->fetch("k", 1000), std::nullopt);
}

TYPED_TEST(WindowBytesStoreTest, RestoreBatchKeepsDuplicatesAndNewPutsDoNotOverwriteThem) {
  this->open(true);
  this->store->restoreBatch({{WindowKeyCodec::toStoreKey("k", 10, 1), "one"},
                             {WindowKeyCodec::toStoreKey("k", 10, 2), "two"}});
  this->store->put("k", "three", 10);
  EXPECT_EQ(this->store->lastPutSequenceNumber(), 3);
  EXPECT_THAT(drainWindows(this->store->fetch("k", 10, 10)),
              ElementsAre(Window{"k", 10, "one"}, Window{"k", 10, "two"},
                          Window{"k", 10, "three"}));
}

TYPED_TEST(WindowBytesStoreTest, ThrowsStoreExceptionWhenRestoredKeyIsTooShort) {
  EXPECT_THROW(this->store->restoreBatch({{"short", "v"}}), StoreException);
}

TYPED_TEST(WindowBytesStoreTest, IteratorKeepsItsSnapshotWhenStoreIsModified) {
  this->store->put("a", "1", 10);
  this->store->put("b", "2", 10);
  auto it = this->store->all();
  this->store->put("a", "changed", 10);
  this->store->put("b", std::nullopt, 10);
  this->store->put("c", "3", 10);
  EXPECT_THAT(drainWindows(std::move(it)),
              ElementsAre(Window{"a", 10, "1"}, Window{"b", 10, "2"}));
}

}  // namespace
}  // namespace kstreams::internal
