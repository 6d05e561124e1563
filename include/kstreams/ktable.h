// KTable, KGroupedStream and KGroupedTable: tables and aggregations over state
// stores that are backed by compacted changelog topics.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "kstreams/detail/table_nodes.h"
#include "kstreams/detail/suppress_node.h"
#include "kstreams/detail/window_nodes.h"
#include "kstreams/suppressed.h"
#include "kstreams/windows.h"
#include "kstreams/kstream.h"
#include "kstreams/options.h"
#include "kstreams/state.h"

namespace kstreams {

template <class K, class V>
class KTable;
template <class K, class V>
class KGroupedTable;

namespace detail {

inline StoreSpec storeSpec(const std::string& name, StoreType type, bool logging,
                           std::map<std::string, std::string> changelogConfig, bool caching) {
  StoreSpec spec;
  spec.name = name;
  spec.type = type;
  spec.timestamped = true;
  spec.loggingEnabled = logging;
  spec.changelogConfig = std::move(changelogConfig);
  spec.cachingEnabled = caching;
  return spec;
}

/// Adds an aggregating processor below `parent` with its store; returns the table.
template <class K, class VR, class M, class Factory>
KTable<K, VR> addAggregation(const std::shared_ptr<GraphBuilder>& builder, const std::string& parent,
                             const std::string& processorPrefix, const std::string& store, const M& materialized,
                             SerdePtr<K> keySerde, SerdePtr<VR> valueSerde, const Named& named, Factory factory) {
  auto name = builder->nameOr(named, processorPrefix);
  checkSerdes<K, VR>(*builder, keySerde, valueSerde, name, store + " (state store)",
                     "Materialized::with(keySerde, valueSerde)");
  builder->addProcessor(name, {parent}, [=] { return factory(name); });
  builder->addStateStore(storeSpec(store, materialized.storeType, materialized.loggingEnabled,
                                   materialized.changelogConfig, materialized.cachingEnabled),
                         {name});
  return KTable<K, VR>(builder, name, store, keySerde, valueSerde);
}

/// The window or session store of a windowed aggregation; records an error when
/// the retention asked for is shorter than `minimumRetention` (window size, or
/// gap, + grace; `what` names the first term).
template <class M>
StoreSpec windowedStoreSpec(GraphBuilder& builder, const std::string& store, const M& m, StoreSpec::Kind kind,
                            int64_t minimumRetention, const std::string& what) {
  const int64_t retention = m.retentionMs < 0 ? minimumRetention : m.retentionMs;
  if (retention < minimumRetention) {
    builder.recordError("store " + store + ": retention " + std::to_string(retention) + " ms is shorter than " + what +
                        " + grace (" + std::to_string(minimumRetention) +
                        " ms): give Materialized::withRetention at least that");
  }
  StoreSpec spec = storeSpec(store, m.storeType, m.loggingEnabled, m.changelogConfig, false);
  spec.kind = kind;
  spec.timestamped = false;  // the changelog carries the stored bytes (timestamp included)
  spec.retentionMs = retention;
  spec.segmentIntervalMs = std::max<int64_t>(retention / 2, 60000);
  return spec;
}

/// Adds a windowed aggregation below `parent` with its window or session store;
/// returns the processor's name. `minimumRetention` is window size (or gap) + grace.
template <class K, class VR, class M, class Factory>
std::string addWindowedAggregation(const std::shared_ptr<GraphBuilder>& builder, const std::string& parent,
                                   const std::string& store, const M& m, StoreSpec::Kind kind,
                                   int64_t minimumRetention, const std::string& what, const SerdePtr<K>& ks,
                                   const SerdePtr<VR>& vs, const Named& named, Factory factory) {
  auto name = builder->nameOr(named, "KSTREAM-AGGREGATE-");
  checkSerdes<K, VR>(*builder, ks, vs, name, store + " (windowed store)", "Materialized::with(keySerde, valueSerde)");
  builder->addProcessor(name, {parent}, [=] { return factory(name); });
  builder->addStateStore(windowedStoreSpec(*builder, store, m, kind, minimumRetention, what), {name});
  return name;
}

}  // namespace detail

/// A changelog stream seen as a table: the latest value per key.
template <class K, class V>
class KTable {
 public:
  KTable(std::shared_ptr<detail::GraphBuilder> builder, std::string node, std::string storeName,
         SerdePtr<K> keySerde, SerdePtr<V> valueSerde)
      : builder_(std::move(builder)),
        node_(std::move(node)),
        storeName_(std::move(storeName)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)) {}

