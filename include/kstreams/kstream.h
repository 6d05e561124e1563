// KStream: a record stream, built with the fluent DSL. Each call records a node
// in the builder's graph and returns a new handle; nothing runs until the
// topology is started.
#pragma once

#include <map>
#include <memory>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/detail/graph.h"
#include "kstreams/detail/nodes.h"
#include "kstreams/join_options.h"
#include "kstreams/options.h"
#include "kstreams/processor.h"
#include "kstreams/serde.h"

namespace kstreams {

template <class K, class V>
class KStream;

template <class K, class V>
class BranchedKStream;

template <class K, class V>
class KGroupedStream;

template <class K, class V>
class KTable;

template <class K, class V>
class GlobalKTable;

namespace detail {

template <class K, class V>
std::string missingSerdeMessage(const std::string& node, const std::string& topic,
                                bool keyMissing, const std::string& how) {
  std::string which = keyMissing ? "key" : "value";
  return "node " + node + " (topic " + topic + ") has no " + which + " serde for type " +
         (keyMissing ? typeName<K>() : typeName<V>()) + ": pass one with " + how +
         ", or specialise kstreams::DefaultSerde for the type";
}

template <class K, class V>
void checkSerdes(GraphBuilder& b, const SerdePtr<K>& ks, const SerdePtr<V>& vs,
                 const std::string& node, const std::string& topic, const std::string& how) {
  if (!ks) b.recordError(missingSerdeMessage<K, V>(node, topic, true, how));
  if (!vs) b.recordError(missingSerdeMessage<K, V>(node, topic, false, how));
}

template <class T>
SerdePtr<T> orDefault(SerdePtr<T> s) {
  return s ? std::move(s) : DefaultSerde<T>::get();
}

}  // namespace detail

template <class K, class V>
class KStream {
 public:
  using KeyType = K;
  using ValueType = V;

  KStream(std::shared_ptr<detail::GraphBuilder> builder, std::string node, SerdePtr<K> keySerde,
          SerdePtr<V> valueSerde, bool repartitionRequired)
      : builder_(std::move(builder)),
        node_(std::move(node)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)),
        repartitionRequired_(repartitionRequired) {}

  /// Keeps the records for which predicate(key, value) is true.
  template <class P>
  KStream filter(P predicate, const Named& named = {}) const {
    return addFilter(std::move(predicate), false, named);
  }
  /// Keeps the records for which predicate(key, value) is false.
  template <class P>
  KStream filterNot(P predicate, const Named& named = {}) const {
    return addFilter(std::move(predicate), true, named);
  }

  /// New value from mapper(value) or mapper(key, value); the key is unchanged.
  template <class F>
  auto mapValues(F mapper, const Named& named = {}) const {
    using VR = detail::ValueFnResult<F, K, V>;
    auto name = builder_->nameOr(named, "KSTREAM-MAPVALUES-");
    add(name, [name, mapper] { return std::make_unique<detail::MapValuesNode<K, V, F>>(name, mapper); });
    return KStream<K, VR>(builder_, name, keySerde_, sameOrDefault<V, VR>(valueSerde_),
                          repartitionRequired_);
  }

  /// New key and value from mapper(key, value), returning KeyValue or std::pair.
  /// Marks the stream for repartitioning before a grouping or join.
  template <class F>
  auto map(F mapper, const Named& named = {}) const {
    using KV = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    using KR = typename detail::KeyValueTraits<KV>::Key;
    using VR = typename detail::KeyValueTraits<KV>::Value;
    auto name = builder_->nameOr(named, "KSTREAM-MAP-");
    add(name, [name, mapper] { return std::make_unique<detail::MapNode<K, V, F>>(name, mapper); });
    return KStream<KR, VR>(builder_, name, sameOrDefault<K, KR>(keySerde_),
                           sameOrDefault<V, VR>(valueSerde_), true);
  }

  /// New key from mapper(key, value); marks the stream for repartitioning.
  template <class F>
  auto selectKey(F mapper, const Named& named = {}) const {
    using KR = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    auto name = builder_->nameOr(named, "KSTREAM-KEY-SELECT-");
    add(name, [name, mapper] { return std::make_unique<detail::SelectKeyNode<K, V, F>>(name, mapper); });
    return KStream<KR, V>(builder_, name, sameOrDefault<K, KR>(keySerde_), valueSerde_, true);
  }

