// Typed window and session stores for the Processor API (Kafka Streams'
// WindowStore and SessionStore): the same segmented stores, changelogs and
// restore as the windowed aggregations use, with the key and value serdes given
// to Stores::windowStoreBuilder / sessionStoreBuilder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kstreams/detail/window_bytes_store.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/windows.h"

namespace kstreams {

/// Values per (key, window start). With retainDuplicates (Stores::...WindowStore
/// argument) every put() is kept, even for the same key and start.
template <class K, class V>
class WindowStore {
 public:
  WindowStore(detail::WindowBytesStore* bytes, SerdePtr<K> ks, SerdePtr<V> vs, int64_t windowSizeMs)
      : bytes_(bytes), keySerde_(std::move(ks)), valueSerde_(std::move(vs)), windowSizeMs_(windowSizeMs) {}

  [[nodiscard]] const std::string& name() const { return bytes_->name(); }
  /// nullopt deletes (not with retainDuplicates). A window already older than the
  /// retention period is not written.
  void put(const K& key, const std::optional<V>& value, int64_t windowStart) {
    if (value) {
      valueBuf_.clear();
      valueSerde_->serialize(*value, valueBuf_);
      bytes_->put(keyBytes(key), std::string_view(valueBuf_), windowStart);
    } else {
      bytes_->put(keyBytes(key), std::nullopt, windowStart);
    }
  }
  [[nodiscard]] std::optional<V> fetch(const K& key, int64_t windowStart) {
    auto raw = bytes_->fetch(keyBytes(key), windowStart);
    if (!raw) return std::nullopt;
    return value(*raw);
  }
  /// The windows of `key` starting in [timeFrom, timeTo], oldest first: (start, value).
  std::vector<KeyValue<int64_t, V>> fetch(const K& key, int64_t timeFrom, int64_t timeTo) {
    std::vector<KeyValue<int64_t, V>> out;
    for (auto it = bytes_->fetch(keyBytes(key), timeFrom, timeTo); it->valid(); it->next()) {
      out.push_back(KeyValue<int64_t, V>{it->windowStart(), value(it->value())});
    }
    return out;
  }
  /// The same, newest first.
  std::vector<KeyValue<int64_t, V>> backwardFetch(const K& key, int64_t timeFrom, int64_t timeTo) {
    std::vector<KeyValue<int64_t, V>> out;
    for (auto it = bytes_->backwardFetch(keyBytes(key), timeFrom, timeTo); it->valid(); it->next()) {
      out.push_back(KeyValue<int64_t, V>{it->windowStart(), value(it->value())});
    }
    return out;
  }
  /// Keys in [keyFrom, keyTo] (serialized-byte order), windows starting in [timeFrom, timeTo].
  std::vector<KeyValue<Windowed<K>, V>> fetch(const K& keyFrom, const K& keyTo, int64_t timeFrom, int64_t timeTo) {
    std::string from;
    std::string to;
    keySerde_->serialize(keyFrom, from);
    keySerde_->serialize(keyTo, to);
    return collect(bytes_->fetchRange(std::string_view(from), std::string_view(to), timeFrom, timeTo));
  }
  /// Every key's windows starting in [timeFrom, timeTo].
  std::vector<KeyValue<Windowed<K>, V>> fetchAll(int64_t timeFrom, int64_t timeTo) {
    return collect(bytes_->fetchAll(timeFrom, timeTo));
  }
  std::vector<KeyValue<Windowed<K>, V>> all() { return collect(bytes_->all()); }

 private:
  const std::string& keyBytes(const K& key) {
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    return keyBuf_;
  }
  V value(std::string_view bytes) {
    V v{};
    valueSerde_->deserialize(bytes.data(), bytes.size(), v);
    return v;
  }
  std::vector<KeyValue<Windowed<K>, V>> collect(std::unique_ptr<detail::WindowBytesIterator> it) {
    std::vector<KeyValue<Windowed<K>, V>> out;
    for (; it->valid(); it->next()) {
      Windowed<K> w;
      keySerde_->deserialize(it->key().data(), it->key().size(), w.key);
      w.window = Window{it->windowStart(), it->windowStart() + windowSizeMs_};
      out.push_back(KeyValue<Windowed<K>, V>{std::move(w), value(it->value())});
    }
    return out;
  }

  detail::WindowBytesStore* bytes_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  int64_t windowSizeMs_;
  std::string keyBuf_;
  std::string valueBuf_;
};

/// Values per session: a key with its session's [start, end] (both inclusive).
template <class K, class V>
class SessionStore {
 public:
  SessionStore(detail::SessionBytesStore* bytes, SerdePtr<K> ks, SerdePtr<V> vs)
      : bytes_(bytes), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  [[nodiscard]] const std::string& name() const { return bytes_->name(); }
  void put(const Windowed<K>& session, const V& value) {
    valueBuf_.clear();
    valueSerde_->serialize(value, valueBuf_);
    bytes_->put(keyBytes(session.key), session.window.start, session.window.end, std::string_view(valueBuf_));
  }
  void remove(const Windowed<K>& session) {
    bytes_->put(keyBytes(session.key), session.window.start, session.window.end, std::nullopt);
  }
  [[nodiscard]] std::optional<V> fetchSession(const K& key, int64_t start, int64_t end) {
    auto raw = bytes_->fetchSession(keyBytes(key), start, end);
    if (!raw) return std::nullopt;
    return value(*raw);
  }
  /// The sessions of `key` that end at or after earliestSessionEndTime and start
  /// at or before latestSessionStartTime.
  std::vector<KeyValue<Windowed<K>, V>> findSessions(const K& key, int64_t earliestSessionEndTime,
                                                     int64_t latestSessionStartTime) {
    return collect(bytes_->findSessions(keyBytes(key), earliestSessionEndTime, latestSessionStartTime));
  }
  /// Every session of `key`.
  std::vector<KeyValue<Windowed<K>, V>> fetch(const K& key) { return collect(bytes_->fetch(keyBytes(key))); }

 private:
  const std::string& keyBytes(const K& key) {
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    return keyBuf_;
  }
  V value(std::string_view bytes) {
    V v{};
    valueSerde_->deserialize(bytes.data(), bytes.size(), v);
    return v;
  }
  std::vector<KeyValue<Windowed<K>, V>> collect(std::unique_ptr<detail::SessionBytesIterator> it) {
    std::vector<KeyValue<Windowed<K>, V>> out;
    for (; it->valid(); it->next()) {
      Windowed<K> w;
      keySerde_->deserialize(it->key().data(), it->key().size(), w.key);
      w.window = Window{it->sessionStart(), it->sessionEnd()};
      out.push_back(KeyValue<Windowed<K>, V>{std::move(w), value(it->value())});
    }
    return out;
  }

  detail::SessionBytesStore* bytes_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::string keyBuf_;
  std::string valueBuf_;
};

}  // namespace kstreams
