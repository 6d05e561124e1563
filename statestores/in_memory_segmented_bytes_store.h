// The in-memory counterpart of RocksDBSegmentedBytesStore (Kafka Streams'
// InMemoryWindowStore and InMemorySessionStore keep their maps the same way).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "statestores/segmented_bytes_store.h"

namespace kstreams::internal {

/// One ordered map by (key, time, extra), so that one key's entries are
/// contiguous and ordered by time (fetch of a key is a seek and a walk), plus an
/// index by (time, key, extra) over the same entries, so that expiry and scans of
/// all keys over a time range touch only the entries in that time range.
/// Expired entries are dropped as soon as the observed stream time passes them.
///
/// Not persistent: after a restart it is rebuilt from its changelog; close()
/// drops the contents and persistedVersion() is 0. Iterators read a snapshot.
class InMemorySegmentedBytesStore : public SegmentedBytesStore {
 public:
  /// Throws StoreException unless retentionMs >= 0.
  InMemorySegmentedBytesStore(std::string name, int64_t retentionMs, TimeKeyLayout layout);

  [[nodiscard]] const std::string& name() const override { return name_; }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return false; }
  [[nodiscard]] int64_t retentionMs() const override { return retentionMs_; }
  [[nodiscard]] const TimeKeyLayout& layout() const override { return layout_; }

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

  void flush() override {}
  void close() override;
  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  [[nodiscard]] uint64_t persistedVersion() override { return 0; }

  [[nodiscard]] size_t size() const { return entries_.size(); }

 private:
  using EntryKey = std::tuple<std::string, int64_t, int64_t>;  // key, time, extra
  using Entries = std::map<EntryKey, std::string>;
  struct ByTime {
    using is_transparent = void;
    bool operator()(Entries::const_iterator a, Entries::const_iterator b) const;
    bool operator()(Entries::const_iterator a, int64_t time) const;
    bool operator()(int64_t time, Entries::const_iterator b) const;
  };

  [[nodiscard]] EntryKey entryKey(std::string_view storeKey) const;
  [[nodiscard]] int64_t liveFrom(int64_t time) const;
  void erase(Entries::iterator it);
  void dropExpired();

  std::string name_;
  int64_t retentionMs_;
  TimeKeyLayout layout_;
  int64_t observedStreamTime_ = kNoStreamTime;
  Entries entries_;
  std::set<Entries::const_iterator, ByTime> byTime_;
};

}  // namespace kstreams::internal
