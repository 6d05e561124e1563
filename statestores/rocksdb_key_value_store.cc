#include "statestores/rocksdb_key_value_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>
#include <utility>

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>

#include "statestores/rocksdb_resources.h"
#include "statestores/store_context.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

// Kafka Streams' RocksDBStore defaults.
constexpr size_t kWriteBufferSize = 16UL * 1024 * 1024;
constexpr int kMaxWriteBuffers = 3;
constexpr size_t kBlockSize = 4UL * 1024;
// Block cache of a store whose context has no shared resources (tests, tools).
constexpr size_t kPrivateBlockCacheSize = 8UL * 1024 * 1024;
constexpr double kBloomBitsPerKey = 10.0;
// Restored records are written to SST files of this name in the database
// directory, then moved into the database; a leftover of a crash is removed
// when the store opens.
constexpr std::string_view kRestoreFilePrefix = "restore-";
constexpr std::string_view kRestoreFileSuffix = ".sst";

/// The one place where a rocksdb::Status becomes an exception.
void check(const rocksdb::Status& status, const std::string& storeName,
           std::string_view operation) {
  if (status.ok()) return;
  throw StoreException("RocksDB store " + storeName + ": " + std::string(operation) +
                           " failed: " + status.ToString(),
                       status.IsCorruption());
}

rocksdb::Slice slice(std::string_view bytes) { return {bytes.data(), bytes.size()}; }

std::string_view view(const rocksdb::Slice& bytes) { return {bytes.data(), bytes.size()}; }

rocksdb::Options storeOptions(const std::string& storeName, RocksDBResources* resources) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(static_cast<int>(std::max(2U, std::thread::hardware_concurrency())));
  options.compaction_style = rocksdb::kCompactionStyleLevel;
  options.max_open_files = -1;
  options.write_buffer_size = kWriteBufferSize;
  options.max_write_buffer_number = kMaxWriteBuffers;
  // No compression, as Kafka Streams' RocksDB stores: state is small per key and
  // restores are bounded by flushing, which compression slows (a config setter
  // can turn it on).
  options.compression = rocksdb::kNoCompression;
  // close() writes the memtable itself, so that discard() need not.
  options.avoid_flush_during_shutdown = true;

  rocksdb::BlockBasedTableOptions table;
  table.block_size = kBlockSize;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  if (resources != nullptr) {
    // Bounded memory: index and filter blocks live in the shared cache too,
    // partitioned, with the top level pinned and high priority.
    table.block_cache = resources->blockCache();
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_top_level_index_and_filter = true;
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.partition_filters = true;
    options.write_buffer_manager = resources->writeBufferManager();
  } else {
    table.block_cache = rocksdb::NewLRUCache(kPrivateBlockCacheSize);
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  if (resources != nullptr) resources->applyConfigSetter(storeName, options);
  return options;
}

}  // namespace

/// The store's idle rocksdb::Iterator, shared with its open iterators, which
/// hand theirs back when they are destroyed while the store is open and none is
/// kept yet. A task's stores are used from one thread, but a global store is
/// read by every stream thread while the global thread writes and flushes it:
/// the pool is locked (uncontended for task stores).
struct RocksDBIteratorPool {
  explicit RocksDBIteratorPool(std::string name) : storeName(std::move(name)) {}
  std::unique_ptr<rocksdb::Iterator> take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::move(idle);
  }
  void giveBack(std::unique_ptr<rocksdb::Iterator>& it) {
    std::lock_guard<std::mutex> lock(mutex);
    if (open && !idle) idle = std::move(it);
  }
  void drop(bool closing) {
    std::unique_ptr<rocksdb::Iterator> dropped;
    std::lock_guard<std::mutex> lock(mutex);
    if (closing) open = false;
    dropped = std::move(idle);
  }
  const std::string storeName;
  std::mutex mutex;
  std::unique_ptr<rocksdb::Iterator> idle;
  bool open = true;
};

