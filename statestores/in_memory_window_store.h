// Kafka Streams' InMemoryWindowStore.
#pragma once

#include <cstdint>
#include <string>

#include "statestores/segmented_window_store.h"

namespace kstreams::internal {

/// The window store over InMemorySegmentedBytesStore: an ordered map by (key,
/// window start, sequence number) with a time index for expiry. Not persistent;
/// same semantics as RocksDBWindowStore otherwise.
class InMemoryWindowStore : public SegmentedWindowStore {
 public:
  InMemoryWindowStore(std::string name, int64_t retentionMs, bool retainDuplicates);
};

}  // namespace kstreams::internal