  /// Keeps the rows for which predicate(key, value) is true; a row that stops
  /// matching is deleted downstream.
  template <class P>
  KTable filter(P predicate, const Named& named = {}) const {
    return addFilter(std::move(predicate), false, named);
  }
  template <class P>
  KTable filterNot(P predicate, const Named& named = {}) const {
    return addFilter(std::move(predicate), true, named);
  }

  /// New values from mapper(value) or mapper(key, value).
  template <class F>
  auto mapValues(F mapper, const Named& named = {}) const {
    using VR = detail::ValueFnResult<F, K, V>;
    auto name = builder_->nameOr(named, "KTABLE-MAPVALUES-");
    builder_->addProcessor(name, {node_}, [name, mapper] {
      return std::make_unique<detail::TableMapValuesNode<K, V, F>>(name, mapper);
    });
    SerdePtr<VR> vs;
    if constexpr (std::is_same_v<V, VR>) {
      vs = valueSerde_;
    } else {
      vs = DefaultSerde<VR>::get();
    }
    KTable<K, VR> out(builder_, name, "", keySerde_, vs);
    return windowGraceMs_ ? out.withWindowGrace(*windowGraceMs_) : out;
  }

  /// The table's changes as a stream; a deleted row becomes a record with a null value.
  KStream<K, V> toStream(const Named& named = {}) const {
    auto name = builder_->nameOr(named, "KTABLE-TOSTREAM-");
    builder_->addProcessor(name, {node_}, [name] { return std::make_unique<detail::TableToStreamNode<K, V>>(name); });
    return KStream<K, V>(builder_, name, keySerde_, valueSerde_, false);
  }

  /// Re-keys the rows with selector(key, value) -> KeyValue for a re-aggregation
  /// (KGroupedTable): each update first takes the old row out, then adds the new.
  template <class F, class KV = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>>
  auto groupBy(F selector,
               GroupedWith<typename detail::KeyValueTraits<KV>::Key, typename detail::KeyValueTraits<KV>::Value>
                   grouped = {}) const {
    using KR = typename detail::KeyValueTraits<KV>::Key;
    using VR = typename detail::KeyValueTraits<KV>::Value;
    auto name = builder_->newName("KTABLE-SELECT-");
    builder_->addProcessor(name, {node_}, [name, selector] {
      return std::make_unique<detail::TableGroupByNode<K, V, F>>(name, selector);
    });
    auto ks = grouped.keySerde ? grouped.keySerde : DefaultSerde<KR>::get();
    auto vs = grouped.valueSerde ? grouped.valueSerde : DefaultSerde<VR>::get();
    return KGroupedTable<KR, VR>(builder_, name, ks, vs, grouped.name);
  }

  /// Holds updates back: the final result per window (untilWindowCloses, on a
  /// windowed table) or the latest per key after a time limit (untilTimeLimit).
  KTable suppress(const Suppressed& suppressed) const {
    auto name = builder_->nameOr(suppressed.name, "KTABLE-SUPPRESS-");
    const std::string store = name + "-store";
    if (suppressed.mode == Suppressed::Mode::UNTIL_WINDOW_CLOSES) {
      if (!windowGraceMs_) {
        builder_->recordError("suppress(" + name + "): untilWindowCloses needs a windowed table (windowedBy(...) "
                              "then an aggregation); use untilTimeLimit for other tables");
      }
      if (suppressed.buffer.whenFull == BufferConfig::WhenFull::EMIT_EARLY) {
        builder_->recordError("suppress(" + name + "): untilWindowCloses must not emit early; use "
                              "BufferConfig::...shutDownWhenFull() or unbounded()");
      }
    }
    detail::checkSerdes<K, V>(*builder_, keySerde_, valueSerde_, name, store + " (suppression buffer)",
                              "serdes on the upstream aggregation (Materialized::with)");
    const int64_t grace = windowGraceMs_.value_or(0);
    auto ks = keySerde_;
    auto vs = valueSerde_;
    builder_->addProcessor(name, {node_}, [=] {
      return std::make_unique<detail::SuppressNode<K, V>>(name, store, suppressed, grace, ks, vs);
    });
    StoreSpec spec = detail::storeSpec(store, StoreType::IN_MEMORY, true, {}, false);
    spec.timestamped = false;
    builder_->addStateStore(spec, {name});
    KTable out(builder_, name, "", keySerde_, valueSerde_);
    out.windowGraceMs_ = windowGraceMs_;
    return out;
  }