namespace {

/// Walks a rocksdb::Iterator between inclusive bounds or over a prefix. Holds the
/// database so that it outlives the iterator (declared first: destroyed last).
class RocksDBIterator : public KeyValueBytesIterator {
 public:
  RocksDBIterator(std::shared_ptr<rocksdb::DB> db, std::shared_ptr<RocksDBIteratorPool> pool,
                  std::unique_ptr<rocksdb::Iterator> it, std::optional<std::string_view> to,
                  std::optional<std::string_view> prefix)
      : db_(std::move(db)),
        pool_(std::move(pool)),
        it_(std::move(it)),
        to_(to ? std::optional<std::string>(*to) : std::nullopt),
        prefix_(prefix ? std::optional<std::string>(*prefix) : std::nullopt) {}
  ~RocksDBIterator() override {
    if (it_->status().ok()) pool_->giveBack(it_);
  }
  RocksDBIterator(const RocksDBIterator&) = delete;
  RocksDBIterator& operator=(const RocksDBIterator&) = delete;

  /// Positions at the first key >= `from` (or the first key).
  void start(std::optional<std::string_view> from) {
    if (from) {
      it_->Seek(slice(*from));
    } else {
      it_->SeekToFirst();
    }
    settle();
  }

  [[nodiscard]] bool valid() const override { return valid_; }
  void next() override {
    it_->Next();
    settle();
  }
  [[nodiscard]] std::string_view key() const override { return view(it_->key()); }
  [[nodiscard]] std::string_view value() const override { return view(it_->value()); }

 private:
  void settle() {
    if (!it_->Valid()) {
      valid_ = false;
      check(it_->status(), pool_->storeName, "iterating");
      return;
    }
    const std::string_view k = key();
    valid_ = (!to_ || k <= *to_) && (!prefix_ || k.starts_with(*prefix_));
  }

  std::shared_ptr<rocksdb::DB> db_;
  std::shared_ptr<RocksDBIteratorPool> pool_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::optional<std::string> to_;
  std::optional<std::string> prefix_;
  bool valid_ = false;
};

}  // namespace

RocksDBKeyValueStore::RocksDBKeyValueStore(std::string name)
    : RocksDBKeyValueStore(std::move(name), "rocksdb") {}

RocksDBKeyValueStore::RocksDBKeyValueStore(std::string name, std::string parentDirectory)
    : name_(std::move(name)), parentDirectory_(std::move(parentDirectory)) {
  // The changelog topic is the log.
  writeOptions_.disableWAL = true;
}

RocksDBKeyValueStore::~RocksDBKeyValueStore() {
  try {
    close();
  } catch (const std::exception&) {
    // Nothing to do in a destructor (a failed restore file included): the
    // changelog restores what was lost.
  }
}

void RocksDBKeyValueStore::init(StoreContext& context) {
  if (db_) throw StoreException("RocksDB store " + name_ + " is already open");
  const std::filesystem::path parent =
      std::filesystem::path(context.taskDirectory()) / parentDirectory_;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    throw StoreException("RocksDB store " + name_ + ": cannot create " + parent.string() + ": " +
                         error.message());
  }
  path_ = (parent / name_).string();
  const rocksdb::Options options = storeOptions(name_, context.rocksdbResources());
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, path_, &raw);
  std::unique_ptr<rocksdb::DB> owned(raw);
  check(status, name_, "opening " + path_);
  db_ = std::move(owned);
  iterators_ = std::make_shared<RocksDBIteratorPool>(name_);
  // A file collecting and one being written take about one write buffer.
  restoreBytesLimit_ = std::max<size_t>(db_->GetOptions().write_buffer_size / 2, 512 * 1024);
  for (const auto& entry : std::filesystem::directory_iterator(path_, error)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(kRestoreFilePrefix) && file.ends_with(kRestoreFileSuffix)) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

rocksdb::DB& RocksDBKeyValueStore::db() {
  if (!db_) throw StoreException("RocksDB store " + name_ + " is not open");
  return *db_;
}

std::optional<std::string> RocksDBKeyValueStore::get(std::string_view key) {
  std::string value;
  if (!getInto(key, value)) return std::nullopt;
  return value;
}

bool RocksDBKeyValueStore::getInto(std::string_view key, std::string& out) {
  ingestRestored();
  const rocksdb::Status status = db().Get(readOptions_, slice(key), &out);
  if (status.IsNotFound()) return false;
  check(status, name_, "get");
  return true;
}

void RocksDBKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  ingestRestored();
  if (value) {
    check(db().Put(writeOptions_, slice(key), slice(*value)), name_, "put");
  } else {
    check(db().Delete(writeOptions_, slice(key)), name_, "delete");
  }
}

std::optional<std::string> RocksDBKeyValueStore::putIfAbsent(std::string_view key,
                                                             std::string_view value) {
  std::optional<std::string> existing = get(key);
  if (!existing) put(key, value);
  return existing;
}

std::optional<std::string> RocksDBKeyValueStore::remove(std::string_view key) {
  std::optional<std::string> old = get(key);
  if (old) put(key, std::nullopt);
  return old;
}

std::unique_ptr<rocksdb::Iterator> RocksDBKeyValueStore::newIterator() {
  rocksdb::DB& database = db();
  ingestRestored();
  if (std::unique_ptr<rocksdb::Iterator> kept = iterators_->take()) {
    // Without a flush or compaction since, Refresh() only moves the iterator to
    // the latest sequence number; else it rebuilds it, as NewIterator would.
    if (kept->Refresh().ok()) return kept;
  }
  return std::unique_ptr<rocksdb::Iterator>(database.NewIterator(readOptions_));
}

std::unique_ptr<KeyValueBytesIterator> RocksDBKeyValueStore::range(
    std::optional<std::string_view> from, std::optional<std::string_view> to) {
  auto result = std::make_unique<RocksDBIterator>(db_, iterators_, newIterator(), to, std::nullopt);
  result->start(from);
  return result;
}

std::unique_ptr<KeyValueBytesIterator> RocksDBKeyValueStore::prefixScan(std::string_view prefix) {
  auto result = std::make_unique<RocksDBIterator>(db_, iterators_, newIterator(), std::nullopt, prefix);
  result->start(prefix);
  return result;
}

uint64_t RocksDBKeyValueStore::approximateNumEntries() {
  ingestRestored();
  uint64_t estimate = 0;
  if (!db().GetIntProperty("rocksdb.estimate-num-keys", &estimate)) return 0;
  return estimate;
}

void RocksDBKeyValueStore::flush() {
  ingestRestored();
  rocksdb::FlushOptions options;
  options.wait = true;
  check(db().Flush(options), name_, "flush");
  // The kept iterator would pin the memtable just flushed.
  iterators_->drop(false);
}

void RocksDBKeyValueStore::close() { closeDatabase(true); }

void RocksDBKeyValueStore::discard() {
  if (!db_) return;
  const std::string path = path_;
  closeDatabase(false);
  destroy(path);
}

void RocksDBKeyValueStore::closeDatabase(bool writeMemtable) {
  if (!db_) return;
  // On failure the store stays open; the destructor tries once more.
  ingestRestored();
  // RocksDB would write the memtable on close (the changelog being the log,
  // there is no write-ahead log to replay); it is told not to, so that a
  // discarded store skips the work.
  if (writeMemtable) {
    rocksdb::FlushOptions options;
    options.wait = true;
    check(db_->Flush(options), name_, "flush before close");
  }
  iterators_->drop(true);
  iterators_.reset();
  std::shared_ptr<rocksdb::DB> db = std::move(db_);
  // Open iterators hold the database; the last of them closes it.
  if (db.use_count() == 1) check(db->Close(), name_, "close");
}

/// Records collected by restoreBatch(), in changelog order; their bytes are
/// copied into blocks that never move.
struct RocksDBKeyValueStore::Restored {
  static constexpr size_t kBlockSize = 1024 * 1024;
  static constexpr uint32_t kTombstone = UINT32_MAX;
  struct Record {
    const char* data;  // the key, then the value
    uint32_t keySize;
    uint32_t valueSize;  // kTombstone: delete the key
  };

