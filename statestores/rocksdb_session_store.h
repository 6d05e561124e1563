// Kafka Streams' RocksDBSessionStore over its RocksDBSegmentedBytesStore.
#pragma once

#include <cstdint>
#include <string>

#include "statestores/rocksdb_segmented_bytes_store.h"
#include "statestores/segmented_session_store.h"

namespace kstreams::internal {

/// The persistent session store: one RocksDB database per segment of
/// `segmentIntervalMs` of session ends, in
/// `<task directory>/rocksdb/<name>/<name>.<segment start>`, dropped whole
/// when it falls out of retention (see RocksDBSegmentedBytesStore and
/// SegmentedSessionStore). Kafka Streams' default segment interval is
/// RocksDBSegmentedBytesStore::defaultSegmentIntervalMs(retentionMs).
class RocksDBSessionStore : public SegmentedSessionStore {
 public:
  RocksDBSessionStore(std::string name, int64_t retentionMs, int64_t segmentIntervalMs);

  /// The segmented store under it (segments, directory).
  [[nodiscard]] RocksDBSegmentedBytesStore& segments() {
    return static_cast<RocksDBSegmentedBytesStore&>(bytes());
  }
};

}  // namespace kstreams::internal
