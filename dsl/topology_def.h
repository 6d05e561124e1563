// The compiled form of a topology: nodes with their factories, grouped into
// sub-topologies, plus the internal topics. Produced by GraphBuilder::build(),
// read by the runtime and the test driver.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kstreams/detail/node.h"
#include "kstreams/state.h"

namespace kstreams::internal {

enum class NodeKind { SOURCE, PROCESSOR, SINK };

struct NodeDef {
  std::string name;
  NodeKind kind = NodeKind::PROCESSOR;
  std::vector<std::string> parents;
  std::vector<std::string> children;
  detail::NodeFactory factory;
  std::vector<std::string> topics;  // SOURCE: its topics; SINK: its topic (empty if extracted)
  bool internalTopic = false;       // topics are internal (prefixed with application.id)
  std::string extractorDescription; // SINK with a TopicNameExtractor
  std::vector<std::string> stores;  // PROCESSOR: connected state stores
  std::string inTypes;              // Processor API: "K,V" taken (typeid names)
  std::string outTypes;             // Processor API: "K,V" forwarded
  int subtopology = -1;
};

struct InternalTopicDef {
  std::string name;         // without the application.id prefix
  int32_t partitions = -1;  // -1: as many as the source topics upstream
  std::string upstreamNode; // to find those source topics
};

struct SubtopologyDef {
  int id = 0;
  std::vector<std::string> nodes;          // in the order they were added
  std::vector<std::string> sourceTopics;   // as named in the DSL (internal ones unprefixed)
  std::set<std::string> internalSourceTopics;
  std::vector<std::string> stores;
};

/// A global store (builder.globalTable): every partition of `topic` is read into
/// `store` by the client's global thread; no task runs it. `sourceFactory` makes
/// the SourceNodeBase that deserializes the topic's records, `processorFactory`
/// the node below it that writes them to the store.
struct GlobalStoreDef {
  std::string topic;
  std::string sourceName;
  std::string processorName;
  StoreSpec store;
  detail::NodeFactory sourceFactory;
  detail::NodeFactory processorFactory;
};

class TopologyDef {
 public:
  std::vector<NodeDef> nodes;  // in the order they were added
  std::map<std::string, size_t> index;
  std::vector<SubtopologyDef> subtopologies;
  std::map<std::string, InternalTopicDef> internalTopics;
  std::map<std::string, StoreSpec> stores;
  /// Global stores, in the order they were added (not part of any sub-topology).
  std::vector<GlobalStoreDef> globalStores;
  /// Join inputs: the processors whose nearest source topics must have the same
  /// number of partitions (recorded by the DSL)...
  std::vector<std::vector<std::string>> copartitionNodes;
  /// ...and, after compile(), those topics (as named in the DSL; internal ones
  /// unprefixed), one set per join.
  std::vector<std::set<std::string>> copartitionGroups;

  /// `<name>-changelog`, the changelog of a store (prefix it with application.id).
  static std::string changelogTopic(const std::string& store) { return store + "-changelog"; }

  [[nodiscard]] const NodeDef& node(const std::string& name) const { return nodes.at(index.at(name)); }
  NodeDef& node(const std::string& name) { return nodes.at(index.at(name)); }
  [[nodiscard]] bool has(const std::string& name) const { return index.count(name) != 0; }
  /// The global store named `name`, or nullptr.
  [[nodiscard]] const GlobalStoreDef* globalStore(const std::string& name) const {
    for (const auto& g : globalStores) {
      if (g.store.name == name) return &g;
    }
    return nullptr;
  }

  /// The external source topics of every node upstream of `node` (through
  /// repartition topics, recursively).
  [[nodiscard]] std::set<std::string> upstreamSourceTopics(const std::string& node) const;
  /// The topics of the source nodes upstream of `node` in its own sub-topology
  /// (not through repartition topics).
  [[nodiscard]] std::set<std::string> nearestSourceTopics(const std::string& node) const;
};

}  // namespace kstreams::internal
