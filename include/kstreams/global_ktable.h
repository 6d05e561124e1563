// GlobalKTable: a table of every partition of a topic, replicated to every
// instance of the application by its global thread, and the stream joins with it
// (KStream::join/leftJoin(GlobalKTable, keyMapper, joiner)).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/kstream.h"
#include "kstreams/options.h"
#include "kstreams/state.h"

namespace kstreams {

/// A table read from all partitions of a topic (StreamsBuilder::globalTable).
/// It is only a handle to join streams with; its store is filled by the global
/// thread, not by tasks, so the table has no KTable operations.
template <class K, class V>
class GlobalKTable {
 public:
  using KeyType = K;
  using ValueType = V;

  GlobalKTable(std::shared_ptr<detail::GraphBuilder> builder, std::string storeName, SerdePtr<K> keySerde,
               SerdePtr<V> valueSerde)
      : builder_(std::move(builder)),
        storeName_(std::move(storeName)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)) {}

  /// The global store holding the table.
  [[nodiscard]] const std::string& queryableStoreName() const { return storeName_; }
  [[nodiscard]] const SerdePtr<K>& keySerde() const { return keySerde_; }
  [[nodiscard]] const SerdePtr<V>& valueSerde() const { return valueSerde_; }
  [[nodiscard]] const std::shared_ptr<detail::GraphBuilder>& builder() const { return builder_; }

 private:
  std::shared_ptr<detail::GraphBuilder> builder_;
  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

namespace detail {

/// Writes a global topic's records to the global store (run by the global thread,
/// in Kafka Streams' timestamped layout): a null value deletes the key, a record
/// with a null key is dropped. Forwards nothing.
template <class K, class V>
class GlobalTableUpdateNode final : public Node {
 public:
  GlobalTableUpdateNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<V> vs)
      : Node(std::move(name)), storeName_(std::move(store)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = std::make_unique<TypedKeyValueStore<K, ValueAndTimestamp<V>>>(
        context.getStateStore(storeName_), keySerde_, std::make_shared<ValueAndTimestampSerde<V>>(valueSerde_));
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey) {
      context_->recordDropped(name(), "null key in global table topic");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    if (meta.nullValue) {
      store_->remove(key);
      return;
    }
    store_->put(key, ValueAndTimestamp<V>{*static_cast<const V*>(v), meta.timestamp});
  }

 private:
  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::unique_ptr<TypedKeyValueStore<K, ValueAndTimestamp<V>>> store_;
};

/// What a global join's key mapper returns: the table's key type KG, or
/// std::optional<KG> where nullopt means "no key" (Java's null).
template <class M, class KG>
struct GlobalKeyMapperResult {
  static constexpr bool optional = false;
  static constexpr bool valid = std::is_convertible_v<M, KG>;
};
template <class T, class KG>
  requires(!std::is_same_v<std::optional<T>, KG>)
struct GlobalKeyMapperResult<std::optional<T>, KG> {
  static constexpr bool optional = true;
  static constexpr bool valid = std::is_convertible_v<T, KG>;
};

template <class T>
struct IsStdOptional : std::false_type {};
template <class T>
struct IsStdOptional<std::optional<T>> : std::true_type {};

/// The value a stream record joined with a global table row gets:
/// joiner(value, tableValue) or joiner(key, value, tableValue); for a left join
/// the table value is a const std::optional<VG>&.
template <class J, class K, class V, class VT>
decltype(auto) invokeGlobalJoiner(J& joiner, const K& key, const V& value, const VT& tableValue) {
  if constexpr (std::is_invocable_v<J&, const K&, const V&, const VT&>) {
    return joiner(key, value, tableValue);
  } else {
    return joiner(value, tableValue);
  }
}
template <class J, class K, class V, class VT>
using GlobalJoinResult = std::decay_t<decltype(invokeGlobalJoiner(std::declval<J&>(), std::declval<const K&>(),
                                                                   std::declval<const V&>(),
                                                                   std::declval<const VT&>()))>;

/// KStream-GlobalKTable join: looks keyMapper(key, value) up in the global store
/// and forwards joiner(value, tableValue) with the stream record's key and
/// timestamp. As in Kafka Streams, a record with a null value or a null mapped
/// key is dropped (a left join keeps a record whose own key is null, joining it
/// with nullopt); the inner join also drops records whose mapped key is not in
/// the table.
template <class K, class V, class KG, class VG, class F, class J, bool Left>
class GlobalKTableJoinNode final : public Node {
 public:
  GlobalKTableJoinNode(std::string name, std::string store, SerdePtr<KG> ks, SerdePtr<VG> vs, F mapper, J joiner)
      : Node(std::move(name)),
        storeName_(std::move(store)),
        keySerde_(std::move(ks)),
        valueSerde_(std::move(vs)),
        mapper_(std::move(mapper)),
        joiner_(std::move(joiner)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = std::make_unique<TypedKeyValueStore<KG, ValueAndTimestamp<VG>>>(
        context.getGlobalStore(storeName_), keySerde_, std::make_shared<ValueAndTimestampSerde<VG>>(valueSerde_));
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    if (meta.nullValue) {
      context_->recordDropped(name(), "null value in a stream-globalTable join");
      return;
    }
    std::optional<KG> mapped = mapKey(key, value);
    if (!mapped && !(Left && meta.nullKey)) {
      context_->recordDropped(name(), "null join key from the key mapper in a stream-globalTable join");
      return;
    }
    std::optional<VG> tableValue;
    if (mapped) {
      if (auto row = store_->get(*mapped)) tableValue = std::move(row->value);
    }
    const RecordMeta out = withNewValue(meta);
    if constexpr (Left) {
      auto joined = invokeGlobalJoiner(joiner_, key, value, tableValue);
      forward(k, &joined, out);
    } else {
      if (!tableValue) return;
      auto joined = invokeGlobalJoiner(joiner_, key, value, *tableValue);
      forward(k, &joined, out);
    }
  }

