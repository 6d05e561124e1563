// State stores as processors see them: typed key-value stores over the bytes
// store stack (caching → change-logging → RocksDB or in-memory).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <typeinfo>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/detail/bytes_store.h"
#include "kstreams/errors.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"

namespace kstreams {

/// A value with the timestamp of the record that last wrote it (Kafka Streams'
/// ValueAndTimestamp; in bytes: 8-byte big-endian timestamp, then the value).
template <class V>
struct ValueAndTimestamp {
  V value{};
  int64_t timestamp = 0;
  bool operator==(const ValueAndTimestamp&) const = default;
};

/// Iterates typed key-value pairs in the byte order of the serialized keys.
template <class K, class V>
class KeyValueIterator {
 public:
  virtual ~KeyValueIterator() = default;
  [[nodiscard]] virtual bool hasNext() const = 0;
  virtual KeyValue<K, V> next() = 0;
  /// The remaining pairs.
  std::vector<KeyValue<K, V>> toList() {
    std::vector<KeyValue<K, V>> out;
    while (hasNext()) out.push_back(next());
    return out;
  }
};

template <class K, class V>
class ReadOnlyKeyValueStore {
 public:
  virtual ~ReadOnlyKeyValueStore() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual std::optional<V> get(const K& key) = 0;
  /// Keys from `from` to `to`, both inclusive, in serialized-key byte order.
  virtual std::unique_ptr<KeyValueIterator<K, V>> range(const K& from, const K& to) = 0;
  virtual std::unique_ptr<KeyValueIterator<K, V>> all() = 0;
  [[nodiscard]] virtual uint64_t approximateNumEntries() = 0;
};

/// Java's `delete` is `remove` here (delete is a C++ keyword).
template <class K, class V>
class KeyValueStore : public ReadOnlyKeyValueStore<K, V> {
 public:
  virtual void put(const K& key, const V& value) = 0;
  virtual std::optional<V> putIfAbsent(const K& key, const V& value) = 0;
  virtual std::optional<V> remove(const K& key) = 0;
  virtual void putAll(const std::vector<KeyValue<K, V>>& entries) {
    for (const auto& kv : entries) put(kv.key, kv.value);
  }
};

template <class K, class V>
using TimestampedKeyValueStore = KeyValueStore<K, ValueAndTimestamp<V>>;

/// The serde of ValueAndTimestamp<V>: 8-byte big-endian timestamp, then V's bytes
/// (Kafka Streams' ValueAndTimestampSerde layout).
template <class V>
class ValueAndTimestampSerde final : public Serde<ValueAndTimestamp<V>> {
 public:
  explicit ValueAndTimestampSerde(SerdePtr<V> inner) : inner_(std::move(inner)) {}
  bool serialize(const ValueAndTimestamp<V>& v, std::string& out) const override {
    detail::putBigEndian<int64_t>(v.timestamp, out);
    inner_->serialize(v.value, out);
    return true;
  }
  void deserialize(const char* data, size_t size, ValueAndTimestamp<V>& out) const override {
    if (data == nullptr) throw SerializationException("ValueAndTimestamp: null bytes");
    if (size < 8) throw SerializationException("ValueAndTimestamp: fewer than 8 bytes");
    out.timestamp = detail::getBigEndian<int64_t>(data);
    inner_->deserialize(data + 8, size - 8, out.value);
  }
  [[nodiscard]] std::string name() const override { return "ValueAndTimestamp<" + inner_->name() + ">"; }

 private:
  SerdePtr<V> inner_;
};

namespace detail {

template <class K, class V>
class TypedIterator final : public KeyValueIterator<K, V> {
 public:
  TypedIterator(std::unique_ptr<KeyValueBytesIterator> it, SerdePtr<K> ks, SerdePtr<V> vs)
      : it_(std::move(it)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}
  [[nodiscard]] bool hasNext() const override { return it_->valid(); }
  KeyValue<K, V> next() override {
    KeyValue<K, V> kv;
    const auto k = it_->key();
    const auto v = it_->value();
    keySerde_->deserialize(k.data(), k.size(), kv.key);
    valueSerde_->deserialize(v.data(), v.size(), kv.value);
    it_->next();
    return kv;
  }

