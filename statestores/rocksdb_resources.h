// The RocksDB memory shared by every store of one KafkaStreams client.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/write_buffer_manager.h>

namespace kstreams::internal {

/// Kafka Streams' bounded-memory setup (its docs' BoundedMemoryRocksDBConfig):
/// one LRU block cache of `memoryBudgetBytes` for data, index and filter blocks,
/// and one WriteBufferManager of half that budget whose memtable memory is
/// charged to the same cache, so that all stores of the client together stay
/// within the budget. The RocksDB objects are thread-safe; share one instance
/// between all stream threads.
class RocksDBResources {
 public:
  /// Called last on the options of every store it opens (Kafka Streams'
  /// rocksdb.config.setter). Must be thread-safe: stream threads open stores
  /// concurrently.
  using ConfigSetter = std::function<void(const std::string& storeName, rocksdb::Options& options)>;

  explicit RocksDBResources(size_t memoryBudgetBytes, ConfigSetter configSetter = {});

  [[nodiscard]] size_t memoryBudgetBytes() const { return memoryBudgetBytes_; }
  [[nodiscard]] const std::shared_ptr<rocksdb::Cache>& blockCache() const { return blockCache_; }
  [[nodiscard]] const std::shared_ptr<rocksdb::WriteBufferManager>& writeBufferManager() const {
    return writeBufferManager_;
  }
  /// Runs the user's config setter, if any.
  void applyConfigSetter(const std::string& storeName, rocksdb::Options& options) const;

 private:
  size_t memoryBudgetBytes_;
  std::shared_ptr<rocksdb::Cache> blockCache_;
  std::shared_ptr<rocksdb::WriteBufferManager> writeBufferManager_;
  ConfigSetter configSetter_;
};

/// Turns RocksDB's per-thread perf counters off for the calling thread. They
/// are on by default and cost a thread-local lookup on every key comparison;
/// stream threads call this once before touching a store.
void disableRocksDBPerfCounters();

}  // namespace kstreams::internal
