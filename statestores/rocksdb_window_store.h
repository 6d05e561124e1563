// Kafka Streams' RocksDBWindowStore over its RocksDBSegmentedBytesStore.
#pragma once

#include <cstdint>
#include <string>

#include "statestores/rocksdb_segmented_bytes_store.h"
#include "statestores/segmented_window_store.h"

namespace kstreams::internal {

/// The persistent window store: one RocksDB database per segment of
/// `segmentIntervalMs` of window starts, in
/// `<task directory>/rocksdb/<name>/<name>.<segment start>`, dropped whole
/// when it falls out of retention (see RocksDBSegmentedBytesStore for the
/// layout, the ordering and persistedVersion(); SegmentedWindowStore for the
/// window semantics). Kafka Streams' default segment interval is
/// RocksDBSegmentedBytesStore::defaultSegmentIntervalMs(retentionMs).
class RocksDBWindowStore : public SegmentedWindowStore {
 public:
  RocksDBWindowStore(std::string name, int64_t retentionMs, int64_t segmentIntervalMs,
                     bool retainDuplicates);

  /// The segmented store under it (segments, directory).
  [[nodiscard]] RocksDBSegmentedBytesStore& segments() {
    return static_cast<RocksDBSegmentedBytesStore&>(bytes());
  }
};

}  // namespace kstreams::internal
