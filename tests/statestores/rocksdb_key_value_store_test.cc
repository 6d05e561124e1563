#include "statestores/rocksdb_key_value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/convenience.h>
#include <rocksdb/table.h>

#include "statestores/rocksdb_resources.h"
#include "statestores/store_exception.h"
#include "store_test_support.h"

namespace kstreams::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::drain;
using testing::FakeStoreContext;
using testing::KV;
using testing::TempDirectory;

class RocksDBKeyValueStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksDBKeyValueStore> open(const std::string& name = "counts") {
    auto store = std::make_unique<RocksDBKeyValueStore>(name);
    store->init(context);
    return store;
  }

  /// The files of the closed store `name` whose names start with `prefix`.
  std::vector<fs::path> files(const std::string& prefix, const std::string& name = "counts") {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(fs::path(dir.path()) / "rocksdb" / name)) {
      if (entry.path().filename().string().starts_with(prefix)) out.push_back(entry.path());
    }
    return out;
  }

  static void overwrite(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
};

TEST_F(RocksDBKeyValueStoreTest, OpensDatabaseInRocksDBDirectoryOfTaskWhenInitialised) {
  auto store = open();
  EXPECT_TRUE(store->persistent());
  EXPECT_EQ(fs::path(store->path()), fs::path(dir.path()) / "rocksdb" / "counts");
  EXPECT_TRUE(fs::exists(fs::path(store->path()) / "CURRENT"));
}

TEST_F(RocksDBKeyValueStoreTest, KeepsDataWhenClosedAndReopenedAfterFlush) {
  {
    auto store = open();
    store->put("a", "1");
    store->put("b", "2");
    store->put("b", std::nullopt);
    store->restoreBatch({{"c", "3"}});
    store->flush();
    store->close();
  }
  auto store = open();
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"c", "3"}));
}

TEST_F(RocksDBKeyValueStoreTest, PersistedVersionIncreasesWithEveryWrite) {
  auto store = open();
  const uint64_t start = store->persistedVersion();
  store->put("a", "1");
  const uint64_t afterPut = store->persistedVersion();
  store->remove("a");
  const uint64_t afterRemove = store->persistedVersion();
  EXPECT_GT(afterPut, start);
  EXPECT_GT(afterRemove, afterPut);
}

// Restored records are ingested as SST files, which are durable at once: a
// file that overlaps nothing takes no sequence number, so the version may
// stay, and it never goes back.
TEST_F(RocksDBKeyValueStoreTest, PersistedVersionNeverDecreasesWhenRestoring) {
  auto store = open();
  store->put("a", "1");
  const uint64_t before = store->persistedVersion();
  store->restoreBatch({{"b", "2"}, {"c", std::nullopt}});
  const uint64_t afterDisjoint = store->persistedVersion();
  store->restoreBatch({{"a", "3"}});
  const uint64_t afterOverlapping = store->persistedVersion();
  EXPECT_GE(afterDisjoint, before);
  EXPECT_GT(afterOverlapping, afterDisjoint);
  EXPECT_EQ(store->get("a"), "3");
  EXPECT_EQ(store->get("b"), "2");
}

TEST_F(RocksDBKeyValueStoreTest, LastRecordOfAKeyWinsWhenRestoredOutOfOrderWithTombstones) {
  auto store = open();
  store->put("gone", "old");
  store->put("kept", "old");
  store->flush();
  store->restoreBatch({{"m", "1"}, {"b", "1"}, {"m", "2"}, {"gone", std::nullopt}, {"a", "1"}});
  store->restoreBatch({{"b", std::nullopt}, {"b", "3"}, {"z", "1"}, {"z", std::nullopt}});
  // Read before any flush: the collected records are ingested first.
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"b", "3"}, KV{"kept", "old"}, KV{"m", "2"}));
  EXPECT_EQ(store->get("gone"), std::nullopt);
}

