// The record-cache memory of one stream thread (Kafka Streams' ThreadCache size).
#pragma once

#include <cstddef>

namespace kstreams::internal {

/// Bytes used by the caching stores of one stream thread against the thread's
/// share of statestore.cache.max.bytes. Shared (by shared_ptr) by those stores
/// and used from that thread only: not thread-safe.
class CacheBudget {
 public:
  /// What one cached entry is charged beyond its key and value bytes.
  static constexpr size_t kEntryOverhead = 64;

  /// 0 turns caching off: every write goes straight through.
  explicit CacheBudget(size_t maxBytes) : maxBytes_(maxBytes) {}

  [[nodiscard]] static size_t entrySize(size_t keyBytes, size_t valueBytes) {
    return keyBytes + valueBytes + kEntryOverhead;
  }

  [[nodiscard]] size_t maxBytes() const { return maxBytes_; }
  [[nodiscard]] size_t usedBytes() const { return usedBytes_; }
  [[nodiscard]] bool overBudget() const { return usedBytes_ > maxBytes_; }

  void charge(size_t bytes) { usedBytes_ += bytes; }
  /// Gives back bytes charged earlier.
  void release(size_t bytes);

 private:
  size_t maxBytes_;
  size_t usedBytes_ = 0;
};

}  // namespace kstreams::internal
