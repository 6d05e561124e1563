#include "statestores/rocksdb_resources.h"

#include <utility>

#include <rocksdb/perf_level.h>

namespace kstreams::internal {

namespace {
// Index and filter blocks go to the high-priority pool so that data blocks are
// evicted before them (the ratio Kafka Streams' docs use).
constexpr double kIndexFilterBlockRatio = 0.1;
}  // namespace

RocksDBResources::RocksDBResources(size_t memoryBudgetBytes, ConfigSetter configSetter)
    : memoryBudgetBytes_(memoryBudgetBytes), configSetter_(std::move(configSetter)) {
  rocksdb::LRUCacheOptions cacheOptions;
  cacheOptions.capacity = memoryBudgetBytes;
  cacheOptions.num_shard_bits = -1;
  cacheOptions.strict_capacity_limit = false;
  cacheOptions.high_pri_pool_ratio = kIndexFilterBlockRatio;
  blockCache_ = rocksdb::NewLRUCache(cacheOptions);
  writeBufferManager_ =
      std::make_shared<rocksdb::WriteBufferManager>(memoryBudgetBytes / 2, blockCache_);
}

void RocksDBResources::applyConfigSetter(const std::string& storeName,
                                         rocksdb::Options& options) const {
  if (configSetter_) configSetter_(storeName, options);
}

void disableRocksDBPerfCounters() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }

}  // namespace kstreams::internal