  /// Zero or more records from mapper(key, value), a range of KeyValue or std::pair.
  template <class F>
  auto flatMap(F mapper, const Named& named = {}) const {
    using Range = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    using KV = std::ranges::range_value_t<Range>;
    using KR = typename detail::KeyValueTraits<KV>::Key;
    using VR = typename detail::KeyValueTraits<KV>::Value;
    auto name = builder_->nameOr(named, "KSTREAM-FLATMAP-");
    add(name, [name, mapper] { return std::make_unique<detail::FlatMapNode<K, V, F>>(name, mapper); });
    return KStream<KR, VR>(builder_, name, sameOrDefault<K, KR>(keySerde_),
                           sameOrDefault<V, VR>(valueSerde_), true);
  }

  /// Zero or more values from mapper(value) or mapper(key, value), each with the input key.
  template <class F>
  auto flatMapValues(F mapper, const Named& named = {}) const {
    using Range = detail::ValueFnResult<F, K, V>;
    using VR = std::decay_t<std::ranges::range_value_t<Range>>;
    auto name = builder_->nameOr(named, "KSTREAM-FLATMAPVALUES-");
    add(name, [name, mapper] { return std::make_unique<detail::FlatMapValuesNode<K, V, F>>(name, mapper); });
    return KStream<K, VR>(builder_, name, keySerde_, sameOrDefault<V, VR>(valueSerde_),
                          repartitionRequired_);
  }

  /// Runs a FixedKeyProcessor, made per task by supplier(), on each record: it sees
  /// timestamp and headers and forwards any number of records with the same key.
  template <class S>
  auto processValues(S supplier, const Named& named = {}) const {
    using P = typename std::invoke_result_t<S&>::element_type;
    using VR = typename P::ValueOut;
    static_assert(std::is_same_v<typename P::KeyType, K> && std::is_same_v<typename P::ValueIn, V>,
                  "processValues: the processor's key and input value types must match the stream's");
    auto name = builder_->nameOr(named, "KSTREAM-PROCESSVALUES-");
    add(name, [name, supplier]() mutable {
      return std::make_unique<detail::ProcessValuesNode<K, V, VR>>(name, supplier());
    });
    return KStream<K, VR>(builder_, name, keySerde_, sameOrDefault<V, VR>(valueSerde_),
                          repartitionRequired_);
  }

  /// Runs a Processor, made per task by supplier(), on each record; the processor
  /// may use the named stores (added with StreamsBuilder::addStateStore) and
  /// forwards records of its output types.
  template <class S>
  auto process(S supplier, const std::vector<std::string>& storeNames = {}, const Named& named = {}) const {
    using P = typename std::invoke_result_t<S&>::element_type;
    using KOut = typename P::KeyOut;
    using VOut = typename P::ValueOut;
    static_assert(std::is_same_v<typename P::KeyIn, K> && std::is_same_v<typename P::ValueIn, V>,
                  "process: the processor's input key and value types must match the stream's");
    auto name = builder_->nameOr(named, "KSTREAM-PROCESSOR-");
    add(name, [name, supplier]() mutable {
      return std::make_unique<detail::ProcessorNode<K, V, KOut, VOut>>(name, supplier());
    });
    for (const auto& store : storeNames) builder_->connectStore(name, store);
    return KStream<KOut, VOut>(builder_, name, sameOrDefault<K, KOut>(keySerde_), sameOrDefault<V, VOut>(valueSerde_),
                               true);
  }

  /// Calls action(key, value) for each record and forwards it unchanged.
  template <class F>
  KStream peek(F action, const Named& named = {}) const {
    auto name = builder_->nameOr(named, "KSTREAM-PEEK-");
    add(name, [name, action] { return std::make_unique<detail::PeekNode<K, V, F>>(name, action, false); });
    return derived(name);
  }

