#include <memory>
#include <utility>

#include "statestores/in_memory_segmented_bytes_store.h"
#include "statestores/in_memory_window_store.h"
#include "statestores/rocksdb_window_store.h"

namespace kstreams::internal {

RocksDBWindowStore::RocksDBWindowStore(std::string name, int64_t retentionMs,
                                       int64_t segmentIntervalMs, bool retainDuplicates)
    : SegmentedWindowStore(std::make_unique<RocksDBSegmentedBytesStore>(
                               std::move(name), retentionMs, segmentIntervalMs,
                               WindowKeyCodec::kLayout),
                           retainDuplicates) {}

InMemoryWindowStore::InMemoryWindowStore(std::string name, int64_t retentionMs,
                                         bool retainDuplicates)
    : SegmentedWindowStore(std::make_unique<InMemorySegmentedBytesStore>(
                               std::move(name), retentionMs, WindowKeyCodec::kLayout),
                           retainDuplicates) {}

}  // namespace kstreams::internal