  // ---- table-table joins (defined in kstreams/joins.h) ----
  /// Inner join on the primary key: a row exists while both tables have the key;
  /// its value is joiner(value, otherValue). Updates on either side re-emit.
  template <class VO, class J, class M = MaterializedWith<detail::Unspecified, detail::Unspecified>>
    requires std::is_invocable_v<J&, const V&, const VO&>
  auto join(const KTable<K, VO>& other, J joiner, const Named& named = {}, M materialized = {}) const;
  /// Every row of this table: joiner(const V&, const std::optional<VO>&).
  template <class VO, class J, class M = MaterializedWith<detail::Unspecified, detail::Unspecified>>
    requires std::is_invocable_v<J&, const V&, const std::optional<VO>&>
  auto leftJoin(const KTable<K, VO>& other, J joiner, const Named& named = {}, M materialized = {}) const;
  /// Every row of either table: joiner(const std::optional<V>&, const std::optional<VO>&).
  template <class VO, class J, class M = MaterializedWith<detail::Unspecified, detail::Unspecified>>
    requires std::is_invocable_v<J&, const std::optional<V>&, const std::optional<VO>&>
  auto outerJoin(const KTable<K, VO>& other, J joiner, const Named& named = {}, M materialized = {}) const;
  /// The table itself when it has a store, else a materialized copy (joins look
  /// values up in a store).
  KTable materializedForJoin() const;

  // ---- foreign-key joins (defined in kstreams/fk_join.h) ----
  /// Inner join on a foreign key: each row of this table joins the row of `other`
  /// whose key is foreignKeyExtractor(value) (KO, or std::optional<KO>: empty joins
  /// nothing); its value is joiner(value, otherValue). Changes on either side
  /// re-emit; a row whose foreign key changes leaves its old partner.
  template <class KO, class VO, class FK, class J, class M = MaterializedWith<detail::Unspecified, detail::Unspecified>>
    requires std::is_invocable_v<FK&, const V&> && std::is_invocable_v<J&, const V&, const VO&>
  auto join(const KTable<KO, VO>& other, FK foreignKeyExtractor, J joiner, const Named& named = {},
            M materialized = {}) const;
  /// Every row of this table: joiner(const V&, const std::optional<VO>&).
  template <class KO, class VO, class FK, class J, class M = MaterializedWith<detail::Unspecified, detail::Unspecified>>
    requires std::is_invocable_v<FK&, const V&> && std::is_invocable_v<J&, const V&, const std::optional<VO>&>
  auto leftJoin(const KTable<KO, VO>& other, FK foreignKeyExtractor, J joiner, const Named& named = {},
                M materialized = {}) const;

  /// For windowed tables: the grace period of their windows.
  KTable withWindowGrace(int64_t graceMs) const {
    KTable t = *this;
    t.windowGraceMs_ = graceMs;
    return t;
  }

  [[nodiscard]] const std::string& nodeName() const { return node_; }
  [[nodiscard]] const std::shared_ptr<detail::GraphBuilder>& builder() const { return builder_; }
  /// The store holding this table, or empty when it is computed on the fly.
  [[nodiscard]] const std::string& queryableStoreName() const { return storeName_; }
  [[nodiscard]] const SerdePtr<K>& keySerde() const { return keySerde_; }
  [[nodiscard]] const SerdePtr<V>& valueSerde() const { return valueSerde_; }

 private:
  template <class P>
  KTable addFilter(P predicate, bool negate, const Named& named) const {
    auto name = builder_->nameOr(named, "KTABLE-FILTER-");
    builder_->addProcessor(name, {node_}, [name, predicate, negate] {
      return std::make_unique<detail::TableFilterNode<K, V, P>>(name, predicate, negate);
    });
    KTable out(builder_, name, "", keySerde_, valueSerde_);
    out.windowGraceMs_ = windowGraceMs_;
    return out;
  }

  std::shared_ptr<detail::GraphBuilder> builder_;
  std::string node_;
  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::optional<int64_t> windowGraceMs_;
};

/// A grouped stream cut into time windows, ready to aggregate per key and window.
template <class K, class V>
class TimeWindowedKStream {
 public:
  TimeWindowedKStream(KStream<K, V> input, TimeWindows windows, SerdePtr<K> keySerde, SerdePtr<V> valueSerde)
      : input_(std::move(input)), windows_(windows), keySerde_(std::move(keySerde)), valueSerde_(std::move(valueSerde)) {}

