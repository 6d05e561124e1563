// StreamsBuilder: the entry point of the DSL.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kstreams/detail/graph.h"
#include "kstreams/global_ktable.h"
#include "kstreams/kstream.h"
#include "kstreams/ktable.h"
#include "kstreams/options.h"
#include "kstreams/topology.h"

namespace kstreams {

class StreamsBuilder {
 public:
  StreamsBuilder() : graph_(std::make_shared<detail::GraphBuilder>()) {}

  /// A stream of one topic. Serdes default to DefaultSerde<K>/<V>.
  template <class K, class V>
  KStream<K, V> stream(const std::string& topic, ConsumedWith<K, V> consumed = {}) {
    return stream<K, V>(std::vector<std::string>{topic}, std::move(consumed));
  }

  /// A stream of several topics (their partitions are read by the same tasks).
  template <class K, class V>
  KStream<K, V> stream(const std::vector<std::string>& topics, ConsumedWith<K, V> consumed = {}) {
    auto name = graph_->nameOr(consumed.name, "KSTREAM-SOURCE-");
    auto ks = detail::orDefault<K>(consumed.keySerde);
    auto vs = detail::orDefault<V>(consumed.valueSerde);
    std::string topicList;
    for (const auto& t : topics) topicList += (topicList.empty() ? "" : ", ") + t;
    detail::checkSerdes<K, V>(*graph_, ks, vs, name, topicList,
                              "Consumed::with(keySerde, valueSerde)");
    auto extractor = consumed.timestampExtractor;
    graph_->addSource(name, topics, [=] {
      return std::make_unique<detail::SourceNode<K, V>>(name, ks, vs, extractor);
    });
    return KStream<K, V>(graph_, name, ks, vs, false);
  }

  /// The topic as a table (latest value per key; a null value deletes the key),
  /// materialized in a store backed by a changelog topic.
  template <class K, class V>
  KTable<K, V> table(const std::string& topic, ConsumedWith<K, V> consumed = {},
                     std::type_identity_t<MaterializedWith<K, V>> materialized = {}) {
    auto source = stream<K, V>(topic, consumed);
    const std::string store =
        materialized.storeName.empty() ? graph_->newStoreName(topic + "-STATE-STORE-") : materialized.storeName;
    auto ks = materialized.keySerde ? materialized.keySerde : source.keySerde();
    auto vs = materialized.valueSerde ? materialized.valueSerde : source.valueSerde();
    auto name = graph_->newName("KTABLE-SOURCE-");
    detail::checkSerdes<K, V>(*graph_, ks, vs, name, store + " (state store)",
                              "Materialized::with(keySerde, valueSerde)");
    graph_->addProcessor(name, {source.nodeName()}, [=] {
      return std::make_unique<detail::TableSourceNode<K, V>>(name, store, ks, vs);
    });
    graph_->addStateStore(detail::storeSpec(store, materialized.storeType, materialized.loggingEnabled,
                                            materialized.changelogConfig, materialized.cachingEnabled),
                          {name});
    return KTable<K, V>(graph_, name, store, ks, vs);
  }

  /// Every partition of the topic as a table, replicated to every instance of
  /// the application by its global thread (Kafka Streams' globalTable): restored
  /// before processing starts, then kept up to date. The topic is the store's
  /// changelog (no changelog topic is made, no caching); a null value deletes the
  /// key. Records keep their own timestamps (no timestamp extractor). Join
  /// streams with it by KStream::join/leftJoin(globalTable, keyMapper, joiner).
  template <class K, class V>
  GlobalKTable<K, V> globalTable(const std::string& topic, ConsumedWith<K, V> consumed = {},
                                 std::type_identity_t<MaterializedWith<K, V>> materialized = {}) {
    const std::string store =
        materialized.storeName.empty() ? graph_->newStoreName(topic + "-STATE-STORE-") : materialized.storeName;
    auto sourceName = graph_->nameOr(consumed.name, "KSTREAM-SOURCE-");
    auto processorName = graph_->newName("KTABLE-SOURCE-");
    auto ks = detail::orDefault<K>(consumed.keySerde);
    auto vs = detail::orDefault<V>(consumed.valueSerde);
    detail::checkSerdes<K, V>(*graph_, ks, vs, sourceName, topic, "Consumed::with(keySerde, valueSerde)");
    auto sks = materialized.keySerde ? materialized.keySerde : ks;
    auto svs = materialized.valueSerde ? materialized.valueSerde : vs;
    detail::checkSerdes<K, V>(*graph_, sks, svs, processorName, store + " (global store)",
                              "Materialized::with(keySerde, valueSerde)");
    StoreSpec spec = detail::storeSpec(store, materialized.storeType, false, {}, false);
    graph_->addGlobalStore(
        spec, sourceName, topic,
        [=] { return std::make_unique<detail::SourceNode<K, V>>(sourceName, ks, vs, nullptr); }, processorName,
        [=] { return std::make_unique<detail::GlobalTableUpdateNode<K, V>>(processorName, store, sks, svs); });
    return GlobalKTable<K, V>(graph_, store, sks, svs);
  }

  /// A Processor API store, for KStream::process(supplier, {name}).
  template <class K, class V>
  StreamsBuilder& addStateStore(const StoreBuilder<K, V>& store) {
    graph_->addStateStore(store.spec(), {});
    return *this;
  }

  /// Validates what was recorded and compiles it. Throws TopologyException with
  /// a message that says what to change.
  Topology build() { return graph_->build(); }

 private:
  std::shared_ptr<detail::GraphBuilder> graph_;
};

}  // namespace kstreams
