#include "kstreams/detail/graph.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "dsl/topology_def.h"
#include "kstreams/errors.h"
#include "kstreams/topology.h"

namespace kstreams::detail {

using internal::NodeDef;
using internal::NodeKind;
using internal::TopologyDef;

GraphBuilder::GraphBuilder() : def_(std::make_shared<TopologyDef>()) {}
GraphBuilder::~GraphBuilder() = default;

std::string GraphBuilder::newName(std::string_view prefix) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010d", index_++);
  return std::string(prefix) + digits;
}

std::string GraphBuilder::nameOr(const std::string& userName, std::string_view prefix) {
  if (!userName.empty()) {
    ++index_;  // Kafka Streams counts named nodes too
    return userName;
  }
  return newName(prefix);
}

std::string GraphBuilder::nameOr(const Named& named, std::string_view prefix) {
  if (named.given && named.name.empty()) {
    errors_.emplace_back("Named::as(\"\") was given an empty name: give it a non-empty name or leave Named out");
    return newName(prefix);
  }
  return nameOr(named.name, prefix);
}

namespace {

void addNode(TopologyDef& def, std::vector<std::string>& errors, NodeDef node) {
  if (node.name.empty()) {
    errors.emplace_back("a node name is empty: give Named::as(...) a non-empty name");
    return;
  }
  if (def.has(node.name)) {
    errors.emplace_back("node name " + node.name +
                        " is used twice: give each operation its own Named::as(...) name");
    return;
  }
  for (const auto& p : node.parents) {
    if (!def.has(p)) {
      errors.emplace_back("node " + node.name + " names parent " + p + ", which does not exist");
      return;
    }
  }
  for (const auto& p : node.parents) def.node(p).children.push_back(node.name);
  def.index[node.name] = def.nodes.size();
  def.nodes.push_back(std::move(node));
}

}  // namespace

void GraphBuilder::addSource(const std::string& name, const std::vector<std::string>& topics,
                             NodeFactory factory, bool internalTopics) {
  if (topics.empty()) errors_.push_back("source " + name + " has no topic");
  for (const auto& t : topics) {
    if (t.empty()) errors_.push_back("source " + name + " has an empty topic name");
  }
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::SOURCE;
  n.factory = std::move(factory);
  n.topics = topics;
  n.internalTopic = internalTopics;
  addNode(*def_, errors_, std::move(n));
}

void GraphBuilder::addProcessor(const std::string& name, const std::vector<std::string>& parents,
                                NodeFactory factory) {
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::PROCESSOR;
  n.parents = parents;
  n.factory = std::move(factory);
  addNode(*def_, errors_, std::move(n));
}

void GraphBuilder::addSink(const std::string& name, const std::string& parent,
                           const std::string& topic, NodeFactory factory, bool internalTopic,
                           const std::string& extractorDescription) {
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::SINK;
  n.parents = {parent};
  n.factory = std::move(factory);
  if (!topic.empty()) n.topics = {topic};
  n.internalTopic = internalTopic;
  n.extractorDescription = extractorDescription;
  addNode(*def_, errors_, std::move(n));
}

void GraphBuilder::addRepartitionTopic(const std::string& name, int32_t partitions,
                                       const std::string& upstreamNode) {
  if (partitions == 0 || partitions < -1) {
    errors_.push_back("repartition topic " + name + " has " + std::to_string(partitions) +
                      " partitions: give Repartitioned::withNumberOfPartitions a positive number");
  }
  def_->internalTopics[name] = internal::InternalTopicDef{name, partitions, upstreamNode};
}

void GraphBuilder::addStateStore(const StoreSpec& spec, const std::vector<std::string>& processors) {
  if (spec.name.empty()) {
    errors_.emplace_back("a state store has an empty name: give Materialized::as(...) a non-empty name");
    return;
  }
  if (def_->stores.count(spec.name) != 0) {
    errors_.push_back("state store " + spec.name + " is added twice: give each store its own name");
    return;
  }
  def_->stores[spec.name] = spec;
  for (const auto& p : processors) connectStore(p, spec.name);
}

