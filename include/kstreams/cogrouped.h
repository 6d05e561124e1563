// CogroupedKStream: several grouped streams aggregated into one table with one
// store (Kafka Streams' KGroupedStream.cogroup, KIP-150).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/ktable.h"

namespace kstreams {

template <class K, class VOut>
class TimeWindowedCogroupedKStream;
template <class K, class VOut>
class SessionWindowedCogroupedKStream;

/// grouped1.cogroup(aggregator1).cogroup(grouped2, aggregator2)...aggregate(initializer):
/// each grouped stream is aggregated by its own aggregator(key, value, aggregate)
/// into the one aggregate per key, starting from initializer(). The inputs must be
/// co-partitioned (keys that need it are repartitioned first, as for any aggregation).
template <class K, class VOut>
class CogroupedKStream {
 public:
  /// Adds another grouped stream with its aggregator(key, value, aggregate).
  template <class V, class A>
  CogroupedKStream cogroup(const KGroupedStream<K, V>& grouped, A aggregator) const {
    static_assert(std::is_invocable_r_v<VOut, A&, const K&, const V&, const VOut&>,
                  "cogroup: the aggregator must be callable as (const K& key, const V& value, const VOut& aggregate) "
                  "and return the new aggregate");
    CogroupedKStream next = *this;
    next.inputs_.push_back(input(grouped, std::move(aggregator)));
    return next;
  }

  /// The table of aggregates; its store holds one value per key for all inputs.
  template <class I>
  KTable<K, VOut> aggregate(I initializer, MaterializedWith<K, VOut> m = {}, const Named& named = {}) const {
    static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<I&>>, VOut>,
                  "cogroup: the initializer must return the aggregate type of the aggregators");
    Aggregation a;
    a.init = std::move(initializer);
    const Built b = build(a, m, named, "COGROUPKSTREAM-AGGREGATE-STATE-STORE-", [&](const std::string& store) {
      return detail::storeSpec(store, m.storeType, m.loggingEnabled, m.changelogConfig, m.cachingEnabled);
    });
    return KTable<K, VOut>(builder_, b.merge, b.store, b.keySerde, b.valueSerde);
  }

  /// Aggregates per key and time window (tumbling or hopping), as
  /// KGroupedStream::windowedBy does for one input.
  TimeWindowedCogroupedKStream<K, VOut> windowedBy(const TimeWindows& windows) const {
    return TimeWindowedCogroupedKStream<K, VOut>(*this, windows);
  }
  /// Aggregates per key and sliding window.
  TimeWindowedCogroupedKStream<K, VOut> windowedBy(const SlidingWindows& windows) const {
    return TimeWindowedCogroupedKStream<K, VOut>(*this, windows);
  }
  /// Aggregates per key and session; sessions a record bridges are merged with the
  /// merger given to aggregate().
  SessionWindowedCogroupedKStream<K, VOut> windowedBy(const SessionWindows& windows) const {
    return SessionWindowedCogroupedKStream<K, VOut>(*this, windows);
  }

 private:
  template <class, class>
  friend class KGroupedStream;

  template <class, class>
  friend class TimeWindowedCogroupedKStream;
  template <class, class>
  friend class SessionWindowedCogroupedKStream;

  /// What every input's processor does with its records.
  struct Aggregation {
    std::function<VOut()> init;
    std::optional<TimeWindows> time;
    std::optional<SlidingWindows> sliding;
    std::optional<SessionWindows> session;
    std::function<VOut(const K&, const VOut&, const VOut&)> merger;  // sessions only
  };
  struct Built {
    std::string merge;  // the processor all inputs' results go through
    std::string store;
    SerdePtr<K> keySerde;
    SerdePtr<VOut> valueSerde;
  };

  using Input = std::function<std::string(const std::string& store, size_t index, const Aggregation& aggregation,
                                          const SerdePtr<K>& ks, const SerdePtr<VOut>& vs)>;

