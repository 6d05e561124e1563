// StreamsBuilder: the entry point of the DSL.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kstreams/detail/graph.h"
#include "kstreams/kstream.h"
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

  /// Validates what was recorded and compiles it. Throws TopologyException with
  /// a message that says what to change.
  Topology build() { return graph_->build(); }

 private:
  std::shared_ptr<detail::GraphBuilder> graph_;
};

}  // namespace kstreams