  /// Calls action(key, value) for each record; a terminal operation.
  template <class F>
  void foreach (F action, const Named& named = {}) const {
    auto name = builder_->nameOr(named, "KSTREAM-FOREACH-");
    add(name, [name, action] { return std::make_unique<detail::PeekNode<K, V, F>>(name, action, true); });
  }

  /// Groups by the current key for an aggregation; repartitions first when the key
  /// was changed upstream (map, selectKey, ...).
  KGroupedStream<K, V> groupByKey(GroupedWith<K, V> grouped = {}) const;

  /// Groups by selector(key, value); always repartitions.
  template <class F>
  auto groupBy(F selector,
               GroupedWith<std::decay_t<std::invoke_result_t<F&, const K&, const V&>>, V> grouped = {}) const;

  /// Splits the stream by predicates: see BranchedKStream.
  BranchedKStream<K, V> split(const Named& named = {}) const;

  /// The records of both streams in one stream.
  KStream merge(const KStream& other, const Named& named = {}) const {
    if (other.builder_ != builder_) {
      builder_->recordError("merge(): both streams must come from the same StreamsBuilder");
    }
    auto name = builder_->nameOr(named, "KSTREAM-MERGE-");
    builder_->addProcessor(name, {node_, other.node_},
                           [name] { return std::make_unique<detail::PassThroughNode>(name); });
    KStream result = derived(name);
    result.repartitionRequired_ = repartitionRequired_ || other.repartitionRequired_;
    return result;
  }

  /// Writes the stream to a topic.
  void to(const std::string& topic, ProducedWith<K, V> produced = {}) const {
    addSink(topic, {}, std::move(produced));
  }
  /// Writes each record to the topic extractor(key, value, recordContext) names.
  /// The topics must exist.
  void to(detail::TopicNameExtractor<K, V> extractor, ProducedWith<K, V> produced = {}) const {
    addSink("", std::move(extractor), std::move(produced));
  }

  /// Writes the stream through an internal topic `<application.id>-<name>-repartition`
  /// and reads it back, so that records are partitioned by their current key.
  KStream repartition(RepartitionedWith<K, V> repartitioned = {}) const {
    auto base = builder_->nameOr(repartitioned.name, "KSTREAM-REPARTITION-");
    auto topic = base + "-repartition";
    auto ks = repartitioned.keySerde ? repartitioned.keySerde : keySerde_;
    auto vs = repartitioned.valueSerde ? repartitioned.valueSerde : valueSerde_;
    auto sinkName = base + "-repartition-sink";
    auto sourceName = base + "-repartition-source";
    detail::checkSerdes<K, V>(*builder_, ks, vs, sinkName, topic,
                              "Repartitioned::with(keySerde, valueSerde)");
    builder_->addRepartitionTopic(topic, repartitioned.numberOfPartitions, node_);
    auto partitioner = repartitioned.partitioner;
    builder_->addSink(sinkName, node_, topic, [=] {
      return std::make_unique<detail::SinkNode<K, V>>(sinkName, topic, true, nullptr, ks, vs,
                                                      partitioner);
    }, true);
    builder_->addSource(sourceName, {topic}, [=] {
      return std::make_unique<detail::SourceNode<K, V>>(sourceName, ks, vs, nullptr);
    }, true);
    return KStream(builder_, sourceName, ks, vs, false);
  }

  // ---- joins with streams and tables (defined in kstreams/joins.h) ----
  /// Windowed inner join: for each pair of records with equal keys whose
  /// timestamps are within `windows`, joiner(value, otherValue) (or
  /// joiner(key, value, otherValue)) with the later of the two timestamps.
  /// Both sides are repartitioned first when their key was changed upstream.
  template <class V2, class J>
  auto join(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
            std::type_identity_t<StreamJoinedWith<K, V, V2>> joined = {}) const;
  /// As join(), and a record that found no partner by the time its window
  /// closed is joined with nullopt: joiner(const V&, const std::optional<V2>&).
  template <class V2, class J>
  auto leftJoin(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
                std::type_identity_t<StreamJoinedWith<K, V, V2>> joined = {}) const;
  /// Both sides' unmatched records are emitted when their window closes:
  /// joiner(const std::optional<V>&, const std::optional<V2>&).
  template <class V2, class J>
  auto outerJoin(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
                 std::type_identity_t<StreamJoinedWith<K, V, V2>> joined = {}) const;
  /// Looks each record's key up in the table: joiner(value, tableValue); records
  /// whose key is not in the table are dropped. Table updates emit nothing.
  template <class VT, class J>
  auto join(const KTable<K, VT>& table, J joiner, std::type_identity_t<JoinedWith<K, V, VT>> joined = {}) const;
  /// As join(KTable), with joiner(const V&, const std::optional<VT>&) for every record.
  template <class VT, class J>
  auto leftJoin(const KTable<K, VT>& table, J joiner, std::type_identity_t<JoinedWith<K, V, VT>> joined = {}) const;

