// Operation options, named as in Kafka Streams: Named, Consumed, Produced,
// Repartitioned, Branched. Each factory deduces the key and value types from the
// serdes it is given, so user code rarely spells template arguments:
//   builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
//   stream.to("out", Produced::with(Serdes::String(), Serdes::Int64()))
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "kstreams/record.h"
#include "kstreams/serde.h"

namespace kstreams {

namespace detail {
/// Stands for a key or value type that an option does not fix.
struct Unspecified {};
}  // namespace detail

/// A user-chosen name for a processor node (and the topics and stores derived from it).
struct Named {
  std::string name;
  bool given = false;  // Named::as was called (an empty name is then an error)
  static Named as(std::string name) { return Named{std::move(name), true}; }
};

/// Picks a record's event time: (record, partition time) -> timestamp in ms.
using TimestampExtractor = std::function<int64_t(const RawRecord& record, int64_t partitionTime)>;

template <class K, class V>
struct ConsumedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  TimestampExtractor timestampExtractor;
  std::string name;

  ConsumedWith() = default;
  ConsumedWith(SerdePtr<K> k, SerdePtr<V> v) : keySerde(std::move(k)), valueSerde(std::move(v)) {}
  /// Options without serdes (Consumed::as, Consumed::with(extractor)) fit any types.
  template <class K2 = K, class V2 = V>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  ConsumedWith(const ConsumedWith<detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : timestampExtractor(o.timestampExtractor), name(o.name) {}

  ConsumedWith withName(std::string n) const {
    auto c = *this;
    c.name = std::move(n);
    return c;
  }
  ConsumedWith withTimestampExtractor(TimestampExtractor e) const {
    auto c = *this;
    c.timestampExtractor = std::move(e);
    return c;
  }
};

struct Consumed {
  template <class K, class V>
  static ConsumedWith<K, V> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde) {
    return ConsumedWith<K, V>(std::move(keySerde), std::move(valueSerde));
  }
  static ConsumedWith<detail::Unspecified, detail::Unspecified> with(TimestampExtractor e) {
    ConsumedWith<detail::Unspecified, detail::Unspecified> c;
    c.timestampExtractor = std::move(e);
    return c;
  }
  static ConsumedWith<detail::Unspecified, detail::Unspecified> as(std::string name) {
    ConsumedWith<detail::Unspecified, detail::Unspecified> c;
    c.name = std::move(name);
    return c;
  }
};

/// Chooses the partition of an output record: (topic, key, value, partition count)
/// -> partition, or nullopt for the producer's default (murmur2 of the key bytes,
/// as Kafka's Java producer).
template <class K, class V>
using StreamPartitioner = std::function<std::optional<int32_t>(
    const std::string& topic, const K& key, const V& value, int32_t numPartitions)>;

template <class K, class V>
struct ProducedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  StreamPartitioner<K, V> partitioner;
  std::string name;

  ProducedWith() = default;
  ProducedWith(SerdePtr<K> k, SerdePtr<V> v) : keySerde(std::move(k)), valueSerde(std::move(v)) {}
  template <class K2 = K, class V2 = V>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  ProducedWith(const ProducedWith<detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : name(o.name) {}

  ProducedWith withName(std::string n) const {
    auto p = *this;
    p.name = std::move(n);
    return p;
  }
  ProducedWith withStreamPartitioner(StreamPartitioner<K, V> sp) const {
    auto p = *this;
    p.partitioner = std::move(sp);
    return p;
  }
};

struct Produced {
  template <class K, class V>
  static ProducedWith<K, V> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde) {
    return ProducedWith<K, V>(std::move(keySerde), std::move(valueSerde));
  }
  template <class K, class V>
  static ProducedWith<K, V> streamPartitioner(StreamPartitioner<K, V> sp) {
    ProducedWith<K, V> p;
    p.partitioner = std::move(sp);
    return p;
  }
  static ProducedWith<detail::Unspecified, detail::Unspecified> as(std::string name) {
    ProducedWith<detail::Unspecified, detail::Unspecified> p;
    p.name = std::move(name);
    return p;
  }
};

template <class K, class V>
struct RepartitionedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  StreamPartitioner<K, V> partitioner;
  std::string name;
  int32_t numberOfPartitions = -1;  // -1: as many as the upstream source topics

  RepartitionedWith() = default;
  RepartitionedWith(SerdePtr<K> k, SerdePtr<V> v)
      : keySerde(std::move(k)), valueSerde(std::move(v)) {}
  template <class K2 = K, class V2 = V>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  RepartitionedWith(const RepartitionedWith<detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : name(o.name), numberOfPartitions(o.numberOfPartitions) {}

  RepartitionedWith withName(std::string n) const {
    auto r = *this;
    r.name = std::move(n);
    return r;
  }
  RepartitionedWith withNumberOfPartitions(int32_t n) const {
    auto r = *this;
    r.numberOfPartitions = n;
    return r;
  }
  RepartitionedWith withStreamPartitioner(StreamPartitioner<K, V> sp) const {
    auto r = *this;
    r.partitioner = std::move(sp);
    return r;
  }
};