  /// onWindowClose(): the aggregation emits one final result per window, when the
  /// window closes (through an unbounded suppression buffer with a changelog).
  TimeWindowedKStream emitStrategy(EmitStrategy strategy) const {
    TimeWindowedKStream s = *this;
    s.emit_ = strategy;
    return s;
  }

  /// Records per key and window.
  KTable<Windowed<K>, int64_t> count(MaterializedWith<K, int64_t> materialized = {}, const Named& named = {}) const {
    return aggregateWith<int64_t>("KSTREAM-AGGREGATE-STATE-STORE-", materialized, Serdes::Int64(), named,
                                  [](const K&, const V&, const std::optional<int64_t>& agg) { return (agg ? *agg : 0) + 1; });
  }
  template <class R>
  KTable<Windowed<K>, V> reduce(R reducer, MaterializedWith<K, V> materialized = {}, const Named& named = {}) const {
    return aggregateWith<V>("KSTREAM-REDUCE-STATE-STORE-", materialized, valueSerde_, named,
                            [reducer](const K&, const V& v, const std::optional<V>& agg) mutable {
                              return agg ? reducer(*agg, v) : v;
                            });
  }
  template <class I, class A>
  auto aggregate(I initializer, A aggregator,
                 MaterializedWith<K, std::decay_t<std::invoke_result_t<I&>>> materialized = {},
                 const Named& named = {}) const {
    using VR = std::decay_t<std::invoke_result_t<I&>>;
    return aggregateWith<VR>("KSTREAM-AGGREGATE-STATE-STORE-", materialized, DefaultSerde<VR>::get(), named,
                             [initializer, aggregator](const K& k, const V& v, const std::optional<VR>& agg) mutable {
                               return aggregator(k, v, agg ? *agg : initializer());
                             });
  }

 private:
  template <class VR, class F>
  KTable<Windowed<K>, VR> aggregateWith(const std::string& storePrefix, const MaterializedWith<K, VR>& m,
                                        SerdePtr<VR> defaultValueSerde, const Named& named, F fn) const {
    const auto& builder = input_.builder();
    const std::string store = m.storeName.empty() ? builder->newStoreName(storePrefix) : m.storeName;
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : defaultValueSerde;
    auto windows = windows_;
    auto name = detail::addWindowedAggregation<K, VR>(
        builder, input_.nodeName(), store, m, StoreSpec::Kind::WINDOW, windows_.sizeMs() + windows_.gracePeriodMs(),
        "window size", ks, vs, named, [=](const std::string& n) {
          return std::make_unique<detail::WindowAggregateNode<K, V, VR, F>>(n, store, windows, ks, vs, fn);
        });
    SerdePtr<Windowed<K>> windowedSerde;
    if (ks) windowedSerde = WindowedSerdes::timeWindowedSerdeFrom<K>(ks, windows_.sizeMs());
    auto table =
        KTable<Windowed<K>, VR>(builder, name, store, windowedSerde, vs).withWindowGrace(windows_.gracePeriodMs());
    if (emit_.kind == EmitStrategy::Kind::ON_WINDOW_CLOSE) {
      return table.suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()).withName(name + "-EMIT-ON-CLOSE"));
    }
    return table;
  }

  KStream<K, V> input_;
  TimeWindows windows_;
  EmitStrategy emit_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

/// A grouped stream cut into sliding windows, ready to aggregate per key and
/// window (Kafka Streams' SlidingWindowedKStream). Results are keyed by
/// Windowed<K> with the window [start, start + timeDifference], both ends
/// included; read them with WindowedSerdes::timeWindowedSerdeFrom(serde,
/// timeDifferenceMs).
template <class K, class V>
class SlidingWindowedKStream {
 public:
  SlidingWindowedKStream(KStream<K, V> input, SlidingWindows windows, SerdePtr<K> keySerde, SerdePtr<V> valueSerde)
      : input_(std::move(input)), windows_(windows), keySerde_(std::move(keySerde)), valueSerde_(std::move(valueSerde)) {}

  /// onWindowClose(): one final result per window, once stream time has passed
  /// its (inclusive) end plus grace.
  SlidingWindowedKStream emitStrategy(EmitStrategy strategy) const {
    SlidingWindowedKStream s = *this;
    s.emit_ = strategy;
    return s;
  }