  void add(std::string_view key, std::optional<std::string_view> value) {
    const size_t size = key.size() + (value ? value->size() : 0);
    if (size > blockSize - blockUsed) {
      blockSize = std::max(kBlockSize, size);
      blocks.push_back(std::make_unique_for_overwrite<char[]>(blockSize));
      blockUsed = 0;
      blockBytes += blockSize;
    }
    char* data = blocks.back().get() + blockUsed;
    // An empty view may have no data pointer, which memcpy must not get.
    if (!key.empty()) std::memcpy(data, key.data(), key.size());
    if (value && !value->empty()) std::memcpy(data + key.size(), value->data(), value->size());
    blockUsed += size;
    records.push_back(Record{data, static_cast<uint32_t>(key.size()),
                             value ? static_cast<uint32_t>(value->size()) : kTombstone});
  }
  [[nodiscard]] size_t memory() const { return blockBytes + records.capacity() * sizeof(Record); }
  [[nodiscard]] rocksdb::Slice key(uint32_t i) const { return {records[i].data, records[i].keySize}; }

  std::vector<Record> records;
  std::vector<std::unique_ptr<char[]>> blocks;
  size_t blockSize = 0;
  size_t blockUsed = 0;
  size_t blockBytes = 0;
};

void RocksDBKeyValueStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  db();
  if (!restored_) {
    restored_ = std::make_unique<Restored>();
    restored_->records.reserve(std::max<size_t>(records.size(), restoreBytesLimit_ / 64));
  }
  for (const auto& record : records) restored_->add(record.key, record.value);
  if (restored_->memory() >= restoreBytesLimit_) startIngesting();
}

void RocksDBKeyValueStore::startIngesting() {
  waitForIngesting();
  const std::string file = path_ + "/" + std::string(kRestoreFilePrefix) + std::to_string(restoreFiles_++) +
                           std::string(kRestoreFileSuffix);
  // The task holds the database and the records; the store waits for it before
  // anything else touches the database.
  ingesting_ = std::async(std::launch::async, [db = db_, name = name_, file, restored = std::move(restored_)] {
    ingest(*db, name, file, *restored);
  });
}

void RocksDBKeyValueStore::waitForIngesting() {
  if (!ingesting_.valid()) return;
  std::future<void> done = std::move(ingesting_);
  done.get();  // rethrows the task's StoreException
}

void RocksDBKeyValueStore::finishRestored() {
  if (restored_) startIngesting();
  waitForIngesting();
}

void RocksDBKeyValueStore::ingest(rocksdb::DB& db, const std::string& storeName, const std::string& file,
                                  const Restored& restored) {
  const rocksdb::Options options = db.GetOptions();
  const rocksdb::Comparator& comparator = *options.comparator;
  // A stable sort keeps the changelog order within a key.
  std::vector<uint32_t> order(restored.records.size());
  std::iota(order.begin(), order.end(), 0U);
  const auto less = [&](uint32_t a, uint32_t b) { return comparator.Compare(restored.key(a), restored.key(b)) < 0; };
  if (!std::is_sorted(order.begin(), order.end(), less)) std::stable_sort(order.begin(), order.end(), less);

  // The message is built on failure only: this runs for every record.
  const auto fail = [&](const rocksdb::Status& status, std::string_view operation) {
    if (status.ok()) return;
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    check(status, storeName, "restore: " + std::string(operation) + " " + file);
  };
  {
    // Written pages stay in the page cache: the task reads them next.
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, nullptr, false);
    fail(writer.Open(file), "creating");
    for (size_t i = 0; i < order.size(); ++i) {
      const rocksdb::Slice key = restored.key(order[i]);
      if (i + 1 < order.size() && comparator.Equal(key, restored.key(order[i + 1]))) continue;
      const auto& r = restored.records[order[i]];
      fail(r.valueSize == Restored::kTombstone
               ? writer.Delete(key)
               : writer.Put(key, rocksdb::Slice(r.data + r.keySize, r.valueSize)),
           "writing");
    }
    fail(writer.Finish(), "writing");
  }
  rocksdb::IngestExternalFileOptions ingestOptions;
  ingestOptions.move_files = true;
  fail(db.IngestExternalFile({file}, ingestOptions), "ingesting");
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
}

uint64_t RocksDBKeyValueStore::persistedVersion() {
  ingestRestored();
  return db().GetLatestSequenceNumber();
}

void RocksDBKeyValueStore::destroy(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) throw StoreException("cannot remove store directory " + path + ": " + error.message());
}

}  // namespace kstreams::internal