 private:
  std::optional<KG> mapKey(const K& key, const V& value) {
    using M = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    if constexpr (GlobalKeyMapperResult<M, KG>::optional) {
      auto m = mapper_(key, value);
      if (!m) return std::nullopt;
      return std::optional<KG>(KG(std::move(*m)));
    } else if constexpr (IsStdOptional<KG>::value) {
      KG m = mapper_(key, value);
      if (!m) return std::nullopt;  // a nullable table key type: nullopt is null
      return std::optional<KG>(std::move(m));
    } else {
      return std::optional<KG>(KG(mapper_(key, value)));
    }
  }

  std::string storeName_;
  SerdePtr<KG> keySerde_;
  SerdePtr<VG> valueSerde_;
  F mapper_;
  J joiner_;
  std::unique_ptr<TypedKeyValueStore<KG, ValueAndTimestamp<VG>>> store_;
};

template <bool Left, class K, class V, class KG, class VG, class F, class J>
auto addGlobalTableJoin(const KStream<K, V>& stream, const GlobalKTable<KG, VG>& table, F keyMapper, J joiner,
                        const Named& named, SerdePtr<K> keySerde, bool repartitionRequired) {
  static_assert(std::is_invocable_v<F&, const K&, const V&>,
                "join(GlobalKTable): the key mapper must be callable as keyMapper(const K& key, const V& value)");
  using M = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
  static_assert(GlobalKeyMapperResult<M, KG>::valid,
                "join(GlobalKTable): the key mapper must return the global table's key type (or std::optional of "
                "it, nullopt for no key)");
  using VT = std::conditional_t<Left, std::optional<VG>, VG>;
  static_assert(std::is_invocable_v<J&, const V&, const VT&> || std::is_invocable_v<J&, const K&, const V&, const VT&>,
                "join(GlobalKTable): the joiner must be callable as joiner(const V& value, const VG& tableValue) "
                "(leftJoin: joiner(const V& value, const std::optional<VG>& tableValue)), optionally with the "
                "stream key first");
  using VR = GlobalJoinResult<J, K, V, VT>;
  const auto& builder = stream.builder();
  if (table.builder() != builder) {
    builder->recordError("join(GlobalKTable): the stream and the global table must come from the same StreamsBuilder");
  }
  auto name = builder->nameOr(named, Left ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
  auto store = table.queryableStoreName();
  auto ks = table.keySerde();
  auto vs = table.valueSerde();
  builder->addProcessor(name, {stream.nodeName()}, [=] {
    return std::make_unique<GlobalKTableJoinNode<K, V, KG, VG, F, J, Left>>(name, store, ks, vs, keyMapper, joiner);
  });
  SerdePtr<VR> resultSerde;
  if constexpr (std::is_same_v<VR, V>) {
    resultSerde = stream.valueSerde();
  } else {
    resultSerde = DefaultSerde<VR>::get();
  }
  return KStream<K, VR>(builder, name, std::move(keySerde), std::move(resultSerde), repartitionRequired);
}

}  // namespace detail

template <class K, class V>
template <class KG, class VG, class F, class J>
auto KStream<K, V>::join(const GlobalKTable<KG, VG>& table, F keyMapper, J joiner, const Named& named) const {
  return detail::addGlobalTableJoin<false>(*this, table, std::move(keyMapper), std::move(joiner), named, keySerde_,
                                           repartitionRequired_);
}

template <class K, class V>
template <class KG, class VG, class F, class J>
auto KStream<K, V>::leftJoin(const GlobalKTable<KG, VG>& table, F keyMapper, J joiner, const Named& named) const {
  return detail::addGlobalTableJoin<true>(*this, table, std::move(keyMapper), std::move(joiner), named, keySerde_,
                                          repartitionRequired_);
}

}  // namespace kstreams