  /// Records per key and window.
  KTable<Windowed<K>, int64_t> count(MaterializedWith<K, int64_t> materialized = {}, const Named& named = {}) const {
    return aggregateWith<int64_t>("KSTREAM-AGGREGATE-STATE-STORE-", materialized, Serdes::Int64(), named,
                                  [](const K&, const V&, const std::optional<int64_t>& agg) { return (agg ? *agg : 0) + 1; });
  }
  template <class R>
  KTable<Windowed<K>, V> reduce(R reducer, MaterializedWith<K, V> materialized = {}, const Named& named = {}) const {
    return aggregateWith<V>("KSTREAM-REDUCE-STATE-STORE-", materialized, valueSerde_, named,
                            [reducer](const K&, const V& v, const std::optional<V>& agg) mutable {
                              return agg ? reducer(*agg, v) : v;
                            });
  }
  /// aggregator(key, value, aggregate), each window starting from initializer().
  template <class I, class A>
  auto aggregate(I initializer, A aggregator,
                 MaterializedWith<K, std::decay_t<std::invoke_result_t<I&>>> materialized = {},
                 const Named& named = {}) const {
    using VR = std::decay_t<std::invoke_result_t<I&>>;
    return aggregateWith<VR>("KSTREAM-AGGREGATE-STATE-STORE-", materialized, DefaultSerde<VR>::get(), named,
                             [initializer, aggregator](const K& k, const V& v, const std::optional<VR>& agg) mutable {
                               return aggregator(k, v, agg ? *agg : initializer());
                             });
  }

 private:
  template <class VR, class F>
  KTable<Windowed<K>, VR> aggregateWith(const std::string& storePrefix, const MaterializedWith<K, VR>& m,
                                        SerdePtr<VR> defaultValueSerde, const Named& named, F fn) const {
    const auto& builder = input_.builder();
    const std::string store = m.storeName.empty() ? builder->newStoreName(storePrefix) : m.storeName;
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : defaultValueSerde;
    auto windows = windows_;
    const int64_t d = windows_.timeDifferenceMs();
    // A record reaches back to the window starting 2 x d before it (as in Kafka Streams).
    auto name = detail::addWindowedAggregation<K, VR>(
        builder, input_.nodeName(), store, m, StoreSpec::Kind::WINDOW, 2 * d + windows_.gracePeriodMs(),
        "2 x time difference", ks, vs, named, [=](const std::string& n) {
          return std::make_unique<detail::SlidingWindowAggregateNode<K, V, VR, F>>(n, store, windows, ks, vs, fn);
        });
    SerdePtr<Windowed<K>> windowedSerde;
    if (ks) windowedSerde = WindowedSerdes::timeWindowedSerdeFrom<K>(ks, d);
    // The end is inclusive: a window closes one millisecond after end + grace.
    auto table =
        KTable<Windowed<K>, VR>(builder, name, store, windowedSerde, vs).withWindowGrace(windows_.gracePeriodMs() + 1);
    if (emit_.kind == EmitStrategy::Kind::ON_WINDOW_CLOSE) {
      return table.suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()).withName(name + "-EMIT-ON-CLOSE"));
    }
    return table;
  }

  KStream<K, V> input_;
  SlidingWindows windows_;
  EmitStrategy emit_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

/// A grouped stream cut into sessions, ready to aggregate per key and session.
template <class K, class V>
class SessionWindowedKStream {
 public:
  SessionWindowedKStream(KStream<K, V> input, SessionWindows windows, SerdePtr<K> keySerde, SerdePtr<V> valueSerde)
      : input_(std::move(input)), windows_(windows), keySerde_(std::move(keySerde)), valueSerde_(std::move(valueSerde)) {}

  KTable<Windowed<K>, int64_t> count(MaterializedWith<K, int64_t> materialized = {}, const Named& named = {}) const {
    return aggregateWith<int64_t>(
        materialized, Serdes::Int64(), named,
        [](const K&, const std::optional<int64_t>& agg, int64_t s) { return (agg ? *agg : 0) + s; },
        [](const K&, const V&, const std::optional<int64_t>& agg) { return (agg ? *agg : 0) + 1; });
  }
  template <class R>
  KTable<Windowed<K>, V> reduce(R reducer, MaterializedWith<K, V> materialized = {}, const Named& named = {}) const {
    return aggregateWith<V>(
        materialized, valueSerde_, named,
        [reducer](const K&, const std::optional<V>& agg, const V& s) mutable { return agg ? reducer(*agg, s) : s; },
        [reducer](const K&, const V& v, const std::optional<V>& agg) mutable { return agg ? reducer(*agg, v) : v; });
  }
  /// aggregator(key, value, aggregate) and sessionMerger(key, aggregate1, aggregate2)
  /// for sessions that a record joins, from initializer().
  template <class I, class A, class M>
  auto aggregate(I initializer, A aggregator, M sessionMerger,
                 MaterializedWith<K, std::decay_t<std::invoke_result_t<I&>>> materialized = {},
                 const Named& named = {}) const {
    using VR = std::decay_t<std::invoke_result_t<I&>>;
    return aggregateWith<VR>(
        materialized, DefaultSerde<VR>::get(), named,
        [initializer, sessionMerger](const K& k, const std::optional<VR>& agg, const VR& s) mutable {
          return sessionMerger(k, agg ? *agg : initializer(), s);
        },
        [initializer, aggregator](const K& k, const V& v, const std::optional<VR>& agg) mutable {
          return aggregator(k, v, agg ? *agg : initializer());
        });
  }

