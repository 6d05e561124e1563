// Kafka Streams' RocksDBSegmentedBytesStore over KeyValueSegments: one RocksDB
// database per time segment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <future>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "statestores/key_filter.h"
#include "statestores/rocksdb_key_value_store.h"
#include "statestores/segmented_bytes_store.h"

namespace kstreams::internal {

/// Time is cut into segments of `segmentIntervalMs`: segment id = time /
/// segmentIntervalMs. Each segment is a RocksDBKeyValueStore (same tuning: no
/// write-ahead log, the client's shared cache) in
/// `<task directory>/rocksdb/<name>/<name>.<segment id * segmentIntervalMs>`,
/// created by the first write to it. Within a segment the RocksDB key is the
/// store key, so one key's entries are contiguous and ordered by time.
///
/// Retention (Kafka Streams' AbstractSegments): when the observed stream time
/// advances, every segment whose id is below the id of the expiry boundary
/// (observed stream time - retention) is closed and its directory deleted.
/// Reads additionally skip expired times inside the live segments.
///
/// Scans over one key read [key+timeFrom, key+timeTo] in each segment the time
/// range touches and drop the entries of longer keys that share the prefix
/// (their store keys fall inside that byte range too). Scans over several keys
/// merge the segments' iterators in (key, time, extra) order; inside one segment
/// that is RocksDB's byte order, which differs from it only for a key that is a
/// proper prefix of another whose next byte is not above the timestamp's byte
/// there (0x00 for today's times): those may interleave, as in Kafka Streams.
///
/// When opened, the existing segment directories are opened and the observed
/// stream time is taken to be the start of the newest segment (a lower bound of
/// the real one, which is not stored): until a later write, a little less than
/// one segment interval of windows that had expired may show again.
///
/// Each segment created by a write (not opened from disk) has a KeyFilter of
/// the keys and of the whole store keys written to it: fetch() skips a segment
/// that cannot hold the key without creating a RocksDB iterator, get() one that
/// cannot hold the store key without reading. A join's fetches mostly look for
/// keys that are not there (the first record of a pair, or an older segment),
/// and a windowed aggregation mostly looks for windows that do not exist yet;
/// the filter answers those from memory. Its memory grows with the segment's
/// distinct keys up to 1 MiB (two entries of 16 bits per store key); a segment
/// with more gives up its filter and is always read.
///
/// Opening a RocksDB database creates and syncs several files, which took a
/// few percent of a stream thread that writes a new segment every second or
/// so. When a write creates the newest segment, the one after it is opened on
/// another thread, to be taken by the write that first needs it. Until then its
/// directory holds a marker file; a directory with the marker (left by a crash)
/// is removed when the store opens, and close() removes an untaken one, so a
/// segment nothing was written to never moves the stream time of a reopened
/// store.
///
/// An expired segment is closed and removed on another thread: deleting files
/// can wait on the disk (on a file system mounted with `discard` it waits for
/// the device to trim them). close() waits for these removals.
///
/// persistedVersion() is a 64-bit hash of the (segment id, RocksDB sequence
/// number) pairs of the open segments, 0 when there are none: every write moves
/// a segment's sequence number, creating or dropping a segment changes the set,
/// and both survive a flush, close and reopen.
class RocksDBSegmentedBytesStore : public SegmentedBytesStore {
 public:
  /// Kafka Streams' default (Stores.persistentWindowStore/SessionStore):
  /// max(retention / 2, 60 s).
  [[nodiscard]] static constexpr int64_t defaultSegmentIntervalMs(int64_t retentionMs) {
    return std::max<int64_t>(retentionMs / 2, kMinimumDefaultSegmentIntervalMs);
  }
  static constexpr int64_t kMinimumDefaultSegmentIntervalMs = 60'000;
  /// The file in the directory of a segment opened ahead and not written yet.
  static constexpr const char* kPreparedMarker = "kstreams-prepared";

  /// Throws StoreException unless retentionMs >= 0 and segmentIntervalMs > 0.
  RocksDBSegmentedBytesStore(std::string name, int64_t retentionMs, int64_t segmentIntervalMs,
                             TimeKeyLayout layout);
  ~RocksDBSegmentedBytesStore() override;
  RocksDBSegmentedBytesStore(const RocksDBSegmentedBytesStore&) = delete;
  RocksDBSegmentedBytesStore& operator=(const RocksDBSegmentedBytesStore&) = delete;