  // ---- joins with global tables (defined in kstreams/global_ktable.h) ----
  /// Looks keyMapper(key, value) up in the global table (no repartitioning, no
  /// co-partitioning: every instance has the whole table) and forwards
  /// joiner(value, tableValue) (or joiner(key, value, tableValue)) with this
  /// record's key and timestamp. Records whose mapped key is not in the table,
  /// records with a null value and records the mapper gives no key (it returns
  /// std::optional<KG> and gives nullopt) are dropped.
  template <class KG, class VG, class F, class J>
  auto join(const GlobalKTable<KG, VG>& table, F keyMapper, J joiner, const Named& named = {}) const;
  /// As join(GlobalKTable), and a record whose key is not in the table is joined
  /// with nullopt: joiner(const V&, const std::optional<VG>&).
  template <class KG, class VG, class F, class J>
  auto leftJoin(const GlobalKTable<KG, VG>& table, F keyMapper, J joiner, const Named& named = {}) const;

  [[nodiscard]] const std::string& nodeName() const { return node_; }
  [[nodiscard]] const SerdePtr<K>& keySerde() const { return keySerde_; }
  [[nodiscard]] const SerdePtr<V>& valueSerde() const { return valueSerde_; }
  [[nodiscard]] bool repartitionRequired() const { return repartitionRequired_; }
  [[nodiscard]] const std::shared_ptr<detail::GraphBuilder>& builder() const { return builder_; }

 private:
  template <class From, class To>
  static SerdePtr<To> sameOrDefault(const SerdePtr<From>& s) {
    if constexpr (std::is_same_v<From, To>) {
      return s;
    } else {
      return DefaultSerde<To>::get();
    }
  }

  void add(const std::string& name, detail::NodeFactory factory) const {
    builder_->addProcessor(name, {node_}, std::move(factory));
  }

  KStream derived(const std::string& name) const {
    return KStream(builder_, name, keySerde_, valueSerde_, repartitionRequired_);
  }

  template <class P>
  KStream addFilter(P predicate, bool negate, const Named& named) const {
    auto name = builder_->nameOr(named, "KSTREAM-FILTER-");
    add(name, [name, predicate, negate] {
      return std::make_unique<detail::FilterNode<K, V, P>>(name, predicate, negate);
    });
    return derived(name);
  }

  void addSink(const std::string& topic, detail::TopicNameExtractor<K, V> extractor,
               ProducedWith<K, V> produced) const {
    auto name = builder_->nameOr(produced.name, "KSTREAM-SINK-");
    auto ks = produced.keySerde ? produced.keySerde : keySerde_;
    auto vs = produced.valueSerde ? produced.valueSerde : valueSerde_;
    if (topic.empty() && !extractor) {
      builder_->recordError("node " + name + ": to() needs a topic name or a topic extractor");
    }
    detail::checkSerdes<K, V>(*builder_, ks, vs, name, topic.empty() ? "<extracted>" : topic,
                              "Produced::with(keySerde, valueSerde)");
    auto partitioner = produced.partitioner;
    const bool dynamic = static_cast<bool>(extractor);
    builder_->addSink(name, node_, topic, [=] {
      return std::make_unique<detail::SinkNode<K, V>>(name, topic, false, extractor, ks, vs,
                                                      partitioner);
    }, false, dynamic ? "TopicNameExtractor" : "");
  }