void GraphBuilder::connectStore(const std::string& processor, const std::string& store) {
  if (!def_->has(processor)) {
    errors_.push_back("store " + store + " is connected to processor " + processor + ", which does not exist");
    return;
  }
  auto& stores = def_->node(processor).stores;
  if (std::find(stores.begin(), stores.end(), store) == stores.end()) stores.push_back(store);
}

void GraphBuilder::addGlobalStore(const StoreSpec& spec, const std::string& sourceName, const std::string& topic,
                                  NodeFactory sourceFactory, const std::string& processorName,
                                  NodeFactory processorFactory) {
  if (topic.empty()) errors_.push_back("global table " + sourceName + " has an empty topic name");
  if (spec.name.empty()) {
    errors_.emplace_back("a global store has an empty name: give Materialized::as(...) a non-empty name");
    return;
  }
  internal::GlobalStoreDef g;
  g.topic = topic;
  g.sourceName = sourceName;
  g.processorName = processorName;
  g.store = spec;
  g.sourceFactory = std::move(sourceFactory);
  g.processorFactory = std::move(processorFactory);
  def_->globalStores.push_back(std::move(g));
}

void GraphBuilder::addCopartitionGroup(std::vector<std::string> processors) {
  def_->copartitionNodes.push_back(std::move(processors));
}

void GraphBuilder::recordError(std::string message) { errors_.push_back(std::move(message)); }

