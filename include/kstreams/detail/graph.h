// The recorder behind StreamsBuilder: the DSL templates append nodes to it, and
// build() compiles them into a Topology. Implemented in dsl/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/detail/node.h"
#include "kstreams/options.h"
#include "kstreams/state.h"

namespace kstreams {
class Topology;
}

namespace kstreams::internal {
class TopologyDef;
}

namespace kstreams::detail {

class GraphBuilder {
 public:
  GraphBuilder();
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  /// `prefix` followed by the builder's next ten-digit index (KSTREAM-FILTER-0000000003).
  std::string newName(std::string_view prefix);
  /// The user's name if given, else a generated one.
  std::string nameOr(const std::string& userName, std::string_view prefix);
  /// The same for a Named: Named::as("") is recorded as an error.
  std::string nameOr(const Named& named, std::string_view prefix);

  void addSource(const std::string& name, const std::vector<std::string>& topics,
                 NodeFactory factory, bool internalTopics = false);
  void addProcessor(const std::string& name, const std::vector<std::string>& parents,
                    NodeFactory factory);
  /// `topic` empty: the topic is chosen per record by `extractorDescription`.
  void addSink(const std::string& name, const std::string& parent, const std::string& topic,
               NodeFactory factory, bool internalTopic = false,
               const std::string& extractorDescription = "");
  /// An internal repartition topic `<application.id>-<name>`; partitions < 0: as many
  /// as the source topics upstream of `upstreamNode`.
  void addRepartitionTopic(const std::string& name, int32_t partitions,
                           const std::string& upstreamNode);
  /// A state store, connected to the named processors (more with connectStore).
  void addStateStore(const StoreSpec& spec, const std::vector<std::string>& processors);
  void connectStore(const std::string& processor, const std::string& store);
  /// A global store (builder.globalTable): source `sourceName` reads every
  /// partition of `topic`, processor `processorName` writes the records to the
  /// store. Run by the global thread, outside every sub-topology.
  void addGlobalStore(const StoreSpec& spec, const std::string& sourceName, const std::string& topic,
                      NodeFactory sourceFactory, const std::string& processorName, NodeFactory processorFactory);
  /// A name for a store the user did not name (KSTREAM-AGGREGATE-STATE-STORE-0000000004).
  std::string newStoreName(std::string_view prefix) { return newName(prefix); }
  /// The inputs of a join: the source topics feeding each of these processors
  /// must be co-partitioned (checked at start-up, when partition counts are known).
  void addCopartitionGroup(std::vector<std::string> processors);
  /// A misuse found while recording (no serde, empty name): build() reports it.
  void recordError(std::string message);

  /// Records the key/value types a Processor API node takes and forwards
  /// (typeid names), so that compile() can check each edge.
  void setNodeTypes(const std::string& node, std::string inTypes, std::string outTypes);
  /// Errors recorded so far (the Processor API throws them at once).
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }
  void clearErrors() { errors_.clear(); }

  /// Validates and compiles what was recorded. Throws TopologyException.
  std::shared_ptr<const internal::TopologyDef> compile();
  Topology build();

 private:
  std::shared_ptr<internal::TopologyDef> def_;
  std::vector<std::string> errors_;
  int index_ = 0;
};

}  // namespace kstreams::detail
