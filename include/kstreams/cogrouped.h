// CogroupedKStream: several grouped streams aggregated into one table with one
// store (Kafka Streams' KGroupedStream.cogroup, KIP-150).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/ktable.h"

namespace kstreams {

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
    const std::string store = m.storeName.empty() ? builder_->newStoreName("COGROUPKSTREAM-AGGREGATE-STATE-STORE-")
                                                  : m.storeName;
    auto ks = m.keySerde ? m.keySerde : keySerde_;
    auto vs = m.valueSerde ? m.valueSerde : DefaultSerde<VOut>::get();
    std::function<VOut()> init = std::move(initializer);
    std::vector<std::string> processors;
    for (size_t i = 0; i < inputs_.size(); ++i) processors.push_back(inputs_[i](store, i, init, ks, vs));
    const std::string merge = builder_->nameOr(named, "COGROUPKSTREAM-MERGE-");
    detail::checkSerdes<K, VOut>(*builder_, ks, vs, merge, store + " (state store)",
                                 "Materialized::with(keySerde, valueSerde)");
    builder_->addStateStore(detail::storeSpec(store, m.storeType, m.loggingEnabled, m.changelogConfig,
                                              m.cachingEnabled),
                            processors);
    builder_->addProcessor(merge, processors, [merge] { return std::make_unique<detail::PassThroughNode>(merge); });
    return KTable<K, VOut>(builder_, merge, store, ks, vs);
  }

 private:
  template <class, class>
  friend class KGroupedStream;

  using Input = std::function<std::string(const std::string& store, size_t index, const std::function<VOut()>& init,
                                          const SerdePtr<K>& ks, const SerdePtr<VOut>& vs)>;

  template <class V, class A>
  CogroupedKStream(const KGroupedStream<K, V>& grouped, A aggregator)
      : builder_(grouped.stream_.builder()), keySerde_(grouped.keySerde_) {
    inputs_.push_back(input(grouped, std::move(aggregator)));
  }

  /// Adds, when aggregate() is called, the aggregating processor of one input.
  template <class V, class A>
  static Input input(const KGroupedStream<K, V>& grouped, A aggregator) {
    return [grouped, aggregator](const std::string& store, size_t index, const std::function<VOut()>& init,
                                 const SerdePtr<K>& ks, const SerdePtr<VOut>& vs) {
      // Unnamed groupings that need a repartition topic are named after the store.
      const KStream<K, V> in = grouped.groupedInput(index == 0 ? store : store + "-" + std::to_string(index));
      auto fn = [init, aggregator](const K& k, const V& v, const std::optional<VOut>& agg) mutable {
        return aggregator(k, v, agg ? *agg : init());
      };
      const auto& builder = in.builder();
      auto name = builder->newName("COGROUPKSTREAM-AGGREGATE-");
      builder->addProcessor(name, {in.nodeName()}, [=] {
        return std::make_unique<detail::StreamAggregateNode<K, V, VOut, decltype(fn)>>(name, store, ks, vs, fn);
      });
      return name;
    };
  }

  std::shared_ptr<detail::GraphBuilder> builder_;
  SerdePtr<K> keySerde_;
  std::vector<Input> inputs_;
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