namespace {

// Sub-topologies: nodes joined by parent/child edges (a topic between a sink and a
// source does not join them), numbered in the order their first node was added.
void groupSubtopologies(TopologyDef& def) {
  std::vector<size_t> parent(def.nodes.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<size_t(size_t)> find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (size_t i = 0; i < def.nodes.size(); ++i) {
    for (const auto& p : def.nodes[i].parents) parent[find(i)] = find(def.index.at(p));
  }
  // Processors sharing a store run in the same task.
  std::map<std::string, size_t> storeOwner;
  for (size_t i = 0; i < def.nodes.size(); ++i) {
    for (const auto& st : def.nodes[i].stores) {
      auto [it, inserted] = storeOwner.emplace(st, i);
      if (!inserted) parent[find(i)] = find(it->second);
    }
  }
  std::map<size_t, int> ids;
  for (size_t i = 0; i < def.nodes.size(); ++i) {
    const size_t root = find(i);
    auto [it, inserted] = ids.emplace(root, static_cast<int>(ids.size()));
    if (inserted) def.subtopologies.push_back(internal::SubtopologyDef{it->second, {}, {}, {}, {}});
    auto& sub = def.subtopologies[static_cast<size_t>(it->second)];
    def.nodes[i].subtopology = it->second;
    sub.nodes.push_back(def.nodes[i].name);
    for (const auto& st : def.nodes[i].stores) {
      if (std::find(sub.stores.begin(), sub.stores.end(), st) == sub.stores.end()) sub.stores.push_back(st);
    }
    if (def.nodes[i].kind == NodeKind::SOURCE) {
      for (const auto& t : def.nodes[i].topics) {
        sub.sourceTopics.push_back(t);
        if (def.nodes[i].internalTopic) sub.internalSourceTopics.insert(t);
      }
    }
  }
}

void checkTopics(const TopologyDef& def, std::vector<std::string>& errors) {
  std::map<std::string, std::string> sourceOf;
  for (const auto& n : def.nodes) {
    if (n.kind != NodeKind::SOURCE) continue;
    for (const auto& t : n.topics) {
      auto [it, inserted] = sourceOf.emplace(t, n.name);
      if (!inserted) {
        errors.push_back("topic " + t + " is read by two sources (" + it->second + " and " +
                         n.name + "): read it once with builder.stream() and reuse the KStream");
      }
    }
  }
  for (const auto& g : def.globalStores) {
    if (g.topic.empty()) continue;
    auto [it, inserted] = sourceOf.emplace(g.topic, g.sourceName);
    if (!inserted) {
      errors.push_back("topic " + g.topic + " is read by two sources (" + it->second + " and global table " +
                       g.sourceName + "): a global table's topic cannot be read by another source; "
                       "read it once and reuse the GlobalKTable");
    }
  }
  // A sink writing to a topic that one of its own ancestors reads would loop forever.
  for (const auto& n : def.nodes) {
    if (n.kind != NodeKind::SINK || n.topics.empty()) continue;
    const std::string& topic = n.topics[0];
    std::set<std::string> seen;
    std::vector<std::string> stack{n.name};
    while (!stack.empty()) {
      auto cur = stack.back();
      stack.pop_back();
      if (!seen.insert(cur).second) continue;
      const auto& node = def.node(cur);
      if (node.kind == NodeKind::SOURCE) {
        for (const auto& t : node.topics) {
          if (t == topic && node.internalTopic == n.internalTopic) {
            errors.push_back("sink " + n.name + " writes to topic " + topic +
                             ", which its own upstream source " + node.name +
                             " reads: this cycle would feed records back forever; write to "
                             "another topic");
          }
          if (node.internalTopic) {
            for (const auto& other : def.nodes) {
              if (other.kind == NodeKind::SINK && other.internalTopic && !other.topics.empty() &&
                  other.topics[0] == t) {
                stack.push_back(other.name);
              }
            }
          }
        }
      }
      for (const auto& p : node.parents) stack.push_back(p);
    }
  }
}

// Global stores: names unique among all nodes and stores.
void checkGlobalStores(const TopologyDef& def, std::vector<std::string>& errors) {
  std::set<std::string> nodeNames;
  std::set<std::string> storeNames;
  for (const auto& [name, spec] : def.stores) storeNames.insert(name);
  for (const auto& g : def.globalStores) {
    for (const auto* name : {&g.sourceName, &g.processorName}) {
      if (name->empty()) {
        errors.emplace_back("a global table node name is empty: give Consumed::as(...) a non-empty name");
      } else if (def.has(*name) || !nodeNames.insert(*name).second) {
        errors.push_back("node name " + *name + " is used twice: give each operation its own name");
      }
    }
    if (!storeNames.insert(g.store.name).second) {
      errors.push_back("state store " + g.store.name + " is added twice (a global store has the same name): "
                       "give each store its own name");
    }
  }
}

}  // namespace

void GraphBuilder::setNodeTypes(const std::string& node, std::string inTypes, std::string outTypes) {
  if (!def_->has(node)) return;
  def_->node(node).inTypes = std::move(inTypes);
  def_->node(node).outTypes = std::move(outTypes);
}

Topology GraphBuilder::build() { return Topology(compile()); }

std::shared_ptr<const TopologyDef> GraphBuilder::compile() {
  std::vector<std::string> errors = errors_;
  for (const auto& n : def_->nodes) {
    for (const auto& p : n.parents) {
      const auto& parent = def_->node(p);
      if (!n.inTypes.empty() && !parent.outTypes.empty() && n.inTypes != parent.outTypes) {
        errors.push_back("node " + n.name + " takes key/value types " + n.inTypes + " but its parent " + p +
                         " forwards " + parent.outTypes);
      }
    }
  }
  if (def_->nodes.empty() && def_->globalStores.empty()) {
    errors.emplace_back("the topology has no nodes: add a source with builder.stream(topic)");
  }
  checkGlobalStores(*def_, errors);
  checkTopics(*def_, errors);
  for (const auto& [name, spec] : def_->stores) {
    bool used = false;
    for (const auto& n : def_->nodes) {
      if (std::find(n.stores.begin(), n.stores.end(), name) != n.stores.end()) used = true;
    }
    if (!used) errors.push_back("state store " + name + " is not connected to any processor");
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
    throw TopologyException(msg);
  }
  auto def = std::make_shared<TopologyDef>(*def_);
  groupSubtopologies(*def);
  for (const auto& group : def->copartitionNodes) {
    std::set<std::string> topics;
    for (const auto& n : group) {
      auto t = def->nearestSourceTopics(n);
      topics.insert(t.begin(), t.end());
    }
    if (topics.size() > 1) def->copartitionGroups.push_back(std::move(topics));
  }
  return def;
}

}  // namespace kstreams::detail