  std::shared_ptr<detail::GraphBuilder> builder_;
  std::string node_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  bool repartitionRequired_;

  template <class, class>
  friend class KStream;
};

/// The result of KStream::split(): add branches, then end with defaultBranch()
/// or noDefaultBranch(), which return the branches by name (prefix + branch name).
template <class K, class V>
class BranchedKStream {
 public:
  using Predicate = std::function<bool(const K&, const V&)>;

  BranchedKStream(KStream<K, V> parent, std::string splitNode, std::string prefix,
                  std::shared_ptr<std::vector<Predicate>> predicates,
                  std::shared_ptr<bool> hasDefault)
      : parent_(std::move(parent)),
        splitNode_(std::move(splitNode)),
        prefix_(std::move(prefix)),
        predicates_(std::move(predicates)),
        hasDefault_(std::move(hasDefault)) {}

  /// Records for which predicate(key, value) is true (and no earlier predicate was).
  template <class P, class F = std::nullptr_t>
  BranchedKStream& branch(P predicate, BranchedWith<F> branched = {}) {
    if (ended_) {
      parent_.builder()->recordError("split(): branch() after defaultBranch()/noDefaultBranch()");
      return *this;
    }
    predicates_->push_back(Predicate(std::move(predicate)));
    addBranch(std::to_string(predicates_->size()), std::move(branched));
    return *this;
  }

  /// Records that matched no predicate; ends the split.
  template <class F = std::nullptr_t>
  std::map<std::string, KStream<K, V>> defaultBranch(BranchedWith<F> branched = {}) {
    if (!ended_) {
      *hasDefault_ = true;
      addBranch("0", std::move(branched));
      ended_ = true;
    }
    return branches_;
  }

  /// Ends the split; records that matched no predicate are dropped.
  std::map<std::string, KStream<K, V>> noDefaultBranch() {
    ended_ = true;
    return branches_;
  }

 private:
  template <class F>
  void addBranch(const std::string& position, BranchedWith<F> branched) {
    const auto& builder = parent_.builder();
    // Kafka Streams spends one index of the builder on every branch.
    (void)builder->newName("KSTREAM-BRANCHCHILD-");
    const std::string name = prefix_ + (branched.name.empty() ? position : branched.name);
    builder->addProcessor(name, {splitNode_},
                          [name] { return std::make_unique<detail::PassThroughNode>(name); });
    KStream<K, V> stream(builder, name, parent_.keySerde(), parent_.valueSerde(),
                         parent_.repartitionRequired());
    if constexpr (std::is_same_v<F, std::nullptr_t>) {
      branches_.emplace(name, stream);
    } else if (branched.isConsumer) {
      branched.fn(stream);
    } else {
      using R = std::invoke_result_t<F&, KStream<K, V>>;
      if constexpr (std::is_same_v<R, KStream<K, V>>) {
        branches_.emplace(name, branched.fn(stream));
      } else {
        branched.fn(stream);
      }
    }
  }

  KStream<K, V> parent_;
  std::string splitNode_;
  std::string prefix_;
  std::shared_ptr<std::vector<Predicate>> predicates_;
  std::shared_ptr<bool> hasDefault_;
  std::map<std::string, KStream<K, V>> branches_;
  bool ended_ = false;
};

template <class K, class V>
BranchedKStream<K, V> KStream<K, V>::split(const Named& named) const {
  auto name = builder_->nameOr(named, "KSTREAM-BRANCH-");
  auto predicates = std::make_shared<std::vector<typename BranchedKStream<K, V>::Predicate>>();
  auto hasDefault = std::make_shared<bool>(false);
  add(name, [name, predicates, hasDefault] {
    return std::make_unique<detail::BranchNode<K, V>>(name, *predicates, *hasDefault);
  });
  // Kafka Streams names branches <split name or prefix><branch name or position>.
  const std::string prefix = named.name.empty() ? name + "-" : named.name;
  return BranchedKStream<K, V>(*this, name, prefix, predicates, hasDefault);
}

}  // namespace kstreams

// Tables and grouped streams complete the KStream API.
#include "kstreams/ktable.h"
