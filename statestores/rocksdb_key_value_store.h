// Kafka Streams' RocksDBStore: the persistent bytes store.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

struct RocksDBIteratorPool;

/// A RocksDB database in `<task directory>/rocksdb/<name>`, tuned for a store
/// whose changelog topic is the log: no write-ahead log (a crash loses the
/// memtable, which the changelog restores), bloom filters, level compaction,
/// all files kept open, no compression. Blocks and memtables are
/// charged to the client's RocksDBResources when the context has them; the
/// user's config setter runs last.
///
/// Every RocksDB error becomes a StoreException; corruption() tells damaged
/// files apart (the task then wipes the directory and restores).
///
/// Iterators read a consistent snapshot taken at their creation and keep the
/// database alive: if the store is closed while one is open, RocksDB closes
/// when the last iterator goes away. A finished iterator's rocksdb::Iterator is
/// kept (one at a time) and Refresh()ed for the next range or prefix scan,
/// which is much cheaper than creating one while no flush or compaction has
/// changed the database's files and memtables in between; flush() and close()
/// drop it, so that it pins no flushed memtable for long.
class RocksDBKeyValueStore : public KeyValueBytesStore {
 public:
  explicit RocksDBKeyValueStore(std::string name);
  /// A database in `<task directory>/<parentDirectory>/<name>` instead (the
  /// segments of a window or session store live in `rocksdb/<store name>`).
  RocksDBKeyValueStore(std::string name, std::string parentDirectory);
  ~RocksDBKeyValueStore() override;
  RocksDBKeyValueStore(const RocksDBKeyValueStore&) = delete;
  RocksDBKeyValueStore& operator=(const RocksDBKeyValueStore&) = delete;

  [[nodiscard]] const std::string& name() const override { return name_; }
  /// Opens (creating if needed) the database; throws StoreException.
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return true; }

  [[nodiscard]] std::optional<std::string> get(std::string_view key) override;
  bool getInto(std::string_view key, std::string& out) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override;
  std::optional<std::string> remove(std::string_view key) override;
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override;
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override;
  /// RocksDB's estimate ("rocksdb.estimate-num-keys"): deletes and overwrites
  /// not yet compacted away make it inexact.
  [[nodiscard]] uint64_t approximateNumEntries() override;

  /// Writes the memtables to SST files and waits for it.
  void flush() override;
  void close() override;
  /// Closes without writing the memtable and removes the database directory:
  /// for a store whose contents are no longer wanted (an expired segment).
  void discard();
  /// Closes without writing the memtable (its directory may have been renamed
  /// for removal since it was opened).
  void closeWithoutFlush() { closeDatabase(false); }

  /// Collects the records in memory. At half of write_buffer_size (records
  /// and bytes), and before any other operation, they are sorted by key (the
  /// last record of a key wins), written to an SST file and ingested into the
  /// database, on a background task while the next file is collected. That
  /// skips the memtable and its flush, which cost most of a restore.
  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  /// RocksDB's latest sequence number.
  [[nodiscard]] uint64_t persistedVersion() override;

  /// The database directory; empty before init().
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool isOpen() const { return db_ != nullptr; }

  /// Removes the database directory at `path` and everything in it (a missing
  /// directory is fine). The store must not be open.
  static void destroy(const std::string& path);

 private:
  rocksdb::DB& db();
  void closeDatabase(bool writeMemtable);
  /// The kept iterator refreshed, or a new one.
  std::unique_ptr<rocksdb::Iterator> newIterator();
  /// Ingests the records restoreBatch() collected, if any, and waits until
  /// every restored record is in the database.
  void ingestRestored() {
    if (restored_ || ingesting_.valid()) finishRestored();
  }
  void finishRestored();
  /// Starts writing and ingesting the collected records on another thread,
  /// once the previous file is in.
  void startIngesting();
  void waitForIngesting();
  struct Restored;
  /// Writes `restored` to the SST file `file` (sorted by key, the last record
  /// of a key winning) and moves it into `db`.
  static void ingest(rocksdb::DB& db, const std::string& storeName, const std::string& file,
                     const Restored& restored);

  std::string name_;
  std::string parentDirectory_;
  std::string path_;
  std::shared_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions writeOptions_;
  rocksdb::ReadOptions readOptions_;
  std::shared_ptr<RocksDBIteratorPool> iterators_;  // while open

  std::unique_ptr<Restored> restored_;  // collected by restoreBatch(), not yet being written
  std::future<void> ingesting_;          // the file being written and ingested
  size_t restoreBytesLimit_ = 0;         // collected bytes per file
  uint64_t restoreFiles_ = 0;            // names the next file
};

}  // namespace kstreams::internal
