// A compiled processor topology: sub-topologies of sources, processors and sinks.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

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

  std::vector<Subtopology> subtopologies;
  [[nodiscard]] std::string toString() const;
};

std::ostream& operator<<(std::ostream& os, const TopologyDescription& d);

class Topology {
 public:
  Topology();
  explicit Topology(std::shared_ptr<const internal::TopologyDef> def);

  [[nodiscard]] TopologyDescription describe() const;

  /// The compiled definition, for the runtime and the test driver.
  [[nodiscard]] const internal::TopologyDef& definition() const { return *def_; }

 private:
  std::shared_ptr<const internal::TopologyDef> def_;
};

}  // namespace kstreams
