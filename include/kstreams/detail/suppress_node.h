// The suppression buffer behind KTable::suppress.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/detail/table_nodes.h"
#include "kstreams/suppressed.h"
#include "kstreams/windows.h"

namespace kstreams::detail {

template <class T>
struct IsWindowed : std::false_type {};
template <class K>
struct IsWindowed<Windowed<K>> : std::true_type {};

/// Buffers the latest Change per key in a logged key-value store (entry bytes:
/// 8-byte emit time, 8-byte record timestamp, 1 flag byte (1: a value follows),
/// value bytes) and an in-memory index by emit time, rebuilt from the store on
/// init, so the buffer survives a restart. Emits when the node's stream time
/// reaches an entry's emit time.
template <class K, class V>
class SuppressNode final : public Node {
 public:
  SuppressNode(std::string name, std::string store, Suppressed suppressed, int64_t graceMs, SerdePtr<K> ks,
               SerdePtr<V> vs)
      : Node(std::move(name)),
        storeName_(std::move(store)),
        suppressed_(std::move(suppressed)),
        graceMs_(graceMs),
        keySerde_(std::move(ks)),
        valueSerde_(std::move(vs)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = context.getStateStore(storeName_);
    for (auto it = store_->all(); it->valid(); it->next()) {
      const auto value = it->value();
      if (value.size() < 17) continue;
      const int64_t emitTime = getBigEndian<int64_t>(value.data());
      const int64_t ts = getBigEndian<int64_t>(value.data() + 8);
      std::string key(it->key());
      byEmitTime_.emplace(emitTime, key);
      emitTimeOf_[key] = emitTime;
      bytes_ += static_cast<int64_t>(key.size() + value.size());
      streamTime_ = std::max(streamTime_, ts);
    }
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& change = *static_cast<const Change<V>*>(v);
    streamTime_ = std::max(streamTime_, meta.timestamp);
    int64_t emitTime;
    if constexpr (IsWindowed<K>::value) {
      emitTime = suppressed_.mode == Suppressed::Mode::UNTIL_WINDOW_CLOSES ? key.window.end + graceMs_
                                                                          : meta.timestamp + suppressed_.timeLimitMs;
    } else {
      emitTime = meta.timestamp + suppressed_.timeLimitMs;
    }
    std::string keyBytes;
    keySerde_->serialize(key, keyBytes);
    auto existing = emitTimeOf_.find(keyBytes);
    if (existing != emitTimeOf_.end()) {
      // The first buffering decides when a key is emitted (Kafka Streams' rule for time limits).
      emitTime = existing->second;
    }
    if (emitTime <= streamTime_ && existing == emitTimeOf_.end()) {
      // Already due (for example a window that closed while this record was in flight).
      forwardChange(key, change.newValue, meta.timestamp);
      return;
    }
    std::string entry;
    putBigEndian<int64_t>(emitTime, entry);
    putBigEndian<int64_t>(meta.timestamp, entry);
    if (change.newValue) {
      entry.push_back('\x01');
      valueSerde_->serialize(*change.newValue, entry);
    } else {
      entry.push_back('\x00');
    }
    if (existing == emitTimeOf_.end()) {
      byEmitTime_.emplace(emitTime, keyBytes);
      emitTimeOf_[keyBytes] = emitTime;
    } else if (auto old = store_->get(keyBytes)) {
      bytes_ -= static_cast<int64_t>(keyBytes.size() + old->size());
    }
    bytes_ += static_cast<int64_t>(keyBytes.size() + entry.size());
    store_->put(keyBytes, std::string_view(entry));
    emitDue();
    enforceBounds();
  }

 private:
  void emitDue() {
    while (!byEmitTime_.empty() && byEmitTime_.begin()->first <= streamTime_) emitOldest();
  }

  void enforceBounds() {
    const auto& b = suppressed_.buffer;
    while (!emitTimeOf_.empty() &&
           (static_cast<int64_t>(emitTimeOf_.size()) > b.maxRecords || bytes_ > b.maxBytes)) {
      if (b.whenFull == BufferConfig::WhenFull::SHUT_DOWN) {
        throw StreamsException("suppression buffer " + storeName_ + " is full (" + std::to_string(emitTimeOf_.size()) +
                               " records, " + std::to_string(bytes_) +
                               " bytes) and is set to shut down when full: give it a larger BufferConfig, or "
                               "emitEarlyWhenFull() where early results are acceptable");
      }
      emitOldest();
    }
  }

  void emitOldest() {
    auto it = byEmitTime_.begin();
    const std::string keyBytes = it->second;
    byEmitTime_.erase(it);
    emitTimeOf_.erase(keyBytes);
    auto entry = store_->get(keyBytes);
    store_->remove(keyBytes);
    if (!entry || entry->size() < 17) return;
    bytes_ -= static_cast<int64_t>(keyBytes.size() + entry->size());
    K key{};
    keySerde_->deserialize(keyBytes.data(), keyBytes.size(), key);
    std::optional<V> value;
    if ((*entry)[16] == 1) {
      V v{};
      valueSerde_->deserialize(entry->data() + 17, entry->size() - 17, v);
      value = std::move(v);
    }
    forwardChange(key, std::move(value), getBigEndian<int64_t>(entry->data() + 8));
  }

  void forwardChange(const K& key, std::optional<V> value, int64_t ts) {
    Change<V> change{std::move(value), std::nullopt};
    RecordMeta m;
    m.timestamp = ts;
    forward(&key, &change, m);
  }

  std::string storeName_;
  Suppressed suppressed_;
  int64_t graceMs_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  KeyValueBytesStore* store_ = nullptr;
  std::multimap<int64_t, std::string> byEmitTime_;
  std::map<std::string, int64_t> emitTimeOf_;
  int64_t bytes_ = 0;
  int64_t streamTime_ = -1;
};

}  // namespace kstreams::detail