 private:
  template <class VR, class Fold, class Add>
  KTable<Windowed<K>, VR> aggregateWith(const MaterializedWith<K, VR>& m, SerdePtr<VR> defaultValueSerde,
                                        const Named& named, Fold fold, Add add) const {
    const auto& builder = input_.builder();
    const std::string store =
        m.storeName.empty() ? builder->newStoreName("KSTREAM-AGGREGATE-STATE-STORE-") : m.storeName;
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : defaultValueSerde;
    auto windows = windows_;
    auto name = detail::addWindowedAggregation<K, VR>(
        builder, input_.nodeName(), store, m, StoreSpec::Kind::SESSION,
        windows_.inactivityGapMs() + windows_.gracePeriodMs(), "inactivity gap", ks, vs, named,
        [=](const std::string& n) {
          return std::make_unique<detail::SessionAggregateNode<K, V, VR, Fold, Add>>(n, store, windows, ks, vs, fold,
                                                                                     add);
        });
    SerdePtr<Windowed<K>> windowedSerde;
    if (ks) windowedSerde = WindowedSerdes::sessionWindowedSerdeFrom<K>(ks);
    return KTable<Windowed<K>, VR>(builder, name, store, windowedSerde, vs).withWindowGrace(windows_.gracePeriodMs());
  }

  KStream<K, V> input_;
  SessionWindows windows_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

template <class K, class VOut>
class CogroupedKStream;

/// A stream grouped by key, ready to aggregate.
template <class K, class V>
class KGroupedStream {
 public:
  KGroupedStream(KStream<K, V> stream, SerdePtr<K> keySerde, SerdePtr<V> valueSerde, std::string repartitionName,
                 bool repartitionRequired)
      : stream_(std::move(stream)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)),
        repartitionName_(std::move(repartitionName)),
        repartitionRequired_(repartitionRequired) {}

  /// Cuts the grouped stream into time windows (repartitioning first if needed).
  TimeWindowedKStream<K, V> windowedBy(const TimeWindows& windows) const {
    return TimeWindowedKStream<K, V>(groupedInput(), windows, keySerde_, valueSerde_);
  }

  /// Cuts the grouped stream into sliding windows (repartitioning first if needed).
  SlidingWindowedKStream<K, V> windowedBy(const SlidingWindows& windows) const {
    return SlidingWindowedKStream<K, V>(groupedInput(), windows, keySerde_, valueSerde_);
  }

  /// Cuts the grouped stream into sessions (repartitioning first if needed).
  SessionWindowedKStream<K, V> windowedBy(const SessionWindows& windows) const {
    return SessionWindowedKStream<K, V>(groupedInput(), windows, keySerde_, valueSerde_);
  }

  /// Starts a cogrouped aggregation (include <kstreams/cogrouped.h>): this stream
  /// aggregated by aggregator(key, value, aggregate), with more grouped streams
  /// added by CogroupedKStream::cogroup, into one table.
  template <class A>
  auto cogroup(A aggregator) const;

  /// Records per key, as an Int64 table.
  KTable<K, int64_t> count(MaterializedWith<K, int64_t> materialized = {}, const Named& named = {}) const {
    return aggregateWith<int64_t>(
        "KSTREAM-AGGREGATE-", "KSTREAM-AGGREGATE-STATE-STORE-", materialized, Serdes::Int64(), named,
        [](const K&, const V&, const std::optional<int64_t>& agg) { return (agg ? *agg : 0) + 1; });
  }
  KTable<K, int64_t> count(const Named& named) const { return count({}, named); }

