#include "statestores/rocksdb_window_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "statestores/rocksdb_resources.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using testing::drainWindows;
using testing::FakeStoreContext;
using testing::TempDirectory;
using testing::Window;

class RocksDBWindowStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksDBWindowStore> open(int64_t retention = 300, int64_t interval = 100,
                                           bool retainDuplicates = false) {
    auto store = std::make_unique<RocksDBWindowStore>("w", retention, interval, retainDuplicates);
    store->init(context);
    return store;
  }

  /// The names of the segment directories of store "w" (not those prepared
  /// ahead of a write).
  std::vector<std::string> segmentDirectories() {
    return testing::segmentDirectoryNames(fs::path(dir.path()) / "rocksdb" / "w");
  }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
};

TEST_F(RocksDBWindowStoreTest, IsPersistentAndUsesKafkaDefaultSegmentInterval) {
  auto store = open();
  EXPECT_TRUE(store->persistent());
  EXPECT_EQ(RocksDBSegmentedBytesStore::defaultSegmentIntervalMs(86'400'000), 43'200'000);
  EXPECT_EQ(RocksDBSegmentedBytesStore::defaultSegmentIntervalMs(1000), 60'000);
}

TEST_F(RocksDBWindowStoreTest, CreatesOneDatabasePerSegmentNamedByItsStartWhenPut) {
  auto store = open();
  store->put("k", "v", 0);
  store->put("k", "v", 99);
  store->put("k", "v", 150);
  store->put("k", "v", 250);
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.0", "w.100", "w.200"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "rocksdb" / "w" / "w.100" / "CURRENT"));
  EXPECT_THAT(store->segments().segmentIds(), ElementsAre(0, 1, 2));
}

TEST_F(RocksDBWindowStoreTest, CreatesNoSegmentWhenDeletingFromMissingSegment) {
  auto store = open();
  store->put("k", std::nullopt, 150);
  EXPECT_THAT(segmentDirectories(), IsEmpty());
}

TEST_F(RocksDBWindowStoreTest, DeletesSegmentDirectoriesWhenTheyFallOutOfRetention) {
  auto store = open(/*retention=*/300, /*interval=*/100);
  store->put("k", "0", 0);
  store->put("k", "150", 150);
  store->put("k", "250", 250);
  store->put("k", "450", 450);  // boundary 150: segment 0 is wholly expired
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.100", "w.200", "w.400"));
  EXPECT_THAT(drainWindows(store->fetch("k", 0, 1000)),
              ElementsAre(Window{"k", 250, "250"}, Window{"k", 450, "450"}));
  store->put("k", "750", 750);  // boundary 450
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.400", "w.700"));
  EXPECT_THAT(drainWindows(store->all()), ElementsAre(Window{"k", 750, "750"}));
}

TEST_F(RocksDBWindowStoreTest, KeepsDataWhenClosedAndReopenedAfterFlush) {
  {
    auto store = open();
    store->put("a", "1", 10);
    store->put("b", "2", 150);
    store->put("b", std::nullopt, 150);
    store->put("c", "3", 250);
    store->restoreBatch({{WindowKeyCodec::toStoreKey("d", 120, 0), "4"}});
    store->flush();
    store->close();
  }
  auto store = open();
  EXPECT_THAT(drainWindows(store->all()),
              ElementsAre(Window{"a", 10, "1"}, Window{"c", 250, "3"}, Window{"d", 120, "4"}));
  // The stream time restarts at the newest segment's start, a lower bound.
  EXPECT_EQ(store->observedStreamTime(), 200);
}

TEST_F(RocksDBWindowStoreTest, KeepsDuplicatesWhenClosedAndReopenedAfterFlush) {
  {
    auto store = open(300, 100, true);
    store->put("k", "1", 10);
    store->put("k", "2", 10);
    store->flush();
    store->close();
  }
  auto store = open(300, 100, true);
  EXPECT_THAT(drainWindows(store->fetch("k", 0, 100)),
              ElementsAre(Window{"k", 10, "1"}, Window{"k", 10, "2"}));
}

TEST_F(RocksDBWindowStoreTest, ExpiresOnNextPutAfterReopen) {
  {
    auto store = open();
    store->put("k", "old", 10);
    store->put("k", "new", 250);
    store->flush();
    store->close();
  }
  auto store = open();
  store->put("k", "later", 420);  // boundary 120
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.200", "w.400"));
  EXPECT_THAT(drainWindows(store->all()),
              ElementsAre(Window{"k", 250, "new"}, Window{"k", 420, "later"}));
}

TEST_F(RocksDBWindowStoreTest, PersistedVersionChangesWithEveryWrite) {
  auto store = open();
  std::vector<uint64_t> versions{store->persistedVersion()};
  store->put("k", "1", 10);  // creates segment 0
  versions.push_back(store->persistedVersion());
  store->put("k", "2", 10);
  versions.push_back(store->persistedVersion());
  store->put("k", std::nullopt, 10);
  versions.push_back(store->persistedVersion());
  store->put("k", "3", 150);  // creates segment 1
  versions.push_back(store->persistedVersion());
  store->put("k", "5", 420);  // creates segment 4, drops segment 0
  versions.push_back(store->persistedVersion());
  for (size_t i = 0; i < versions.size(); ++i) {
    for (size_t j = i + 1; j < versions.size(); ++j) {
      EXPECT_NE(versions[i], versions[j]) << "versions " << i << " and " << j;
    }
  }
}

TEST_F(RocksDBWindowStoreTest, PersistedVersionStaysWhenReadingOrIgnoringWrites) {
  auto store = open();
  store->put("k", "1", 500);
  const uint64_t version = store->persistedVersion();
  (void)store->fetch("k", 500);
  (void)drainWindows(store->all());
  store->put("k", "late", 100);  // expired
  EXPECT_EQ(store->persistedVersion(), version);
}

TEST_F(RocksDBWindowStoreTest, PersistedVersionIsStableAcrossCloseAndReopenAfterFlush) {
  uint64_t version = 0;
  {
    auto store = open();
    store->put("a", "1", 10);
    store->put("b", "2", 150);
    store->put("c", "3", 420);  // drops segment 0
    store->flush();
    version = store->persistedVersion();
    store->close();
  }
  auto store = open();
  EXPECT_NE(version, 0U);
  EXPECT_EQ(store->persistedVersion(), version);
}

TEST_F(RocksDBWindowStoreTest, RestoreBatchWritesRecordsToTheirSegmentsAndDropsExpiredOnes) {
  auto store = open(/*retention=*/300, /*interval=*/100);
  store->restoreBatch({{WindowKeyCodec::toStoreKey("k", 10, 0), "a"},
                       {WindowKeyCodec::toStoreKey("k", 150, 0), "b"},
                       {WindowKeyCodec::toStoreKey("k", 470, 0), "c"},
                       {WindowKeyCodec::toStoreKey("k", 20, 0), "late"}});
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.100", "w.400"));
  EXPECT_THAT(drainWindows(store->all()), ElementsAre(Window{"k", 470, "c"}));
}

TEST_F(RocksDBWindowStoreTest, FetchRangeFindsShorterKeyWhoseStoreKeysSortAfterUpperBound) {
  // "a" + <start 00 00 01 8B ...> sorts after "a\0" + <start ...>: the bytes
  // order the keys the other way round (Kafka Streams' quirk), but the range
  // must still find both.
  constexpr int64_t kNow = 1'700'000'000'000;
  auto store = open(/*retention=*/300, /*interval=*/100);
  const std::string longer("a\0", 2);
  store->put("a", "short", kNow);
  store->put(longer, "long", kNow);
  store->put("b", "outside", kNow);
  EXPECT_THAT(drainWindows(store->fetchRange(std::nullopt, longer, 0, kNow)),
              UnorderedElementsAre(Window{"a", kNow, "short"}, Window{longer, kNow, "long"}));
  EXPECT_THAT(drainWindows(store->fetchRange("a", longer, kNow, kNow)),
              UnorderedElementsAre(Window{"a", kNow, "short"}, Window{longer, kNow, "long"}));
}

TEST_F(RocksDBWindowStoreTest, FetchOfKeyFindsItsWindowsInFlushedFilesAndMemtablesAmongInterleavedKeys) {
  // A key's windows spread over files written by several flushes and the
  // memtable, next to keys whose store keys interleave with its own in byte
  // order: a fetch of the key finds every one of its windows, and no other
  // key's.
  constexpr int64_t kNow = 1'700'000'000'000;
  auto store = open(/*retention=*/1000, /*interval=*/100, /*retainDuplicates=*/true);
  const std::string zero("a\0", 2);  // "a" then a 0 byte: sorts among "a"'s store keys
  const std::string lookalike = "a" + WindowKeyCodec::toStoreKey("", kNow + 5, 0);
  store->put("a", "a0", kNow);
  store->put(zero, "zero0", kNow);
  store->flush();  // file 1: "a" and "a\0"
  store->put("b", "b1", kNow + 1);
  store->put(lookalike, "lookalike", kNow + 5);
  store->flush();  // file 2: neither "a" nor "a\0", a longer key that looks like "a" + a time
  store->put("a", "a2", kNow + 2);
  store->put("a", "a2dup", kNow + 2);
  store->flush();  // file 3: "a" only
  store->put(zero, "zero3", kNow + 3);
  store->put("c", "c3", kNow + 3);  // memtable: "a\0" and "c"
  EXPECT_THAT(drainWindows(store->fetch("a", kNow - 50, kNow + 50)),
              ElementsAre(Window{"a", kNow, "a0"}, Window{"a", kNow + 2, "a2"}, Window{"a", kNow + 2, "a2dup"}));
  EXPECT_THAT(drainWindows(store->backwardFetch("a", kNow - 50, kNow + 50)),
              ElementsAre(Window{"a", kNow + 2, "a2dup"}, Window{"a", kNow + 2, "a2"}, Window{"a", kNow, "a0"}));
  EXPECT_THAT(drainWindows(store->fetch(zero, kNow - 50, kNow + 50)),
              ElementsAre(Window{zero, kNow, "zero0"}, Window{zero, kNow + 3, "zero3"}));
  EXPECT_THAT(drainWindows(store->fetch(lookalike, kNow - 50, kNow + 50)),
              ElementsAre(Window{lookalike, kNow + 5, "lookalike"}));
  EXPECT_THAT(drainWindows(store->fetch("b", kNow - 50, kNow + 50)), ElementsAre(Window{"b", kNow + 1, "b1"}));
  EXPECT_THAT(drainWindows(store->fetch("c", kNow - 50, kNow + 50)), ElementsAre(Window{"c", kNow + 3, "c3"}));
  EXPECT_THAT(drainWindows(store->fetch("d", kNow - 50, kNow + 50)), IsEmpty());
  // Scans over several keys still see every key, in (key, time) order.
  EXPECT_EQ(drainWindows(store->fetchAll(kNow - 50, kNow + 50)).size(), 8U);
  // And after reopening, from the files alone.
  store->flush();
  store->close();
  store = open(/*retention=*/1000, /*interval=*/100, /*retainDuplicates=*/true);
  EXPECT_THAT(drainWindows(store->fetch("a", kNow - 50, kNow + 50)),
              ElementsAre(Window{"a", kNow, "a0"}, Window{"a", kNow + 2, "a2"}, Window{"a", kNow + 2, "a2dup"}));
  EXPECT_THAT(drainWindows(store->fetch(zero, kNow - 50, kNow + 50)),
              ElementsAre(Window{zero, kNow, "zero0"}, Window{zero, kNow + 3, "zero3"}));
}

TEST_F(RocksDBWindowStoreTest, FindsEveryKeyWrittenRestoredOrReopenedWhileSkippingSegmentsWithoutIt) {
  // Segments created by writes answer "not here" from their key filters; a
  // segment opened from disk has none and is always read, also after new
  // writes to it.
  auto store = open(/*retention=*/1000, /*interval=*/100, /*retainDuplicates=*/true);
  for (int i = 0; i < 5000; ++i) {
    store->put("p" + std::to_string(i), "v" + std::to_string(i), 10 + (i % 3) * 100);
  }
  store->restoreBatch({{WindowKeyCodec::toStoreKey("r", 20, 0), "restored"},
                       {WindowKeyCodec::toStoreKey("r", 320, 0), "restored-new-segment"}});
  for (int i = 0; i < 5000; i += 7) {
    const std::string key = "p" + std::to_string(i);
    ASSERT_THAT(drainWindows(store->fetch(key, 0, 400)),
                ElementsAre(Window{key, 10 + (i % 3) * 100, "v" + std::to_string(i)}))
        << key;
    ASSERT_EQ(store->fetch(key, 10 + (i % 3) * 100), "v" + std::to_string(i)) << key;
    ASSERT_EQ(store->fetch(key, 11 + (i % 3) * 100), std::nullopt) << key;  // same key, other window
  }
  EXPECT_THAT(drainWindows(store->fetch("r", 0, 400)),
              ElementsAre(Window{"r", 20, "restored"}, Window{"r", 320, "restored-new-segment"}));
  int found = 0;
  for (int i = 0; i < 5000; ++i) found += static_cast<int>(!drainWindows(store->fetch("q" + std::to_string(i), 0, 400)).empty());
  EXPECT_EQ(found, 0);
  store->flush();
  store->close();

  store = open(/*retention=*/1000, /*interval=*/100, /*retainDuplicates=*/true);
  store->put("late", "x", 220);  // into a reopened segment (no filter)
  store->put("fresh", "y", 450);  // a new segment (with one)
  EXPECT_THAT(drainWindows(store->fetch("p3", 0, 500)), ElementsAre(Window{"p3", 10, "v3"}));
  EXPECT_THAT(drainWindows(store->fetch("late", 0, 500)), ElementsAre(Window{"late", 220, "x"}));
  EXPECT_THAT(drainWindows(store->fetch("fresh", 0, 500)), ElementsAre(Window{"fresh", 450, "y"}));
  EXPECT_THAT(drainWindows(store->fetch("r", 0, 500)),
              ElementsAre(Window{"r", 20, "restored"}, Window{"r", 320, "restored-new-segment"}));
  EXPECT_EQ(drainWindows(store->fetchAll(0, 500)).size(), 5004U);
}

TEST_F(RocksDBWindowStoreTest, OpensTheNextSegmentAheadAndLeavesNoUnwrittenOneBehindWhenClosed) {
  const fs::path parent = fs::path(dir.path()) / "rocksdb" / "w";
  auto everyDirectory = [&parent] {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(parent)) out.push_back(entry.path().filename().string());
    return out;
  };
  {
    auto store = open(/*retention=*/300, /*interval=*/100);
    store->put("k", "a", 10);   // segment 0; segment 1 is opened ahead
    store->put("k", "b", 150);  // takes segment 1; segment 2 is opened ahead
    store->put("k", "c", 120);
    EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.0", "w.100"));
    EXPECT_THAT(drainWindows(store->fetch("k", 0, 1000)),
                ElementsAre(Window{"k", 10, "a"}, Window{"k", 120, "c"}, Window{"k", 150, "b"}));
    store->put("k", "d", 650);  // jumps past the prepared segment 2: it goes, 0 to 2 expire
    EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("w.600"));
    store->close();
  }
  EXPECT_THAT(everyDirectory(), UnorderedElementsAre("w.600"));
  auto store = open(/*retention=*/300, /*interval=*/100);
  EXPECT_EQ(store->observedStreamTime(), 600);
  EXPECT_THAT(drainWindows(store->fetch("k", 0, 1000)), ElementsAre(Window{"k", 650, "d"}));
  store->put("k", "e", 720);  // a new segment after reopening
  store->close();
  EXPECT_THAT(everyDirectory(), UnorderedElementsAre("w.600", "w.700"));
}