  [[nodiscard]] const std::string& name() const override { return name_; }
  /// Opens the existing segments; throws StoreException (also for a segment
  /// directory that does not fit the segment interval).
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return true; }
  [[nodiscard]] int64_t retentionMs() const override { return retentionMs_; }
  [[nodiscard]] const TimeKeyLayout& layout() const override { return layout_; }
  [[nodiscard]] int64_t segmentIntervalMs() const { return segmentIntervalMs_; }

  [[nodiscard]] int64_t observedStreamTime() const override { return observedStreamTime_; }
  bool observe(int64_t time) override;

  void put(std::string_view storeKey, std::optional<std::string_view> value) override;
  [[nodiscard]] std::optional<std::string> get(std::string_view storeKey) override;
  std::unique_ptr<KeyValueBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                               int64_t timeTo, bool forward,
                                               const Filter& accept) override;
  std::unique_ptr<KeyValueBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                    std::optional<std::string_view> keyTo,
                                                    int64_t timeFrom, int64_t timeTo) override;

  void flush() override;
  void close() override;
  /// One RocksDB write batch per segment.
  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  [[nodiscard]] uint64_t persistedVersion() override;

  /// `<task directory>/rocksdb/<name>`; empty before init().
  [[nodiscard]] const std::string& directory() const { return directory_; }
  /// The open segments' ids, ascending.
  [[nodiscard]] std::vector<int64_t> segmentIds() const;
  /// Waits until the segment being opened ahead, if any, is open and the
  /// expired segments are removed, so that the directory holds no
  /// half-made or half-removed segment.
  void waitForBackgroundWork();
  [[nodiscard]] int64_t segmentId(int64_t time) const;

 private:
  StoreContext& context();
  [[nodiscard]] std::string segmentName(int64_t segmentId) const;
  struct Segment {
    std::unique_ptr<RocksDBKeyValueStore> store;
    /// The keys and store keys written to the segment; null when it was
    /// opened from disk, whose keys are not known.
    std::unique_ptr<KeyFilter> keys;
    RocksDBKeyValueStore* operator->() const { return store.get(); }
    [[nodiscard]] bool mayContain(uint64_t keyHash) const {
      return !keys || keys->mayContainHash(keyHash);
    }
    /// Adds the key (for fetch()) and the whole store key (for get()).
    void add(std::string_view storeKey, const TimeKeyLayout& layout) const {
      if (!keys) return;
      keys->addHash(KeyFilter::hash(layout.key(storeKey)));
      keys->addHash(KeyFilter::hash(storeKey));
    }
  };
  /// The segment, opened or created (with a key filter when `created`: it did
  /// not exist on disk).
  Segment& getOrCreateSegment(int64_t segmentId, bool created = true);
  Segment* findSegment(int64_t segmentId);
  /// Closes and deletes the segments whose ids are below that of the boundary.
  void dropExpiredSegments();
  /// Starts opening segment `segmentId` on another thread, unless one is
  /// being opened already.
  void prepareSegment(int64_t segmentId);
  /// The prepared segment's database if it is segment `segmentId`, waiting
  /// for it; else null (and a prepared segment before `segmentId` is removed).
  std::unique_ptr<RocksDBKeyValueStore> takePrepared(int64_t segmentId);
  /// Waits for the prepared segment, if any, and removes it.
  void discardPrepared();
  /// The first live time at or after `time`.
  [[nodiscard]] int64_t liveFrom(int64_t time) const;
  /// The open segments with ids in [segmentId(timeFrom), segmentId(timeTo)], ascending.
  std::vector<RocksDBKeyValueStore*> segmentsFor(int64_t timeFrom, int64_t timeTo);

  std::string name_;
  int64_t retentionMs_;
  int64_t segmentIntervalMs_;
  TimeKeyLayout layout_;
  StoreContext* context_ = nullptr;
  std::string directory_;
  int64_t observedStreamTime_ = kNoStreamTime;
  std::map<int64_t, Segment> segments_;
  struct Prepared {
    int64_t id;
    std::future<std::unique_ptr<RocksDBKeyValueStore>> store;
  };
  std::optional<Prepared> prepared_;
  /// Expired segments being closed and removed.
  std::vector<std::future<void>> discarding_;
  void waitForDiscarding(bool all);
  std::string lowerBuf_;  // fetch()'s range bounds, reused
  std::string upperBuf_;
};

}  // namespace kstreams::internal