 private:
  std::unique_ptr<KeyValueBytesIterator> it_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

/// The typed layer: serdes over the bytes store stack.
template <class K, class V>
class TypedKeyValueStore final : public KeyValueStore<K, V> {
 public:
  TypedKeyValueStore(KeyValueBytesStore* bytes, SerdePtr<K> ks, SerdePtr<V> vs)
      : bytes_(bytes), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  [[nodiscard]] const std::string& name() const override { return bytes_->name(); }
  [[nodiscard]] std::optional<V> get(const K& key) override {
    if (!bytes_->getInto(keyBytes(key), getBuf_)) return std::nullopt;
    V v{};
    valueSerde_->deserialize(getBuf_.data(), getBuf_.size(), v);
    return v;
  }
  void put(const K& key, const V& value) override {
    const std::string& k = keyBytes(key);
    valueBuf_.clear();
    valueSerde_->serialize(value, valueBuf_);
    bytes_->put(k, std::string_view(valueBuf_));
  }
  std::optional<V> putIfAbsent(const K& key, const V& value) override {
    valueBuf_.clear();
    valueSerde_->serialize(value, valueBuf_);
    auto old = bytes_->putIfAbsent(keyBytes(key), valueBuf_);
    if (!old) return std::nullopt;
    V v{};
    valueSerde_->deserialize(old->data(), old->size(), v);
    return v;
  }
  std::optional<V> remove(const K& key) override {
    auto old = bytes_->remove(keyBytes(key));
    if (!old) return std::nullopt;
    V v{};
    valueSerde_->deserialize(old->data(), old->size(), v);
    return v;
  }
  std::unique_ptr<KeyValueIterator<K, V>> range(const K& from, const K& to) override {
    std::string f;
    std::string t;
    keySerde_->serialize(from, f);
    keySerde_->serialize(to, t);
    return std::make_unique<TypedIterator<K, V>>(bytes_->range(std::string_view(f), std::string_view(t)),
                                                 keySerde_, valueSerde_);
  }
  std::unique_ptr<KeyValueIterator<K, V>> all() override {
    return std::make_unique<TypedIterator<K, V>>(bytes_->all(), keySerde_, valueSerde_);
  }
  [[nodiscard]] uint64_t approximateNumEntries() override { return bytes_->approximateNumEntries(); }

 private:
  const std::string& keyBytes(const K& key) {
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    return keyBuf_;
  }
  KeyValueBytesStore* bytes_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::string keyBuf_;
  std::string valueBuf_;
  std::string getBuf_;  // get()'s bytes, reused
};

}  // namespace detail

/// Where a store keeps its bytes.
enum class StoreType { ROCKS_DB, IN_MEMORY };

/// How a store is built: kind, logging, caching (the runtime builds the stack).
struct StoreSpec {
  enum class Kind { KEY_VALUE, WINDOW, SESSION };
  std::string name;
  Kind kind = Kind::KEY_VALUE;
  StoreType type = StoreType::ROCKS_DB;
  // WINDOW stores: how long windows are kept, and the segment size on disk.
  int64_t retentionMs = 0;
  int64_t segmentIntervalMs = 0;
  // WINDOW stores of the Processor API: the size of their windows (for Windowed keys).
  int64_t windowSizeMs = 0;
  // WINDOW stores of stream-stream joins: keep every record, even with equal key and start.
  bool retainDuplicates = false;
  bool timestamped = true;
  bool loggingEnabled = true;
  std::map<std::string, std::string> changelogConfig;
  // Whether a change reaches the changelog only after the output records sent
  // before it. Needed by state that remembers what was emitted (a suppression,
  // an outer join's unmatched records, any Processor API store), so that a crash
  // never keeps the memory and loses the output. The window stores of a
  // stream-stream join only record what arrived: an output lost in a crash is
  // made again when its input is reprocessed, so the DSL turns this off for them.
  bool changelogAfterOutputs = true;
  bool cachingEnabled = true;
  // Processor API stores: their serdes (SerdePtr<K>/<V>, type-erased) and type
  // names, so that getStateStore<K, V>() can check what it is asked for.
  std::shared_ptr<const void> keySerde;
  std::shared_ptr<const void> valueSerde;
  std::string keyType;
  std::string valueType;
};

/// Describes a store for the Processor API (Kafka Streams' StoreBuilder).
template <class K, class V>
class StoreBuilder {
 public:
  StoreBuilder(StoreSpec spec, SerdePtr<K> ks, SerdePtr<V> vs) : spec_(std::move(spec)) {
    spec_.keySerde = std::move(ks);
    spec_.valueSerde = std::move(vs);
    spec_.keyType = typeid(K).name();
    spec_.valueType = typeid(V).name();
  }
  StoreBuilder withCachingEnabled() const { return with([](StoreSpec& s) { s.cachingEnabled = true; }); }
  StoreBuilder withCachingDisabled() const { return with([](StoreSpec& s) { s.cachingEnabled = false; }); }
  StoreBuilder withLoggingDisabled() const { return with([](StoreSpec& s) { s.loggingEnabled = false; }); }
  StoreBuilder withLoggingEnabled(std::map<std::string, std::string> topicConfig) const {
    return with([&](StoreSpec& s) {
      s.loggingEnabled = true;
      s.changelogConfig = topicConfig;
    });
  }
  [[nodiscard]] const StoreSpec& spec() const { return spec_; }
  [[nodiscard]] const std::string& name() const { return spec_.name; }