struct Repartitioned {
  template <class K, class V>
  static RepartitionedWith<K, V> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde) {
    return RepartitionedWith<K, V>(std::move(keySerde), std::move(valueSerde));
  }
  static RepartitionedWith<detail::Unspecified, detail::Unspecified> as(std::string name) {
    RepartitionedWith<detail::Unspecified, detail::Unspecified> r;
    r.name = std::move(name);
    return r;
  }
  static RepartitionedWith<detail::Unspecified, detail::Unspecified> numberOfPartitions(int32_t n) {
    RepartitionedWith<detail::Unspecified, detail::Unspecified> r;
    r.numberOfPartitions = n;
    return r;
  }
};

/// How a branch of split() is named and what is done with it.
template <class F = std::nullptr_t>
struct BranchedWith {
  std::string name;
  F fn{};
  bool isConsumer = false;
};

struct Branched {
  static BranchedWith<> as(std::string name) { return BranchedWith<>{std::move(name)}; }
  /// The branch is handed to `consumer(KStream)` and left out of the result map.
  template <class F>
  static BranchedWith<F> withConsumer(F consumer, std::string name = "") {
    return BranchedWith<F>{std::move(name), std::move(consumer), true};
  }
  /// `function(KStream) -> KStream` is applied to the branch; its result goes in the map.
  template <class F>
  static BranchedWith<F> withFunction(F function, std::string name = "") {
    return BranchedWith<F>{std::move(name), std::move(function), false};
  }
};

}  // namespace kstreams

#include <map>

#include "kstreams/state.h"

namespace kstreams {

/// How a table or an aggregation is stored: name, serdes, store type, changelog, cache.
template <class K, class V>
struct MaterializedWith {
  std::string storeName;
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  StoreType storeType = StoreType::ROCKS_DB;
  bool loggingEnabled = true;
  std::map<std::string, std::string> changelogConfig;
  bool cachingEnabled = true;
  int64_t retentionMs = -1;  // window stores: -1 means window size + grace

  MaterializedWith() = default;
  MaterializedWith(SerdePtr<K> k, SerdePtr<V> v) : keySerde(std::move(k)), valueSerde(std::move(v)) {}
  template <class K2 = K, class V2 = V>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  MaterializedWith(const MaterializedWith<detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : storeName(o.storeName),
        storeType(o.storeType),
        loggingEnabled(o.loggingEnabled),
        changelogConfig(o.changelogConfig),
        cachingEnabled(o.cachingEnabled),
        retentionMs(o.retentionMs) {}

  MaterializedWith withKeySerde(SerdePtr<K> s) const {
    auto m = *this;
    m.keySerde = std::move(s);
    return m;
  }
  MaterializedWith withValueSerde(SerdePtr<V> s) const {
    auto m = *this;
    m.valueSerde = std::move(s);
    return m;
  }
  MaterializedWith withStoreType(StoreType t) const {
    auto m = *this;
    m.storeType = t;
    return m;
  }
  MaterializedWith withLoggingDisabled() const {
    auto m = *this;
    m.loggingEnabled = false;
    return m;
  }
  /// Changelog on, with these topic configs (added to cleanup.policy=compact).
  MaterializedWith withLoggingEnabled(std::map<std::string, std::string> topicConfig) const {
    auto m = *this;
    m.loggingEnabled = true;
    m.changelogConfig = std::move(topicConfig);
    return m;
  }
  MaterializedWith withCachingDisabled() const {
    auto m = *this;
    m.cachingEnabled = false;
    return m;
  }
  /// Window stores: keep windows this long (at least window size + grace).
  MaterializedWith withRetention(std::chrono::milliseconds retention) const {
    auto m = *this;
    m.retentionMs = retention.count();
    return m;
  }
  MaterializedWith withCachingEnabled() const {
    auto m = *this;
    m.cachingEnabled = true;
    return m;
  }
};

struct Materialized {
  static MaterializedWith<detail::Unspecified, detail::Unspecified> as(std::string storeName) {
    MaterializedWith<detail::Unspecified, detail::Unspecified> m;
    m.storeName = std::move(storeName);
    return m;
  }
  static MaterializedWith<detail::Unspecified, detail::Unspecified> as(StoreType type) {
    MaterializedWith<detail::Unspecified, detail::Unspecified> m;
    m.storeType = type;
    return m;
  }
  template <class K, class V>
  static MaterializedWith<K, V> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde) {
    return MaterializedWith<K, V>(std::move(keySerde), std::move(valueSerde));
  }
};

/// Serdes and name of the repartition topic a grouping may need.
template <class K, class V>
struct GroupedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  std::string name;

  GroupedWith() = default;
  GroupedWith(SerdePtr<K> k, SerdePtr<V> v) : keySerde(std::move(k)), valueSerde(std::move(v)) {}
  template <class K2 = K, class V2 = V>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  GroupedWith(const GroupedWith<detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : name(o.name) {}
  GroupedWith withName(std::string n) const {
    auto g = *this;
    g.name = std::move(n);
    return g;
  }
};

struct Grouped {
  template <class K, class V>
  static GroupedWith<K, V> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde) {
    return GroupedWith<K, V>(std::move(keySerde), std::move(valueSerde));
  }
  static GroupedWith<detail::Unspecified, detail::Unspecified> as(std::string name) {
    GroupedWith<detail::Unspecified, detail::Unspecified> g;
    g.name = std::move(name);
    return g;
  }
};

}  // namespace kstreams