TEST_F(RocksDBWindowStoreTest, RemovesSegmentsLeftPreparedHalfMadeOrExpiringByACrashWhenOpened) {
  {
    auto store = open(/*retention=*/300, /*interval=*/100);
    store->put("k", "a", 10);
    store->put("k", "b", 150);
    store->flush();
    store->close();
  }
  const fs::path parent = fs::path(dir.path()) / "rocksdb" / "w";
  fs::create_directories(parent / "w.500");
  std::ofstream(parent / "w.500" / RocksDBSegmentedBytesStore::kPreparedMarker).flush();
  fs::create_directories(parent / "w.600.staging");
  fs::create_directories(parent / "w.0.expired");
  std::ofstream(parent / "w.0.expired" / "CURRENT").flush();
  auto store = open(/*retention=*/300, /*interval=*/100);
  EXPECT_FALSE(fs::exists(parent / "w.500"));
  EXPECT_FALSE(fs::exists(parent / "w.600.staging"));
  EXPECT_FALSE(fs::exists(parent / "w.0.expired"));
  // The stream time comes from the segments written, not the one opened ahead.
  EXPECT_EQ(store->observedStreamTime(), 100);
  EXPECT_THAT(drainWindows(store->fetch("k", 0, 1000)),
              ElementsAre(Window{"k", 10, "a"}, Window{"k", 150, "b"}));
}