TEST_F(RocksDBKeyValueStoreTest, RestoresMoreThanOneWriteBufferIntoSeveralFilesAndLeavesNoneBehind) {
  // 3,000 batches of 20 records of about 120 bytes: about 7 MB, collected in
  // parts of at most one write buffer (4 MB here), in reverse key order.
  RocksDBResources resources(64UL * 1024 * 1024, [](const std::string&, rocksdb::Options& options) {
    options.write_buffer_size = 4UL * 1024 * 1024;
  });
  FakeStoreContext smallBuffers(dir.path(), &resources);
  constexpr int kRecords = 60000;
  const auto key = [](int i) { return std::to_string(1000000 + i); };
  {
    auto store = std::make_unique<RocksDBKeyValueStore>("counts");
    store->init(smallBuffers);
    std::vector<std::pair<std::string, std::string>> bytes;
    for (int i = kRecords - 1; i >= 0; --i) {
      bytes.emplace_back(key(i), std::string(100, static_cast<char>('a' + i % 26)));
      if (bytes.size() == 20) {
        std::vector<RestoreRecord> batch;
        for (const auto& [k, v] : bytes) batch.push_back({k, v});
        store->restoreBatch(batch);
        bytes.clear();
      }
    }
    store->flush();
    EXPECT_TRUE(files("restore-").empty());
    size_t sstFiles = 0;
    for (const auto& entry : fs::directory_iterator(store->path())) sstFiles += entry.path().extension() == ".sst";
    EXPECT_GE(sstFiles, 2U);
    store->close();
  }
  auto store = open();
  int n = 0;
  for (auto it = store->all(); it->valid(); it->next(), ++n) {
    ASSERT_EQ(it->key(), key(n));
    ASSERT_EQ(it->value(), std::string(100, static_cast<char>('a' + n % 26)));
  }
  EXPECT_EQ(n, kRecords);
}

TEST_F(RocksDBKeyValueStoreTest, KeepsRestoredRecordsWhenClosedWithoutFlush) {
  uint64_t version = 0;
  {
    auto store = open();
    store->put("a", "1");
    store->flush();
    store->restoreBatch({{"a", "2"}, {"b", "1"}});
    version = store->persistedVersion();
    store->restoreBatch({{"c", "1"}});
    store->close();
  }
  auto store = open();
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "2"}, KV{"b", "1"}, KV{"c", "1"}));
  EXPECT_GE(store->persistedVersion(), version);
}

TEST_F(RocksDBKeyValueStoreTest, KeepsWritesWhenClosedWithoutFlushEvenWithAnIteratorOpen) {
  // close() writes the memtable itself (RocksDB is told not to on shutdown),
  // also when an open iterator keeps the database alive past close().
  std::unique_ptr<KeyValueBytesIterator> it;
  {
    auto store = open();
    store->put("a", "1");
    store->put("b", "2");
    it = store->all();
    store->put("c", "3");
    store->close();
  }
  EXPECT_THAT(drain(std::move(it)), ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  auto store = open();
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"b", "2"}, KV{"c", "3"}));
}

TEST_F(RocksDBKeyValueStoreTest, DiscardClosesAndRemovesTheDatabaseDirectory) {
  auto store = open();
  store->put("a", "1");
  store->restoreBatch({{"b", "2"}});
  const std::string path = store->path();
  store->discard();
  EXPECT_FALSE(store->isOpen());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_THROW((void)store->get("a"), StoreException);
  auto reopened = open();
  EXPECT_THAT(drain(reopened->all()), ElementsAre());
}

TEST_F(RocksDBKeyValueStoreTest, RemovesARestoreFileLeftByACrashWhenOpened) {
  {
    auto store = open();
    store->put("a", "1");
    store->close();
  }
  overwrite(fs::path(dir.path()) / "rocksdb" / "counts" / "restore-0.sst", "half-written");
  auto store = open();
  EXPECT_TRUE(files("restore-").empty());
  store->restoreBatch({{"b", "1"}});
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"b", "1"}));
}

TEST_F(RocksDBKeyValueStoreTest, PersistedVersionStaysWhenReadOrRemovingAbsentKey) {
  auto store = open();
  store->put("a", "1");
  const uint64_t version = store->persistedVersion();
  (void)store->get("a");
  (void)drain(store->all());
  EXPECT_EQ(store->remove("absent"), std::nullopt);
  EXPECT_EQ(store->putIfAbsent("a", "2"), "1");
  EXPECT_EQ(store->persistedVersion(), version);
}

TEST_F(RocksDBKeyValueStoreTest, PersistedVersionIsStableAcrossCloseAndReopenAfterFlush) {
  uint64_t version = 0;
  {
    auto store = open();
    store->put("a", "1");
    store->put("b", "2");
    store->flush();
    version = store->persistedVersion();
    store->close();
  }
  auto store = open();
  EXPECT_GT(version, 0U);
  EXPECT_EQ(store->persistedVersion(), version);
}

