// A compiled processor topology: sub-topologies of sources, processors and sinks.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "kstreams/detail/graph.h"
#include "kstreams/detail/nodes.h"
#include "kstreams/processor.h"
#include "kstreams/serde.h"
#include "kstreams/state.h"

namespace kstreams::internal {
class TopologyDef;
}

namespace kstreams {

/// What Topology::describe() returns; toString() prints Kafka Streams' text form.
class TopologyDescription {
 public:
  struct NodeDescription {
    enum class Kind { SOURCE, PROCESSOR, SINK };
    Kind kind;
    std::string name;
    std::vector<std::string> topics;  // source topics, or the sink topic
    std::vector<std::string> stores;
    std::vector<std::string> predecessors;
    std::vector<std::string> successors;
  };
  struct Subtopology {
    int id;
    std::vector<NodeDescription> nodes;
  };

  /// A global store (builder.globalTable): its source and the processor that
  /// writes the store; run by the global thread, not by tasks.
  struct GlobalStore {
    int id;
    NodeDescription source;
    NodeDescription processor;
  };

  std::vector<Subtopology> subtopologies;
  /// Numbered after the sub-topologies.
  std::vector<GlobalStore> globalStores;
  [[nodiscard]] std::string toString() const;
};

std::ostream& operator<<(std::ostream& os, const TopologyDescription& d);

/// A processor topology: built by StreamsBuilder::build(), or by hand with the
/// Processor API (addSource, addProcessor, addSink, addStateStore), as in Kafka
/// Streams. Each add* call checks its arguments and throws TopologyException.
class Topology {
 public:
  Topology();
  explicit Topology(std::shared_ptr<const internal::TopologyDef> def);

  /// A source node reading `topics` with the given serdes.
  template <class K, class V>
  Topology& addSource(const std::string& name, const std::vector<std::string>& topics,
                      SerdePtr<K> keySerde = DefaultSerde<K>::get(), SerdePtr<V> valueSerde = DefaultSerde<V>::get());
  /// A processor made per task by supplier() (returning std::unique_ptr<Processor<...>>).
  template <class S>
  Topology& addProcessor(const std::string& name, S supplier, const std::vector<std::string>& parentNames);
  /// A sink writing to `topic`.
  template <class K, class V>
  Topology& addSink(const std::string& name, const std::string& topic, const std::vector<std::string>& parentNames,
                    SerdePtr<K> keySerde = DefaultSerde<K>::get(), SerdePtr<V> valueSerde = DefaultSerde<V>::get());
  /// A state store, connected to the named processors.
  template <class K, class V>
  Topology& addStateStore(const StoreBuilder<K, V>& store, const std::vector<std::string>& processorNames = {});
  Topology& connectProcessorAndStateStores(const std::string& processorName, const std::vector<std::string>& stores);

  [[nodiscard]] TopologyDescription describe() const;

  /// The compiled definition, for the runtime and the test driver. Throws
  /// TopologyException when a Processor API topology does not validate.
  [[nodiscard]] const internal::TopologyDef& definition() const;

 private:
  void throwIfErrors() const;
  std::shared_ptr<detail::GraphBuilder> builder_;  // Processor API topologies
  mutable std::shared_ptr<const internal::TopologyDef> def_;
};

template <class K, class V>
Topology& Topology::addSource(const std::string& name, const std::vector<std::string>& topics, SerdePtr<K> keySerde,
                              SerdePtr<V> valueSerde) {
  if (!keySerde || !valueSerde) {
    throw TopologyException("source " + name + " has no serde for its key or value type: pass serdes to addSource");
  }
  builder_->addSource(name, topics, [=] {
    return std::make_unique<detail::SourceNode<K, V>>(name, keySerde, valueSerde, nullptr);
  });
  builder_->setNodeTypes(name, "", std::string(typeid(K).name()) + "," + typeid(V).name());
  throwIfErrors();
  def_.reset();
  return *this;
}

template <class S>
Topology& Topology::addProcessor(const std::string& name, S supplier, const std::vector<std::string>& parentNames) {
  using P = typename std::invoke_result_t<S&>::element_type;
  using KIn = typename P::KeyIn;
  using VIn = typename P::ValueIn;
  using KOut = typename P::KeyOut;
  using VOut = typename P::ValueOut;
  if (parentNames.empty()) throw TopologyException("processor " + name + " needs at least one parent");
  builder_->addProcessor(name, parentNames, [name, supplier]() mutable {
    return std::make_unique<detail::ProcessorNode<KIn, VIn, KOut, VOut>>(name, supplier());
  });
  builder_->setNodeTypes(name, std::string(typeid(KIn).name()) + "," + typeid(VIn).name(),
                         std::string(typeid(KOut).name()) + "," + typeid(VOut).name());
  throwIfErrors();
  def_.reset();
  return *this;
}

template <class K, class V>
Topology& Topology::addSink(const std::string& name, const std::string& topic,
                            const std::vector<std::string>& parentNames, SerdePtr<K> keySerde,
                            SerdePtr<V> valueSerde) {
  if (!keySerde || !valueSerde) {
    throw TopologyException("sink " + name + " has no serde for its key or value type: pass serdes to addSink");
  }
  if (parentNames.size() != 1) throw TopologyException("sink " + name + " needs exactly one parent");
  builder_->addSink(name, parentNames[0], topic, [=] {
    return std::make_unique<detail::SinkNode<K, V>>(name, topic, false, nullptr, keySerde, valueSerde, nullptr);
  });
  builder_->setNodeTypes(name, std::string(typeid(K).name()) + "," + typeid(V).name(), "");
  throwIfErrors();
  def_.reset();
  return *this;
}

template <class K, class V>
Topology& Topology::addStateStore(const StoreBuilder<K, V>& store, const std::vector<std::string>& processorNames) {
  builder_->addStateStore(store.spec(), processorNames);
  throwIfErrors();
  def_.reset();
  return *this;
}

}  // namespace kstreams
