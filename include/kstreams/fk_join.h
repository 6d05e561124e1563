// Foreign-key table-table joins (Kafka Streams' KIP-213): KTable::join and
// KTable::leftJoin with a foreignKeyExtractor, defined here because they need
// KTable complete. The left table subscribes each row to the right row its
// foreign key names, through an internal subscription topic partitioned like the
// right table; the right side answers (and re-answers on every change of that
// right row) through an internal response topic, to the left row's partition.
// See detail/fk_join_nodes.h for the nodes and byte formats.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "kstreams/detail/fk_join_nodes.h"
#include "kstreams/ktable.h"

namespace kstreams {

namespace detail {

/// What a foreign-key extractor may return: the key (or something convertible to
/// it), or an optional of it (empty: the row has no foreign key).
template <class R, class KO>
concept ForeignKeyResult = std::is_convertible_v<R, KO> || requires(const R& r) {
  static_cast<bool>(r);
  { *r } -> std::convertible_to<KO>;
};

/// Records the nodes, topics and stores of a foreign-key join of `leftIn` with
/// `rightIn`; returns the result table.
template <class VR, bool LeftJoin, class K, class V, class KO, class VO, class FK, class J>
KTable<K, VR> addForeignKeyJoin(const std::shared_ptr<GraphBuilder>& b, const KTable<K, V>& leftIn,
                                const KTable<KO, VO>& rightIn, FK foreignKeyExtractor, J joiner, const Named& named,
                                const MaterializedWith<K, VR>& m) {
  using FKR = std::decay_t<std::invoke_result_t<FK&, const V&>>;
  static_assert(ForeignKeyResult<FKR, KO>,
                "foreign-key join: foreignKeyExtractor(value) must return the other table's key type, or "
                "std::optional of it for rows that have no foreign key");
  const char* op = LeftJoin ? "leftJoin" : "join";
  if (named.given && named.name.empty()) {
    b->recordError(std::string("KTable::") + op +
                   " (foreign key): Named::as(\"\") was given an empty name: give it a non-empty name or leave "
                   "Named out");
  }
  // Kafka Streams' names: <name>-<suffix> when named, else prefix + index.
  auto nameFor = [&](std::string_view suffix, std::string_view prefix) {
    return named.name.empty() ? b->newName(prefix) : named.name + std::string(suffix);
  };
  const KTable<K, V> left = leftIn.materializedForJoin();
  const KTable<KO, VO> right = rightIn.materializedForJoin();
  const SerdePtr<K> ks = left.keySerde();
  const SerdePtr<V> vs = left.valueSerde();
  const SerdePtr<KO> fks = right.keySerde();
  const SerdePtr<VO> fvs = right.valueSerde();
  const std::string leftStore = left.queryableStoreName();
  const std::string rightStore = right.queryableStoreName();

  const std::string subscriptionTopic =
      nameFor("-subscription-registration", "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-") + "-topic";
  const std::string sendName = nameFor("-subscription-registration-processor", "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-");
  const std::string subscriptionSink = nameFor("-subscription-registration-sink", "KTABLE-SINK-");
  const std::string subscriptionSource = nameFor("-subscription-registration-source", "KSTREAM-SOURCE-");
  const std::string subscriptionStore = nameFor("-subscription-store", "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-");
  const std::string receiveName = nameFor("-subscription-receive", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
  const std::string foreignJoinName = nameFor("-foreign-join-subscription", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
  const std::string responseTopic = nameFor("-subscription-response", "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-") + "-topic";
  const std::string responseSink = nameFor("-subscription-response-sink", "KTABLE-SINK-");
  const std::string foreignResponseSink = nameFor("-foreign-join-response-sink", "KTABLE-SINK-");
  const std::string responseSource = nameFor("-subscription-response-source", "KSTREAM-SOURCE-");
  const std::string resultName = nameFor("-result", "KTABLE-FK-JOIN-OUTPUT-");
  const std::string resultStore =
      m.storeName.empty() ? b->newStoreName("KTABLE-FK-JOIN-OUTPUT-STATE-STORE-") : m.storeName;
  const SerdePtr<K> rks = m.keySerde ? m.keySerde : ks;
  const SerdePtr<VR> rvs = m.valueSerde ? m.valueSerde : DefaultSerde<VR>::get();

  const std::string how = std::string("serdes on the tables (Consumed::with or Materialized::with) before ") + op;
  checkSerdes<K, V>(*b, ks, vs, sendName, subscriptionTopic + " (this table's key and value)", how);
  checkSerdes<KO, VO>(*b, fks, fvs, receiveName, responseTopic + " (the other table's key and value)", how);
  checkSerdes<K, VR>(*b, rks, rvs, resultName, resultStore + " (state store of the join result)",
                     std::string("Materialized::with(keySerde, valueSerde) in ") + op);

  // Left table → subscriptions, keyed by the foreign key: the default
  // partitioner puts them where the right table's rows with that key are.
  b->addProcessor(sendName, {left.nodeName()}, [=] {
    return std::make_unique<SubscriptionSendNode<K, V, KO, FK>>(sendName, foreignKeyExtractor, ks, vs, fks, LeftJoin);
  });
  b->addRepartitionTopic(subscriptionTopic, -1, right.nodeName());
  auto subscriptionSerde = std::make_shared<SubscriptionWrapperSerde>();
  b->addSink(subscriptionSink, sendName, subscriptionTopic, [=] {
    return std::make_unique<SinkNode<KO, SubscriptionWrapper>>(subscriptionSink, subscriptionTopic, true, nullptr, fks,
                                                               subscriptionSerde, nullptr);
  }, true);

  // Right table's task: the subscription store, answers to subscriptions and to
  // right-table changes.
  b->addSource(subscriptionSource, {subscriptionTopic}, [=] {
    return std::make_unique<SourceNode<std::string, SubscriptionWrapper>>(subscriptionSource, Serdes::String(),
                                                                          subscriptionSerde, nullptr);
  }, true);
  b->addProcessor(receiveName, {subscriptionSource}, [=] {
    return std::make_unique<SubscriptionReceiveNode<VO>>(receiveName, subscriptionStore, rightStore, fvs);
  });
  StoreSpec subscriptions = storeSpec(subscriptionStore, StoreType::ROCKS_DB, true, {}, false);
  b->addStateStore(subscriptions, {receiveName});
  b->connectStore(receiveName, rightStore);
  b->addProcessor(foreignJoinName, {right.nodeName()}, [=] {
    return std::make_unique<ForeignTableJoinNode<KO, VO>>(foreignJoinName, subscriptionStore, fks);
  });
  b->connectStore(foreignJoinName, subscriptionStore);
  b->addCopartitionGroup({receiveName, right.nodeName()});

  // Responses → the left table's task, to the partition each subscription came from.
  b->addRepartitionTopic(responseTopic, -1, left.nodeName());
  b->addSink(responseSink, receiveName, responseTopic,
             [=] { return std::make_unique<ResponseSinkNode<VO>>(responseSink, responseTopic, fvs); }, true);
  b->addSink(foreignResponseSink, foreignJoinName, responseTopic,
             [=] { return std::make_unique<ResponseSinkNode<VO>>(foreignResponseSink, responseTopic, fvs); }, true);
  b->addSource(responseSource, {responseTopic}, [=] {
    return std::make_unique<SourceNode<K, SubscriptionResponse<VO>>>(
        responseSource, ks, std::make_shared<SubscriptionResponseSerde<VO>>(fvs), nullptr);
  }, true);
  b->addProcessor(resultName, {responseSource}, [=] {
    return std::make_unique<ResponseJoinNode<K, V, VO, VR, J, LeftJoin>>(resultName, resultStore, rks, rvs, leftStore,
                                                                          vs, joiner);
  });
  b->connectStore(resultName, leftStore);
  b->addStateStore(storeSpec(resultStore, m.storeType, m.loggingEnabled, m.changelogConfig, m.cachingEnabled),
                   {resultName});
  b->addCopartitionGroup({resultName, left.nodeName()});
  return KTable<K, VR>(b, resultName, resultStore, rks, rvs);
}

}  // namespace detail

template <class K, class V>
template <class KO, class VO, class FK, class J, class M>
  requires std::is_invocable_v<FK&, const V&> && std::is_invocable_v<J&, const V&, const VO&>
auto KTable<K, V>::join(const KTable<KO, VO>& other, FK foreignKeyExtractor, J joiner, const Named& named,
                        M materialized) const {
  using VR = std::decay_t<std::invoke_result_t<J&, const V&, const VO&>>;
  return detail::addForeignKeyJoin<VR, false>(builder_, *this, other, std::move(foreignKeyExtractor),
                                              std::move(joiner), named, MaterializedWith<K, VR>(materialized));
}

template <class K, class V>
template <class KO, class VO, class FK, class J, class M>
  requires std::is_invocable_v<FK&, const V&> && std::is_invocable_v<J&, const V&, const std::optional<VO>&>
auto KTable<K, V>::leftJoin(const KTable<KO, VO>& other, FK foreignKeyExtractor, J joiner, const Named& named,
                            M materialized) const {
  using VR = std::decay_t<std::invoke_result_t<J&, const V&, const std::optional<VO>&>>;
  return detail::addForeignKeyJoin<VR, true>(builder_, *this, other, std::move(foreignKeyExtractor),
                                             std::move(joiner), named, MaterializedWith<K, VR>(materialized));
}

}  // namespace kstreams
