// Kafka Streams' SegmentedBytesStore: the time-keyed bytes under the window and
// session stores.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "statestores/key_value_bytes_store.h"
#include "statestores/window_key_codec.h"

namespace kstreams::internal {

/// Values under store keys of one TimeKeyLayout (key, time, extra), kept for
/// `retentionMs` of stream time: the highest time observed so far. A time at
/// or before expiryBoundary() (observed stream time - retention) is expired:
/// reads never return it and the store may drop it any time. Times are
/// non-negative.
///
/// Iterators yield store keys (decode them with the layout) and read a snapshot
/// taken when they are created.
class SegmentedBytesStore {
 public:
  /// Extra condition on the store keys an iterator returns.
  using Filter = std::function<bool(std::string_view storeKey)>;
  /// No stream time observed yet (Kafka Streams' NO_TIMESTAMP).
  static constexpr int64_t kNoStreamTime = -1;

  virtual ~SegmentedBytesStore() = default;

  [[nodiscard]] virtual const std::string& name() const = 0;
  virtual void init(StoreContext& context) = 0;
  [[nodiscard]] virtual bool persistent() const = 0;
  [[nodiscard]] virtual int64_t retentionMs() const = 0;
  [[nodiscard]] virtual const TimeKeyLayout& layout() const = 0;

  [[nodiscard]] virtual int64_t observedStreamTime() const = 0;
  /// observedStreamTime() - retentionMs() (saturating).
  [[nodiscard]] int64_t expiryBoundary() const;
  /// Advances the observed stream time to `time` when it is later, dropping what
  /// falls out of retention, and tells whether `time` is still live (later than
  /// the boundary).
  virtual bool observe(int64_t time) = 0;

  /// Writes (nullopt: deletes) a store key; the caller observe()d its time and
  /// found it live.
  virtual void put(std::string_view storeKey, std::optional<std::string_view> value) = 0;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view storeKey) = 0;
  /// The store keys of `key` with a live time in [timeFrom, timeTo] that pass
  /// `accept` (when set), by (time, extra), or the reverse when !forward.
  virtual std::unique_ptr<KeyValueBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                                       int64_t timeTo, bool forward,
                                                       const Filter& accept) = 0;
  /// The store keys with a key in [keyFrom, keyTo] (nullopt: unbounded) and a
  /// live time in [timeFrom, timeTo], by (key, time, extra).
  virtual std::unique_ptr<KeyValueBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                            std::optional<std::string_view> keyTo,
                                                            int64_t timeFrom, int64_t timeTo) = 0;

  virtual void flush() = 0;
  virtual void close() = 0;
  /// Changelog records (key = store key), in order; each advances the stream
  /// time like a put and expired ones are skipped.
  virtual void restoreBatch(const std::vector<RestoreRecord>& records) = 0;
  [[nodiscard]] virtual uint64_t persistedVersion() = 0;
};

inline int64_t SegmentedBytesStore::expiryBoundary() const {
  int64_t boundary = 0;
  if (__builtin_sub_overflow(observedStreamTime(), retentionMs(), &boundary)) {
    return std::numeric_limits<int64_t>::min();
  }
  return boundary;
}

}  // namespace kstreams::internal