  /// Adds every input's aggregating processor, their shared store (`spec(store)`)
  /// and the merge node.
  template <class M, class Spec>
  Built build(const Aggregation& aggregation, const M& m, const Named& named, const std::string& storePrefix,
              Spec spec) const {
    const std::string store = m.storeName.empty() ? builder_->newStoreName(storePrefix) : m.storeName;
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : DefaultSerde<VOut>::get();
    std::vector<std::string> processors;
    for (size_t i = 0; i < inputs_.size(); ++i) processors.push_back(inputs_[i](store, i, aggregation, ks, vs));
    const std::string merge = builder_->nameOr(named, "COGROUPKSTREAM-MERGE-");
    detail::checkSerdes<K, VOut>(*builder_, ks, vs, merge, store + " (state store)",
                                 "Materialized::with(keySerde, valueSerde)");
    builder_->addStateStore(spec(store), processors);
    builder_->addProcessor(merge, processors, [merge] { return std::make_unique<detail::PassThroughNode>(merge); });
    return Built{merge, store, ks, vs};
  }

  template <class V, class A>
  CogroupedKStream(const KGroupedStream<K, V>& grouped, A aggregator)
      : builder_(grouped.stream_.builder()), keySerde_(grouped.keySerde_) {
    inputs_.push_back(input(grouped, std::move(aggregator)));
  }

  /// Adds, when aggregate() is called, the aggregating processor of one input.
  template <class V, class A>
  static Input input(const KGroupedStream<K, V>& grouped, A aggregator) {
    return [grouped, aggregator](const std::string& store, size_t index, const Aggregation& aggregation,
                                 const SerdePtr<K>& ks, const SerdePtr<VOut>& vs) {
      // Unnamed groupings that need a repartition topic are named after the store.
      const KStream<K, V> in = grouped.groupedInput(index == 0 ? store : store + "-" + std::to_string(index));
      auto fn = [init = aggregation.init, aggregator](const K& k, const V& v, const std::optional<VOut>& agg) mutable {
        return aggregator(k, v, agg ? *agg : init());
      };
      using F = decltype(fn);
      const auto& builder = in.builder();
      auto name = builder->newName("COGROUPKSTREAM-AGGREGATE-");
      if (aggregation.time) {
        const TimeWindows w = *aggregation.time;
        builder->addProcessor(name, {in.nodeName()}, [=] {
          return std::make_unique<detail::WindowAggregateNode<K, V, VOut, F>>(name, store, w, ks, vs, fn);
        });
      } else if (aggregation.sliding) {
        const SlidingWindows w = *aggregation.sliding;
        builder->addProcessor(name, {in.nodeName()}, [=] {
          return std::make_unique<detail::SlidingWindowAggregateNode<K, V, VOut, F>>(name, store, w, ks, vs, fn);
        });
      } else if (aggregation.session) {
        const SessionWindows w = *aggregation.session;
        auto fold = [init = aggregation.init, merger = aggregation.merger](
                        const K& k, const std::optional<VOut>& agg, const VOut& session) mutable {
          return merger(k, agg ? *agg : init(), session);
        };
        builder->addProcessor(name, {in.nodeName()}, [=] {
          return std::make_unique<detail::SessionAggregateNode<K, V, VOut, decltype(fold), F>>(name, store, w, ks, vs,
                                                                                              fold, fn);
        });
      } else {
        builder->addProcessor(name, {in.nodeName()}, [=] {
          return std::make_unique<detail::StreamAggregateNode<K, V, VOut, F>>(name, store, ks, vs, fn);
        });
      }
      return name;
    };
  }

  std::shared_ptr<detail::GraphBuilder> builder_;
  SerdePtr<K> keySerde_;
  std::vector<Input> inputs_;
};