  /// Combines values: reducer(aggregate, value); the first value is the aggregate.
  template <class R>
  KTable<K, V> reduce(R reducer, MaterializedWith<K, V> materialized = {}, const Named& named = {}) const {
    return aggregateWith<V>("KSTREAM-REDUCE-", "KSTREAM-REDUCE-STATE-STORE-", materialized, valueSerde_, named,
                            [reducer](const K&, const V& v, const std::optional<V>& agg) mutable {
                              return agg ? reducer(*agg, v) : v;
                            });
  }

  /// aggregator(key, value, aggregate), starting from initializer().
  template <class I, class A>
  auto aggregate(I initializer, A aggregator,
                 MaterializedWith<K, std::decay_t<std::invoke_result_t<I&>>> materialized = {},
                 const Named& named = {}) const {
    using VR = std::decay_t<std::invoke_result_t<I&>>;
    return aggregateWith<VR>("KSTREAM-AGGREGATE-", "KSTREAM-AGGREGATE-STATE-STORE-", materialized,
                             DefaultSerde<VR>::get(), named,
                             [initializer, aggregator](const K& k, const V& v, const std::optional<VR>& agg) mutable {
                               return aggregator(k, v, agg ? *agg : initializer());
                             });
  }

 private:
  template <class, class>
  friend class CogroupedKStream;

  template <class VR, class F>
  KTable<K, VR> aggregateWith(const std::string& processorPrefix, const std::string& storePrefix,
                              const MaterializedWith<K, VR>& m, SerdePtr<VR> defaultValueSerde, const Named& named,
                              F fn) const {
    const auto& builder = stream_.builder();
    const std::string store = m.storeName.empty() ? builder->newStoreName(storePrefix) : m.storeName;
    KStream<K, V> input = groupedInput(store);
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : defaultValueSerde;
    return detail::addAggregation<K, VR>(builder, input.nodeName(), processorPrefix, store, m, ks, vs, named,
                                         [=](const std::string& name) {
                                           return std::make_unique<detail::StreamAggregateNode<K, V, VR, F>>(
                                               name, store, ks, vs, fn);
                                         });
  }

  /// The stream to aggregate: repartitioned first when the key was changed
  /// upstream. Aggregations of one named grouping share its repartition topic (as
  /// in Kafka Streams); an unnamed one is named after `store`.
  KStream<K, V> groupedInput(const std::string& store = "") const {
    if (!repartitionRequired_) return stream_;
    if (!repartitionName_.empty() && *repartitioned_) return **repartitioned_;
    const std::string name = !repartitionName_.empty() ? repartitionName_
                             : !store.empty()           ? store
                                                        : stream_.builder()->newName("KSTREAM-AGGREGATE-");
    KStream<K, V> input = stream_.repartition(Repartitioned::with(keySerde_, valueSerde_).withName(name));
    if (!repartitionName_.empty()) *repartitioned_ = input;
    return input;
  }

  KStream<K, V> stream_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::string repartitionName_;
  bool repartitionRequired_;
  std::shared_ptr<std::optional<KStream<K, V>>> repartitioned_ = std::make_shared<std::optional<KStream<K, V>>>();
};

