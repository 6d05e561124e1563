// Kafka Streams' InMemorySessionStore.
#pragma once

#include <cstdint>
#include <string>

#include "statestores/segmented_session_store.h"

namespace kstreams::internal {

/// The session store over InMemorySegmentedBytesStore: an ordered map by (key,
/// session end, session start) with a time index for expiry. Not persistent;
/// same semantics as RocksDBSessionStore otherwise.
class InMemorySessionStore : public SegmentedSessionStore {
 public:
  InMemorySessionStore(std::string name, int64_t retentionMs);
};

}  // namespace kstreams::internal