/// Cogrouped streams cut into time windows (tumbling, hopping or sliding): one
/// aggregate per key and window for all inputs, in one window store.
template <class K, class VOut>
class TimeWindowedCogroupedKStream {
 public:
  template <class I>
  KTable<Windowed<K>, VOut> aggregate(I initializer, MaterializedWith<K, VOut> m = {}, const Named& named = {}) const {
    static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<I&>>, VOut>,
                  "cogroup: the initializer must return the aggregate type of the aggregators");
    using Parent = CogroupedKStream<K, VOut>;
    typename Parent::Aggregation a;
    a.init = std::move(initializer);
    a.time = time_;
    a.sliding = sliding_;
    // A sliding record reaches back to the window starting 2 x d before it.
    const int64_t minimum = time_ ? time_->sizeMs() + time_->gracePeriodMs()
                                  : 2 * sliding_->timeDifferenceMs() + sliding_->gracePeriodMs();
    const std::string what = time_ ? "window size" : "2 x time difference";
    auto& builder = *cogrouped_.builder_;
    const auto b = cogrouped_.build(a, m, named, "COGROUPKSTREAM-AGGREGATE-STATE-STORE-", [&](const std::string& s) {
      return detail::windowedStoreSpec(builder, s, m, StoreSpec::Kind::WINDOW, minimum, what);
    });
    const int64_t windowSize = time_ ? time_->sizeMs() : sliding_->timeDifferenceMs();
    SerdePtr<Windowed<K>> windowedSerde;
    if (b.keySerde) windowedSerde = WindowedSerdes::timeWindowedSerdeFrom<K>(b.keySerde, windowSize);
    // A sliding window includes its end: it closes one millisecond after end + grace.
    const int64_t grace = time_ ? time_->gracePeriodMs() : sliding_->gracePeriodMs() + 1;
    return KTable<Windowed<K>, VOut>(cogrouped_.builder_, b.merge, b.store, windowedSerde, b.valueSerde)
        .withWindowGrace(grace);
  }

 private:
  friend class CogroupedKStream<K, VOut>;
  TimeWindowedCogroupedKStream(CogroupedKStream<K, VOut> cogrouped, const TimeWindows& w)
      : cogrouped_(std::move(cogrouped)), time_(w) {}
  TimeWindowedCogroupedKStream(CogroupedKStream<K, VOut> cogrouped, const SlidingWindows& w)
      : cogrouped_(std::move(cogrouped)), sliding_(w) {}

  CogroupedKStream<K, VOut> cogrouped_;
  std::optional<TimeWindows> time_;
  std::optional<SlidingWindows> sliding_;
};

/// Cogrouped streams cut into sessions: one aggregate per key and session for all
/// inputs, in one session store.
template <class K, class VOut>
class SessionWindowedCogroupedKStream {
 public:
  /// sessionMerger(key, aggregate1, aggregate2) combines the sessions a record bridges.
  template <class I, class Merger>
  KTable<Windowed<K>, VOut> aggregate(I initializer, Merger sessionMerger, MaterializedWith<K, VOut> m = {},
                                      const Named& named = {}) const {
    static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<I&>>, VOut>,
                  "cogroup: the initializer must return the aggregate type of the aggregators");
    static_assert(std::is_invocable_r_v<VOut, Merger&, const K&, const VOut&, const VOut&>,
                  "cogroup: the session merger must be callable as (const K& key, const VOut& aggregate1, "
                  "const VOut& aggregate2) and return the merged aggregate");
    using Parent = CogroupedKStream<K, VOut>;
    typename Parent::Aggregation a;
    a.init = std::move(initializer);
    a.session = windows_;
    a.merger = std::move(sessionMerger);
    auto& builder = *cogrouped_.builder_;
    const int64_t minimum = windows_.inactivityGapMs() + windows_.gracePeriodMs();
    const auto b = cogrouped_.build(a, m, named, "COGROUPKSTREAM-AGGREGATE-STATE-STORE-", [&](const std::string& s) {
      return detail::windowedStoreSpec(builder, s, m, StoreSpec::Kind::SESSION, minimum, "inactivity gap");
    });
    SerdePtr<Windowed<K>> windowedSerde;
    if (b.keySerde) windowedSerde = WindowedSerdes::sessionWindowedSerdeFrom<K>(b.keySerde);
    return KTable<Windowed<K>, VOut>(cogrouped_.builder_, b.merge, b.store, windowedSerde, b.valueSerde)
        .withWindowGrace(windows_.gracePeriodMs());
  }

 private:
  friend class CogroupedKStream<K, VOut>;
  SessionWindowedCogroupedKStream(CogroupedKStream<K, VOut> cogrouped, const SessionWindows& w)
      : cogrouped_(std::move(cogrouped)), windows_(w) {}

  CogroupedKStream<K, VOut> cogrouped_;
  SessionWindows windows_;
};

template <class K, class V>
template <class A>
auto KGroupedStream<K, V>::cogroup(A aggregator) const {
  // The aggregate type is what the aggregator returns (Kafka Streams' VOut).
  using VOut = std::decay_t<typename decltype(std::function{aggregator})::result_type>;
  static_assert(std::is_invocable_r_v<VOut, A&, const K&, const V&, const VOut&>,
                "cogroup: the aggregator must be callable as (const K& key, const V& value, const VOut& aggregate) "
                "and return the new aggregate");
  return CogroupedKStream<K, VOut>(*this, std::move(aggregator));
}

}  // namespace kstreams
