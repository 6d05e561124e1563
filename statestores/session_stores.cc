#include <memory>
#include <utility>

#include "statestores/in_memory_segmented_bytes_store.h"
#include "statestores/in_memory_session_store.h"
#include "statestores/rocksdb_session_store.h"

namespace kstreams::internal {

RocksDBSessionStore::RocksDBSessionStore(std::string name, int64_t retentionMs,
                                         int64_t segmentIntervalMs)
    : SegmentedSessionStore(std::make_unique<RocksDBSegmentedBytesStore>(
          std::move(name), retentionMs, segmentIntervalMs, SessionKeyCodec::kLayout)) {}

InMemorySessionStore::InMemorySessionStore(std::string name, int64_t retentionMs)
    : SegmentedSessionStore(std::make_unique<InMemorySegmentedBytesStore>(
          std::move(name), retentionMs, SessionKeyCodec::kLayout)) {}

}  // namespace kstreams::internal