TEST_F(RocksDBWindowStoreTest, ThrowsStoreExceptionWhenSegmentDirectoryDoesNotFitInterval) {
  fs::create_directories(fs::path(dir.path()) / "rocksdb" / "w" / "w.150");
  RocksDBWindowStore store("w", 300, 100, false);
  EXPECT_THROW(store.init(context), StoreException);
}

TEST_F(RocksDBWindowStoreTest, IgnoresUnrelatedEntriesInStoreDirectoryWhenOpened) {
  fs::create_directories(fs::path(dir.path()) / "rocksdb" / "w" / "other");
  fs::create_directories(fs::path(dir.path()) / "rocksdb" / "w" / "w.x");
  auto store = open();
  EXPECT_THAT(store->segments().segmentIds(), IsEmpty());
}

TEST_F(RocksDBWindowStoreTest, ThrowsStoreExceptionWhenConstructedWithNonPositiveInterval) {
  EXPECT_THROW(RocksDBWindowStore("w", 300, 0, false), StoreException);
  EXPECT_THROW(RocksDBWindowStore("w", -1, 100, false), StoreException);
}

TEST_F(RocksDBWindowStoreTest, OpensSegmentsWithSharedResourcesAndConfigSetterUnderSegmentName) {
  std::mutex mutex;
  std::vector<std::string> configured;
  RocksDBResources resources(8UL * 1024 * 1024,
                             [&](const std::string& storeName, rocksdb::Options& /*options*/) {
                               const std::lock_guard<std::mutex> lock(mutex);
                               configured.push_back(storeName);
                             });
  FakeStoreContext shared(dir.path(), &resources);
  RocksDBWindowStore store("w", 300, 100, false);
  store.init(shared);
  store.put("k", "v", 120);
  EXPECT_EQ(store.fetch("k", 120), "v");
  store.close();
  // The segment written, and the next one, opened ahead on another thread.
  EXPECT_THAT(configured, ElementsAre("w.100", "w.200"));
}

TEST_F(RocksDBWindowStoreTest, WritesNothingToWriteAheadLogWhenWriting) {
  auto store = open();
  for (int i = 0; i < 100; ++i) store->put("key" + std::to_string(i), std::string(100, 'x'), i);
  store->segments().waitForBackgroundWork();  // no directory renamed while it is walked
  uintmax_t walBytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(store->segments().directory())) {
    if (entry.path().extension() == ".log") walBytes += entry.file_size();
  }
  EXPECT_EQ(walBytes, 0U);
}

}  // namespace
}  // namespace kstreams::internal