TEST_F(RocksDBKeyValueStoreTest, WritesNothingToWriteAheadLogWhenWriting) {
  auto store = open();
  for (int i = 0; i < 100; ++i) store->put("key" + std::to_string(i), std::string(100, 'x'));
  store->restoreBatch({{"r", "1"}});
  uintmax_t walBytes = 0;
  for (const auto& entry : fs::directory_iterator(store->path())) {
    if (entry.path().extension() == ".log") walBytes += entry.file_size();
  }
  EXPECT_EQ(walBytes, 0U);
}

TEST_F(RocksDBKeyValueStoreTest, ThrowsStoreExceptionWhenUsedBeforeInitOrAfterClose) {
  RocksDBKeyValueStore store("counts");
  EXPECT_THROW((void)store.get("a"), StoreException);
  store.init(context);
  store.close();
  EXPECT_THROW(store.put("a", "1"), StoreException);
  EXPECT_FALSE(store.isOpen());
}

TEST_F(RocksDBKeyValueStoreTest, ThrowsNonCorruptionStoreExceptionWhenDatabaseIsOpenElsewhere) {
  auto first = open();
  RocksDBKeyValueStore second("counts");
  try {
    second.init(context);
    FAIL() << "opened a database that is already open";
  } catch (const StoreException& e) {
    EXPECT_FALSE(e.corruption());
    EXPECT_THAT(e.what(), HasSubstr("counts"));
  }
}

// RocksDB 7.8: "Corruption: CURRENT file does not end with newline".
TEST_F(RocksDBKeyValueStoreTest, ReportsCorruptionWhenCurrentFileHoldsGarbage) {
  open()->close();
  overwrite(fs::path(dir.path()) / "rocksdb" / "counts" / "CURRENT", "garbage");
  RocksDBKeyValueStore store("counts");
  try {
    store.init(context);
    FAIL() << "opened a database whose CURRENT file is garbage";
  } catch (const StoreException& e) {
    EXPECT_TRUE(e.corruption()) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("counts"));
  }
}

// RocksDB 7.8: "Corruption: no log_file_number, next_file_number, last_sequence
// entry in MANIFEST".
TEST_F(RocksDBKeyValueStoreTest, ReportsCorruptionWhenManifestHoldsGarbage) {
  {
    auto store = open();
    store->put("a", "1");
    store->flush();
    store->close();
  }
  const auto manifests = files("MANIFEST-");
  ASSERT_EQ(manifests.size(), 1U);
  overwrite(manifests.front(), std::string(4096, '\x5a'));
  RocksDBKeyValueStore store("counts");
  try {
    store.init(context);
    FAIL() << "opened a database whose MANIFEST is garbage";
  } catch (const StoreException& e) {
    EXPECT_TRUE(e.corruption()) << e.what();
  }
}

TEST_F(RocksDBKeyValueStoreTest, ReportsCorruptionWhenSstFileHoldsGarbage) {
  {
    auto store = open();
    store->put("a", "1");
    store->flush();
    store->close();
  }
  const auto tables = files("0");
  const auto sst = std::find_if(tables.begin(), tables.end(),
                                [](const fs::path& p) { return p.extension() == ".sst"; });
  ASSERT_NE(sst, tables.end());
  overwrite(*sst, std::string(4096, '\x5a'));
  // max_open_files = -1: every table file is opened (and its footer checked) on open.
  RocksDBKeyValueStore store("counts");
  try {
    store.init(context);
    FAIL() << "opened a database whose table file is garbage";
  } catch (const StoreException& e) {
    EXPECT_TRUE(e.corruption()) << e.what();
  }
}

TEST_F(RocksDBKeyValueStoreTest, OpensEmptyStoreWhenDestroyedAfterCorruption) {
  {
    auto store = open();
    store->put("a", "1");
    store->flush();
  }
  overwrite(fs::path(dir.path()) / "rocksdb" / "counts" / "CURRENT", "garbage");
  RocksDBKeyValueStore::destroy((fs::path(dir.path()) / "rocksdb" / "counts").string());
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "rocksdb" / "counts"));
  auto store = open();
  EXPECT_EQ(store->get("a"), std::nullopt);
}

