// Typed window and session stores for the Processor API (Kafka Streams'
// WindowStore and SessionStore): the same segmented stores, changelogs and
// restore as the windowed aggregations use, with the key and value serdes given
// to Stores::windowStoreBuilder / sessionStoreBuilder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kstreams/detail/window_bytes_store.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/windows.h"

namespace kstreams {

namespace detail {

/// What the typed window and session stores share: the serdes, reused buffers,
/// and turning an iterator of bytes into (Windowed<K>, V) pairs.
template <class K, class V>
class TypedWindowedStoreBase {
 protected:
  TypedWindowedStoreBase(SerdePtr<K> ks, SerdePtr<V> vs) : keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  const std::string& keyBytes(const K& key) {
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    return keyBuf_;
  }
  std::string_view valueBytes(const V& value) {
    valueBuf_.clear();
    valueSerde_->serialize(value, valueBuf_);
    return valueBuf_;
  }
  V value(std::string_view bytes) {
    V v{};
    valueSerde_->deserialize(bytes.data(), bytes.size(), v);
    return v;
  }
  /// windowOf(iterator) gives the window of the iterator's current entry.
  template <class Iterator, class WindowOf>
  std::vector<KeyValue<Windowed<K>, V>> collect(std::unique_ptr<Iterator> it, WindowOf windowOf) {
    std::vector<KeyValue<Windowed<K>, V>> out;
    for (; it->valid(); it->next()) {
      Windowed<K> w;
      keySerde_->deserialize(it->key().data(), it->key().size(), w.key);
      w.window = windowOf(*it);
      out.push_back(KeyValue<Windowed<K>, V>{std::move(w), value(it->value())});
    }
    return out;
  }

  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;

 private:
  std::string keyBuf_;
  std::string valueBuf_;
};

}  // namespace detail

/// Values per (key, window start). With retainDuplicates (Stores::...WindowStore
/// argument) every put() is kept, even for the same key and start.
template <class K, class V>
class WindowStore : private detail::TypedWindowedStoreBase<K, V> {
  using Base = detail::TypedWindowedStoreBase<K, V>;
  using Base::keyBytes;
  using Base::keySerde_;
  using Base::value;
  using Base::valueBytes;

 public:
  WindowStore(detail::WindowBytesStore* bytes, SerdePtr<K> ks, SerdePtr<V> vs, int64_t windowSizeMs)
      : Base(std::move(ks), std::move(vs)), bytes_(bytes), windowSizeMs_(windowSizeMs) {}

  [[nodiscard]] const std::string& name() const { return bytes_->name(); }
  /// nullopt deletes (not with retainDuplicates). A window already older than the
  /// retention period is not written.
  void put(const K& key, const std::optional<V>& value, int64_t windowStart) {
    if (value) {
      bytes_->put(keyBytes(key), valueBytes(*value), windowStart);
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
    return startsAndValues(bytes_->fetch(keyBytes(key), timeFrom, timeTo));
  }
  /// The same, newest first.
  std::vector<KeyValue<int64_t, V>> backwardFetch(const K& key, int64_t timeFrom, int64_t timeTo) {
    return startsAndValues(bytes_->backwardFetch(keyBytes(key), timeFrom, timeTo));
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
  template <class Iterator>
  std::vector<KeyValue<int64_t, V>> startsAndValues(Iterator it) {
    std::vector<KeyValue<int64_t, V>> out;
    for (; it->valid(); it->next()) out.push_back(KeyValue<int64_t, V>{it->windowStart(), value(it->value())});
    return out;
  }
  std::vector<KeyValue<Windowed<K>, V>> collect(std::unique_ptr<detail::WindowBytesIterator> it) {
    return Base::collect(std::move(it), [this](const detail::WindowBytesIterator& i) {
      return Window{i.windowStart(), i.windowStart() + windowSizeMs_};
    });
  }

  detail::WindowBytesStore* bytes_;
  int64_t windowSizeMs_;
};

/// Values per session: a key with its session's [start, end] (both inclusive).
template <class K, class V>
class SessionStore : private detail::TypedWindowedStoreBase<K, V> {
  using Base = detail::TypedWindowedStoreBase<K, V>;
  using Base::keyBytes;
  using Base::value;
  using Base::valueBytes;

 public:
  SessionStore(detail::SessionBytesStore* bytes, SerdePtr<K> ks, SerdePtr<V> vs)
      : Base(std::move(ks), std::move(vs)), bytes_(bytes) {}

  [[nodiscard]] const std::string& name() const { return bytes_->name(); }
  void put(const Windowed<K>& session, const V& value) {
    bytes_->put(keyBytes(session.key), session.window.start, session.window.end, valueBytes(value));
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
  std::vector<KeyValue<Windowed<K>, V>> collect(std::unique_ptr<detail::SessionBytesIterator> it) {
    return Base::collect(std::move(it), [](const detail::SessionBytesIterator& i) {
      return Window{i.sessionStart(), i.sessionEnd()};
    });
  }

  detail::SessionBytesStore* bytes_;
};

}  // namespace kstreams