/// A table re-keyed by KTable::groupBy, ready to re-aggregate with adder and subtractor.
template <class K, class V>
class KGroupedTable {
 public:
  KGroupedTable(std::shared_ptr<detail::GraphBuilder> builder, std::string node, SerdePtr<K> keySerde,
                SerdePtr<V> valueSerde, std::string repartitionName)
      : builder_(std::move(builder)),
        node_(std::move(node)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)),
        repartitionName_(std::move(repartitionName)) {}

  KTable<K, int64_t> count(MaterializedWith<K, int64_t> materialized = {}, const Named& named = {}) const {
    return aggregateWith<int64_t>(
        "KTABLE-AGGREGATE-", "KTABLE-AGGREGATE-STATE-STORE-", materialized, Serdes::Int64(), named,
        [](const K&, const V&, const std::optional<int64_t>& agg) { return (agg ? *agg : 0) + 1; },
        [](const K&, const V&, int64_t agg) { return agg - 1; });
  }

  /// adder(aggregate, newValue) and subtractor(aggregate, oldValue); a key's first
  /// value is its aggregate.
  template <class A, class S>
  KTable<K, V> reduce(A adder, S subtractor, MaterializedWith<K, V> materialized = {}, const Named& named = {}) const {
    return aggregateWith<V>(
        "KTABLE-REDUCE-", "KTABLE-REDUCE-STATE-STORE-", materialized, valueSerde_, named,
        [adder](const K&, const V& v, const std::optional<V>& agg) mutable { return agg ? adder(*agg, v) : v; },
        [subtractor](const K&, const V& v, const V& agg) mutable { return subtractor(agg, v); });
  }

  /// adder(key, newValue, aggregate), subtractor(key, oldValue, aggregate), from initializer().
  template <class I, class A, class S>
  auto aggregate(I initializer, A adder, S subtractor,
                 MaterializedWith<K, std::decay_t<std::invoke_result_t<I&>>> materialized = {},
                 const Named& named = {}) const {
    using VR = std::decay_t<std::invoke_result_t<I&>>;
    return aggregateWith<VR>(
        "KTABLE-AGGREGATE-", "KTABLE-AGGREGATE-STATE-STORE-", materialized, DefaultSerde<VR>::get(), named,
        [initializer, adder](const K& k, const V& v, const std::optional<VR>& agg) mutable {
          return adder(k, v, agg ? *agg : initializer());
        },
        subtractor);
  }

 private:
  template <class VR, class A, class S>
  KTable<K, VR> aggregateWith(const std::string& processorPrefix, const std::string& storePrefix,
                              const MaterializedWith<K, VR>& m, SerdePtr<VR> defaultValueSerde, const Named& named,
                              A add, S sub) const {
    const std::string store = m.storeName.empty() ? builder_->newStoreName(storePrefix) : m.storeName;
    // Always through a repartition topic: the new key decides the partition.
    const std::string base = repartitionName_.empty() ? store : repartitionName_;
    const std::string topic = base + "-repartition";
    const std::string sinkName = base + "-repartition-sink";
    const std::string sourceName = base + "-repartition-source";
    detail::checkSerdes<K, V>(*builder_, keySerde_, valueSerde_, sinkName, topic,
                              "Grouped::with(keySerde, valueSerde) in groupBy()");
    SerdePtr<detail::GroupedChange<V>> changeSerde;
    if (valueSerde_) changeSerde = std::make_shared<detail::GroupedChangeSerde<V>>(valueSerde_);
    auto ks = keySerde_;
    builder_->addRepartitionTopic(topic, -1, node_);
    builder_->addSink(sinkName, node_, topic, [=] {
      return std::make_unique<detail::SinkNode<K, detail::GroupedChange<V>>>(sinkName, topic, true, nullptr, ks,
                                                                             changeSerde, nullptr);
    }, true);
    builder_->addSource(sourceName, {topic}, [=] {
      return std::make_unique<detail::SourceNode<K, detail::GroupedChange<V>>>(sourceName, ks, changeSerde, nullptr);
    }, true);
    auto aks = m.keySerde ? m.keySerde : keySerde_;
    auto avs = m.valueSerde ? m.valueSerde : defaultValueSerde;
    return detail::addAggregation<K, VR>(builder_, sourceName, processorPrefix, store, m, aks, avs, named,
                                         [=](const std::string& name) {
                                           return std::make_unique<detail::TableAggregateNode<K, V, VR, A, S>>(
                                               name, store, aks, avs, add, sub);
                                         });
  }

  std::shared_ptr<detail::GraphBuilder> builder_;
  std::string node_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::string repartitionName_;
};

template <class K, class V>
KGroupedStream<K, V> KStream<K, V>::groupByKey(GroupedWith<K, V> grouped) const {
  auto ks = grouped.keySerde ? grouped.keySerde : keySerde_;
  auto vs = grouped.valueSerde ? grouped.valueSerde : valueSerde_;
  return KGroupedStream<K, V>(*this, ks, vs, grouped.name, repartitionRequired_);
}

template <class K, class V>
template <class F>
auto KStream<K, V>::groupBy(F selector, GroupedWith<std::decay_t<std::invoke_result_t<F&, const K&, const V&>>, V> grouped) const {
  using KR = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
  auto keyed = selectKey(selector);
  auto ks = grouped.keySerde ? grouped.keySerde : DefaultSerde<KR>::get();
  auto vs = grouped.valueSerde ? grouped.valueSerde : valueSerde_;
  return KGroupedStream<KR, V>(keyed, ks, vs, grouped.name, true);
}

}  // namespace kstreams

// Joins complete the KStream and KTable APIs.
#include "kstreams/joins.h"
// Global tables and the stream joins with them.
#include "kstreams/global_ktable.h"
// Foreign-key table-table joins.
#include "kstreams/fk_join.h"

// KGroupedStream::cogroup returns a CogroupedKStream.
#include "kstreams/cogrouped.h"