TEST_F(RocksDBKeyValueStoreTest, IteratorKeepsWorkingWhenStoreIsClosedUnderIt) {
  auto store = open();
  store->put("a", "1");
  store->put("b", "2");
  auto it = store->all();
  store->close();
  EXPECT_THAT(drain(std::move(it)), ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  // The last iterator closed the database: it opens again.
  auto reopened = open();
  EXPECT_EQ(reopened->get("a"), "1");
}

TEST_F(RocksDBKeyValueStoreTest, IteratorReadsSnapshotWhenStoreIsWrittenDuringIteration) {
  auto store = open();
  store->put("a", "1");
  store->put("c", "3");
  auto it = store->all();
  store->put("b", "2");
  store->remove("c");
  EXPECT_THAT(drain(std::move(it)), ElementsAre(KV{"a", "1"}, KV{"c", "3"}));
}

TEST_F(RocksDBKeyValueStoreTest, ScanAfterFinishedScanSeesEveryWriteInBetween) {
  // A finished scan's RocksDB iterator is reused (refreshed) by the next one.
  auto store = open();
  store->put("a", "1");
  store->put("c", "3");
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"c", "3"}));
  store->put("b", "2");
  store->remove("c");
  EXPECT_THAT(drain(store->range("a", "z")), ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  store->flush();
  store->put("d", "4");
  EXPECT_THAT(drain(store->prefixScan("d")), ElementsAre(KV{"d", "4"}));
  store->put("a", "5");
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "5"}, KV{"b", "2"}, KV{"d", "4"}));
}

TEST_F(RocksDBKeyValueStoreTest, NestedScansReadTheirOwnSnapshots) {
  auto store = open();
  store->put("a", "1");
  auto outer = store->all();
  store->put("b", "2");
  {
    auto inner = store->all();
    store->put("c", "3");
    EXPECT_THAT(drain(std::move(inner)), ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  }
  // The inner scan's iterator is kept for reuse; the outer one still reads its snapshot.
  EXPECT_THAT(drain(std::move(outer)), ElementsAre(KV{"a", "1"}));
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"b", "2"}, KV{"c", "3"}));
}

TEST_F(RocksDBKeyValueStoreTest, ReopensAfterCloseWhileAScanIteratorIsKeptForReuse) {
  auto store = open();
  store->put("a", "1");
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}));
  store->flush();
  store->close();
  auto reopened = open();
  EXPECT_EQ(reopened->get("a"), "1");
  EXPECT_THAT(drain(reopened->all()), ElementsAre(KV{"a", "1"}));
}

TEST_F(RocksDBKeyValueStoreTest, UsesSharedResourcesAndRunsConfigSetterLastWhenContextHasThem) {
  std::vector<std::string> configured;
  bool sawSharedCache = false;
  bool sawSharedWriteBufferManager = false;
  bool sawTunedOptions = false;
  RocksDBResources* resourcesSeen = nullptr;
  RocksDBResources resources(
      64UL * 1024 * 1024, [&](const std::string& storeName, rocksdb::Options& options) {
        configured.push_back(storeName);
        const auto* table = options.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
        sawSharedCache = table != nullptr && table->block_cache == resourcesSeen->blockCache() &&
                         table->filter_policy != nullptr;
        sawSharedWriteBufferManager =
            options.write_buffer_manager == resourcesSeen->writeBufferManager();
        // No compression, as Kafka Streams' stores.
        sawTunedOptions = options.create_if_missing && options.max_open_files == -1 &&
                          options.compaction_style == rocksdb::kCompactionStyleLevel &&
                          options.compression == rocksdb::kNoCompression;
      });
  resourcesSeen = &resources;
  FakeStoreContext withResources(dir.path(), &resources);
  RocksDBKeyValueStore store("shared");
  store.init(withResources);
  store.put("k", "v");

  EXPECT_THAT(configured, ElementsAre("shared"));
  EXPECT_TRUE(sawSharedCache);
  EXPECT_TRUE(sawSharedWriteBufferManager);
  EXPECT_TRUE(sawTunedOptions);
  EXPECT_EQ(resources.writeBufferManager()->buffer_size(), 32UL * 1024 * 1024);
  // Memtable memory is charged to the block cache.
  EXPECT_GT(resources.blockCache()->GetUsage(), 0U);
  store.close();
}

}  // namespace
}  // namespace kstreams::internal