 private:
  template <class F>
  StoreBuilder with(F f) const {
    StoreBuilder b = *this;
    f(b.spec_);
    return b;
  }
  StoreSpec spec_;
};

/// What kind of store a StoreBuilder makes (Kafka Streams' KeyValueBytesStoreSupplier).
struct KeyValueStoreSupplier {
  std::string name;
  StoreType type;
};

/// What kind of window or session store a StoreBuilder makes (Kafka Streams'
/// WindowBytesStoreSupplier / SessionBytesStoreSupplier).
struct WindowStoreSupplier {
  std::string name;
  StoreType type;
  int64_t retentionMs = 0;
  int64_t windowSizeMs = 0;
  bool retainDuplicates = false;
};
struct SessionStoreSupplier {
  std::string name;
  StoreType type;
  int64_t retentionMs = 0;
};

/// Factories of Processor API stores (Kafka Streams' Stores). Stores made here are
/// plain stores (no timestamp), caching off, changelog on by default.
struct Stores {
  static KeyValueStoreSupplier persistentKeyValueStore(std::string name) {
    return KeyValueStoreSupplier{std::move(name), StoreType::ROCKS_DB};
  }
  static KeyValueStoreSupplier inMemoryKeyValueStore(std::string name) {
    return KeyValueStoreSupplier{std::move(name), StoreType::IN_MEMORY};
  }
  template <class K, class V>
  static StoreBuilder<K, V> keyValueStoreBuilder(const KeyValueStoreSupplier& supplier, SerdePtr<K> keySerde,
                                                 SerdePtr<V> valueSerde) {
    StoreSpec spec;
    spec.name = supplier.name;
    spec.type = supplier.type;
    spec.timestamped = false;
    spec.cachingEnabled = false;
    return StoreBuilder<K, V>(std::move(spec), std::move(keySerde), std::move(valueSerde));
  }

  /// Windows kept for `retention` of stream time (at least `windowSize`);
  /// retainDuplicates keeps every put, as stream-stream joins need.
  static WindowStoreSupplier persistentWindowStore(std::string name, std::chrono::milliseconds retention,
                                                   std::chrono::milliseconds windowSize, bool retainDuplicates) {
    return windowSupplier(std::move(name), StoreType::ROCKS_DB, retention, windowSize, retainDuplicates);
  }
  static WindowStoreSupplier inMemoryWindowStore(std::string name, std::chrono::milliseconds retention,
                                                 std::chrono::milliseconds windowSize, bool retainDuplicates) {
    return windowSupplier(std::move(name), StoreType::IN_MEMORY, retention, windowSize, retainDuplicates);
  }
  /// For ProcessorContext::getWindowStore<K, V>(name).
  template <class K, class V>
  static StoreBuilder<K, V> windowStoreBuilder(const WindowStoreSupplier& supplier, SerdePtr<K> keySerde,
                                               SerdePtr<V> valueSerde) {
    StoreSpec spec;
    spec.name = supplier.name;
    spec.kind = StoreSpec::Kind::WINDOW;
    spec.type = supplier.type;
    spec.retentionMs = supplier.retentionMs;
    spec.segmentIntervalMs = std::max<int64_t>(supplier.retentionMs / 2, 60000);
    spec.windowSizeMs = supplier.windowSizeMs;
    spec.retainDuplicates = supplier.retainDuplicates;
    spec.timestamped = false;
    spec.cachingEnabled = false;
    return StoreBuilder<K, V>(std::move(spec), std::move(keySerde), std::move(valueSerde));
  }

  /// Sessions kept for `retention` of stream time after they end.
  static SessionStoreSupplier persistentSessionStore(std::string name, std::chrono::milliseconds retention) {
    return sessionSupplier(std::move(name), StoreType::ROCKS_DB, retention);
  }
  static SessionStoreSupplier inMemorySessionStore(std::string name, std::chrono::milliseconds retention) {
    return sessionSupplier(std::move(name), StoreType::IN_MEMORY, retention);
  }
  /// For ProcessorContext::getSessionStore<K, V>(name).
  template <class K, class V>
  static StoreBuilder<K, V> sessionStoreBuilder(const SessionStoreSupplier& supplier, SerdePtr<K> keySerde,
                                                SerdePtr<V> valueSerde) {
    StoreSpec spec;
    spec.name = supplier.name;
    spec.kind = StoreSpec::Kind::SESSION;
    spec.type = supplier.type;
    spec.retentionMs = supplier.retentionMs;
    spec.segmentIntervalMs = std::max<int64_t>(supplier.retentionMs / 2, 60000);
    spec.timestamped = false;
    spec.cachingEnabled = false;
    return StoreBuilder<K, V>(std::move(spec), std::move(keySerde), std::move(valueSerde));
  }

 private:
  static WindowStoreSupplier windowSupplier(std::string name, StoreType type, std::chrono::milliseconds retention,
                                            std::chrono::milliseconds windowSize, bool retainDuplicates) {
    if (windowSize.count() <= 0) {
      throw ConfigException("window store " + name + ": the window size must be positive");
    }
    if (retention < windowSize) {
      throw ConfigException("window store " + name + ": the retention (" + std::to_string(retention.count()) +
                            " ms) must be at least the window size (" + std::to_string(windowSize.count()) + " ms)");
    }
    return WindowStoreSupplier{std::move(name), type, retention.count(), windowSize.count(), retainDuplicates};
  }
  static SessionStoreSupplier sessionSupplier(std::string name, StoreType type, std::chrono::milliseconds retention) {
    if (retention.count() < 0) {
      throw ConfigException("session store " + name + ": the retention must not be negative");
    }
    return SessionStoreSupplier{std::move(name), type, retention.count()};
  }
};

}  // namespace kstreams
