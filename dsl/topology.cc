#include "kstreams/topology.h"

#include <sstream>

#include "dsl/topology_def.h"

namespace kstreams {

namespace internal {

std::set<std::string> TopologyDef::nearestSourceTopics(const std::string& start) const {
  std::set<std::string> result;
  std::set<std::string> seen;
  std::vector<std::string> stack{start};
  while (!stack.empty()) {
    auto cur = stack.back();
    stack.pop_back();
    if (!seen.insert(cur).second) continue;
    const auto& n = node(cur);
    if (n.kind == NodeKind::SOURCE) result.insert(n.topics.begin(), n.topics.end());
    for (const auto& p : n.parents) stack.push_back(p);
  }
  return result;
}

std::set<std::string> TopologyDef::upstreamSourceTopics(const std::string& start) const {
  std::set<std::string> result;
  std::set<std::string> seen;
  std::vector<std::string> stack{start};
  while (!stack.empty()) {
    auto cur = stack.back();
    stack.pop_back();
    if (!seen.insert(cur).second) continue;
    const auto& n = node(cur);
    if (n.kind == NodeKind::SOURCE) {
      for (const auto& t : n.topics) {
        if (!n.internalTopic) {
          result.insert(t);
          continue;
        }
        for (const auto& other : nodes) {
          if (other.kind == NodeKind::SINK && other.internalTopic && !other.topics.empty() &&
              other.topics[0] == t) {
            stack.push_back(other.name);
          }
        }
      }
    }
    for (const auto& p : n.parents) stack.push_back(p);
  }
  return result;
}

}  // namespace internal

Topology::Topology() : builder_(std::make_shared<detail::GraphBuilder>()) {}

Topology::Topology(std::shared_ptr<const internal::TopologyDef> def) : def_(std::move(def)) {}

void Topology::throwIfErrors() const {
  if (builder_->errors().empty()) return;
  const std::string message = builder_->errors().back();
  builder_->clearErrors();
  throw TopologyException(message);
}

Topology& Topology::connectProcessorAndStateStores(const std::string& processorName,
                                                   const std::vector<std::string>& stores) {
  for (const auto& s : stores) builder_->connectStore(processorName, s);
  throwIfErrors();
  def_.reset();
  return *this;
}

const internal::TopologyDef& Topology::definition() const {
  if (!def_) def_ = builder_->compile();
  return *def_;
}

TopologyDescription Topology::describe() const {
  const auto* def_ = &definition();
  TopologyDescription d;
  for (const auto& sub : def_->subtopologies) {
    TopologyDescription::Subtopology s{sub.id, {}};
    for (const auto& name : sub.nodes) {
      const auto& n = def_->node(name);
      TopologyDescription::NodeDescription nd;
      nd.name = n.name;
      switch (n.kind) {
        case internal::NodeKind::SOURCE: nd.kind = TopologyDescription::NodeDescription::Kind::SOURCE; break;
        case internal::NodeKind::PROCESSOR: nd.kind = TopologyDescription::NodeDescription::Kind::PROCESSOR; break;
        case internal::NodeKind::SINK: nd.kind = TopologyDescription::NodeDescription::Kind::SINK; break;
      }
      nd.topics = n.topics;
      if (n.kind == internal::NodeKind::SINK && n.topics.empty()) {
        nd.topics = {n.extractorDescription};
      }
      nd.stores = n.stores;
      nd.predecessors = n.parents;
      nd.successors = n.children;
      s.nodes.push_back(std::move(nd));
    }
    d.subtopologies.push_back(std::move(s));
  }
  int id = static_cast<int>(def_->subtopologies.size());
  for (const auto& g : def_->globalStores) {
    using Kind = TopologyDescription::NodeDescription::Kind;
    TopologyDescription::NodeDescription source{Kind::SOURCE, g.sourceName, {g.topic}, {}, {}, {g.processorName}};
    TopologyDescription::NodeDescription processor{Kind::PROCESSOR, g.processorName, {}, {g.store.name},
                                                   {g.sourceName}, {}};
    d.globalStores.push_back(TopologyDescription::GlobalStore{id++, std::move(source), std::move(processor)});
  }
  return d;
}

namespace {
std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

// Kafka Streams' TopologyDescription text form.
std::string TopologyDescription::toString() const {
  std::ostringstream os;
  // Kafka Streams prints "Topologies:\n " and then "  Sub-topology: N" for each.
  os << "Topologies:\n ";
  for (const auto& s : subtopologies) {
    os << "  Sub-topology: " << s.id << "\n";
    for (const auto& n : s.nodes) {
      switch (n.kind) {
        case NodeDescription::Kind::SOURCE:
          os << "    Source: " << n.name << " (topics: [" << joinNames(n.topics) << "])\n";
          break;
        case NodeDescription::Kind::PROCESSOR:
          os << "    Processor: " << n.name << " (stores: [" << joinNames(n.stores) << "])\n";
          break;
        case NodeDescription::Kind::SINK:
          if (!n.topics.empty() && n.topics[0] == "TopicNameExtractor") {
            os << "    Sink: " << n.name << " (extractor class: TopicNameExtractor)\n";
          } else {
            os << "    Sink: " << n.name << " (topic: " << joinNames(n.topics) << ")\n";
          }
          break;
      }
      if (n.kind != NodeDescription::Kind::SINK) {
        os << "      --> " << (n.successors.empty() ? "none" : joinNames(n.successors)) << "\n";
      }
      if (n.kind != NodeDescription::Kind::SOURCE) {
        os << "      <-- " << joinNames(n.predecessors) << "\n";
      }
    }
    os << "\n";
  }
  // Kafka Streams' form of a global store.
  for (const auto& g : globalStores) {
    os << "  Sub-topology: " << g.id << " for global store (will not generate tasks)\n";
    os << "    Source: " << g.source.name << " (topics: [" << joinNames(g.source.topics) << "])\n";
    os << "      --> " << joinNames(g.source.successors) << "\n";
    os << "    Processor: " << g.processor.name << " (stores: [" << joinNames(g.processor.stores) << "])\n";
    os << "      --> none\n";
    os << "      <-- " << joinNames(g.processor.predecessors) << "\n";
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const TopologyDescription& d) {
  return os << d.toString();
}

}  // namespace kstreams
