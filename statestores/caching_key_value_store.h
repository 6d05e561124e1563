// Kafka Streams' CachingKeyValueStore: a write-back record cache over bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "statestores/cache_budget.h"
#include "kstreams/record.h"
#include "statestores/key_index.h"
#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

/// Writes stay in the cache (dirty, with the timestamp of the record that wrote
/// them) until flush() or eviction, so that repeated updates of a key reach the
/// layers below, and the downstream processors, once. A delete is a cached
/// tombstone. Reads see the cache first; iterators merge cache and inner store
/// in key order (the cache wins, tombstones hide inner keys).
///
/// Dirty entries go down in least-recently-written order: a key written again
/// moves to the back (the order of Kafka Streams' NamedCache dirty keys), both
/// on flush() and on eviction. For each one: the old value is read from the inner
/// store (when old values are sent, or the entry is a tombstone: a delete of a
/// key the inner store does not have is written but not forwarded), the entry is
/// written with the context's timestamp set to the entry's own (restored
/// afterwards), and the flush listener is called, still under that timestamp.
///
/// All caching stores of a stream thread share one CacheBudget. When a write
/// takes the total over it, this store evicts its own least-recently-written
/// entries (flushing the dirty ones as above) until the total is within budget;
/// a budget of 0 thus sends every write straight through. Entries stay cached,
/// clean, after a flush. Reads do not fill the cache.
///
/// Not thread-safe, like the stream thread that owns it. The listener must not
/// write to this store.
class CachingKeyValueStore : public KeyValueBytesStore {
 public:
  using FlushListener =
      std::function<void(std::string_view key, std::optional<std::string_view> newValue,
                         std::optional<std::string_view> oldValue, int64_t timestamp)>;

  CachingKeyValueStore(std::unique_ptr<KeyValueBytesStore> inner,
                       std::shared_ptr<CacheBudget> budget);
  /// Gives the cache's bytes back to the budget; dirty entries are dropped (call
  /// flush() or close() first to keep them).
  ~CachingKeyValueStore() override;
  CachingKeyValueStore(const CachingKeyValueStore&) = delete;
  CachingKeyValueStore& operator=(const CachingKeyValueStore&) = delete;

  /// Called for every dirty entry that goes down; oldValue is always nullopt
  /// unless `sendOldValues`.
  void setFlushListener(FlushListener listener, bool sendOldValues);

  [[nodiscard]] const std::string& name() const override { return inner_->name(); }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return inner_->persistent(); }

  [[nodiscard]] std::optional<std::string> get(std::string_view key) override;
  bool getInto(std::string_view key, std::string& out) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override;
  std::optional<std::string> remove(std::string_view key) override;
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override;
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override;
  /// The inner store's count (cached writes not yet flushed are not counted).
  [[nodiscard]] uint64_t approximateNumEntries() override {
    return inner_->approximateNumEntries();
  }

  /// Sends all dirty entries down, then flushes the inner store.
  void flush() override;
  /// Writes the dirty entries to the store below and forwards them downstream,
  /// without flushing that store (a commit that writes no checkpoint).
  void flushCache() { sendDirtyEntriesDown(); }
  /// Sends all dirty entries down, empties the cache, closes the inner store.
  void close() override;

  /// Drops the cached entries of the restored keys and passes the batch down.
  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  [[nodiscard]] uint64_t persistedVersion() override { return inner_->persistedVersion(); }

  [[nodiscard]] size_t cachedEntries() const { return entries_.size(); }
  [[nodiscard]] size_t dirtyEntries() const { return dirtyCount_; }

 private:
  struct Entry {
    std::optional<std::string> value;  // nullopt: tombstone
    int64_t timestamp = 0;
    std::optional<Headers> headers;  // of the record that last wrote the entry
    bool dirty = false;
    size_t charged = 0;                           // bytes charged to the budget
    std::list<const std::string*>::iterator lru;  // position in writeOrder_
    std::list<const std::string*>::iterator dirtyPos;  // position in dirtyOrder_, when dirty
  };
  using Entries = std::map<std::string, Entry, std::less<>>;

  StoreContext& context();
  void evictWhileOverBudget();
  /// Writes one dirty entry to the inner store and calls the listener; the
  /// entry stays dirty if that throws.
  void sendDown(const std::string& key, Entry& entry);
  void sendDirtyEntriesDown();
  void markDirty(const std::string& key, Entry& entry);
  void markClean(Entry& entry);
  /// entries_.find() through the hash index.
  Entries::iterator findEntry(std::string_view key);
  void erase(Entries::iterator it);
  void clear();

  std::unique_ptr<KeyValueBytesStore> inner_;
  std::shared_ptr<CacheBudget> budget_;
  StoreContext* context_ = nullptr;
  FlushListener listener_;
  bool sendOldValues_ = false;
  Entries entries_;
  struct KeyOfEntry {
    std::string_view operator()(Entries::iterator it) const { return it->first; }
  };
  /// The entries by key: a point lookup costs a hash, one slot and the entry's
  /// node instead of a walk down the tree, whose ordering range scans need.
  KeyIndex<Entries::iterator, KeyOfEntry> index_;
  /// Keys of entries_ (pointers into the map's stable nodes), least recently
  /// written first.
  std::list<const std::string*> writeOrder_;
  /// The dirty keys alone, in the same order, so that a flush costs the dirty
  /// entries, not the whole cache.
  std::list<const std::string*> dirtyOrder_;
  size_t dirtyCount_ = 0;
};

}  // namespace kstreams::internal
