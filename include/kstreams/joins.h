// Joins: stream-stream (windowed), stream-table and table-table, defined here
// because they need KStream and KTable complete.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>

#include "kstreams/detail/join_nodes.h"
#include "kstreams/join_options.h"
#include "kstreams/kstream.h"
#include "kstreams/ktable.h"

namespace kstreams {

namespace detail {

template <class From, class To>
SerdePtr<To> serdeFor(const SerdePtr<From>& s) {
  if constexpr (std::is_same_v<From, To>) {
    return s;
  } else {
    return DefaultSerde<To>::get();
  }
}

/// A join input whose key was changed upstream goes through a repartition topic
/// named `<base>-repartition` first, so that equal keys meet in one task.
template <class K, class V>
KStream<K, V> repartitionForJoin(const KStream<K, V>& stream, const std::string& base, const SerdePtr<K>& ks,
                                 const SerdePtr<V>& vs) {
  if (!stream.repartitionRequired()) return stream;
  return stream.repartition(RepartitionedWith<K, V>(ks, vs).withName(base));
}

inline StoreSpec joinWindowStoreSpec(const std::string& name, const JoinWindows& windows, StoreType type,
                                     bool logging, const std::map<std::string, std::string>& changelogConfig) {
  StoreSpec spec;
  spec.name = name;
  spec.kind = StoreSpec::Kind::WINDOW;
  spec.type = type;
  spec.timestamped = false;
  spec.loggingEnabled = logging;
  spec.changelogConfig = changelogConfig;
  spec.cachingEnabled = false;
  spec.retainDuplicates = true;
  spec.changelogAfterOutputs = false;  // holds arrivals only; no emit-once state
  // A record must stay fetchable while a partner can still arrive: the whole
  // join window plus grace (one more millisecond so that the oldest record at
  // the boundary is still kept).
  spec.retentionMs = windows.sizeMs() + windows.gracePeriodMs() + 1;
  spec.segmentIntervalMs = std::max<int64_t>(spec.retentionMs / 2, 60000);
  return spec;
}

template <JoinKind Kind, class K, class V1, class V2, class J>
auto streamStreamJoin(const KStream<K, V1>& thisStream, const KStream<K, V2>& otherStream, J joiner,
                      const JoinWindows& windows, const StreamJoinedWith<K, V1, V2>& joined) {
  constexpr bool kLeftOptional = Kind == JoinKind::OUTER;
  constexpr bool kRightOptional = Kind != JoinKind::INNER;
  using VR = JoinerResult<J, K, JoinArg<V1, kLeftOptional>, JoinArg<V2, kRightOptional>>;
  const auto& b = thisStream.builder();
  if (otherStream.builder() != b) {
    b->recordError("join(): both streams must come from the same StreamsBuilder");
  }
  auto ks = joined.keySerde ? joined.keySerde : thisStream.keySerde();
  auto lvs = joined.valueSerde ? joined.valueSerde : thisStream.valueSerde();
  auto rvs = joined.otherValueSerde ? joined.otherValueSerde : otherStream.valueSerde();
  const std::string& n = joined.name;
  auto left = repartitionForJoin(thisStream, n.empty() ? thisStream.nodeName() : n + "-left", ks, lvs);
  auto right = repartitionForJoin(otherStream, n.empty() ? otherStream.nodeName() : n + "-right", ks, rvs);

  auto named = [&](const char* suffix, std::string_view prefix) {
    return n.empty() ? b->newName(prefix) : b->nameOr(n + suffix, prefix);
  };
  const std::string thisWindowed = named("-this-windowed", "KSTREAM-WINDOWED-");
  const std::string otherWindowed = named("-other-windowed", "KSTREAM-WINDOWED-");
  const std::string thisGenerated = b->newName(Kind == JoinKind::OUTER ? "KSTREAM-OUTERTHIS-" : "KSTREAM-JOINTHIS-");
  const std::string otherGenerated =
      b->newName(Kind != JoinKind::INNER ? "KSTREAM-OUTEROTHER-" : "KSTREAM-JOINOTHER-");
  const std::string joinThis = n.empty() ? thisGenerated : n + "-this-join";
  const std::string joinOther = n.empty() ? otherGenerated : n + "-other-join";
  const std::string merge = named("-merge", "KSTREAM-MERGE-");
  const std::string& sn = joined.storeName;
  const std::string thisStore = sn.empty() ? thisGenerated + "-store" : sn + "-this-join-store";
  const std::string otherStore = sn.empty() ? otherGenerated + "-store" : sn + "-other-join-store";
  std::string outerStore;
  if constexpr (Kind != JoinKind::INNER) {
    outerStore = sn.empty() ? "KSTREAM-OUTERSHARED-" + thisGenerated.substr(thisGenerated.size() - 10) + "-store"
                            : sn + "-outer-shared-join-store";
  }
  checkSerdes<K, V1>(*b, ks, lvs, joinThis, thisStore + " (join store)",
                     "StreamJoined::with(keySerde, valueSerde, otherValueSerde)");
  checkSerdes<K, V2>(*b, ks, rvs, joinOther, otherStore + " (join store)",
                     "StreamJoined::with(keySerde, valueSerde, otherValueSerde)");

  b->addProcessor(thisWindowed, {left.nodeName()}, [=] {
    return std::make_unique<JoinWindowNode<K, V1>>(thisWindowed, thisStore, ks, lvs);
  });
  b->addProcessor(otherWindowed, {right.nodeName()}, [=] {
    return std::make_unique<JoinWindowNode<K, V2>>(otherWindowed, otherStore, ks, rvs);
  });
  auto trackers = std::make_shared<JoinTimeTrackers>();
  const int64_t before = windows.beforeMs();
  const int64_t after = windows.afterMs();
  const int64_t grace = windows.gracePeriodMs();
  const StreamJoinSide thisSide{otherStore, outerStore, before, after, before, after, grace, Kind != JoinKind::INNER};
  const StreamJoinSide otherSide{thisStore, outerStore, after, before, before, after, grace, Kind == JoinKind::OUTER};
  b->addProcessor(joinThis, {thisWindowed}, [=] {
    return std::make_unique<StreamStreamJoinNode<K, V1, V2, J, Kind, true>>(joinThis, thisSide, trackers, ks, lvs, rvs,
                                                                             joiner);
  });
  b->addProcessor(joinOther, {otherWindowed}, [=] {
    return std::make_unique<StreamStreamJoinNode<K, V1, V2, J, Kind, false>>(joinOther, otherSide, trackers, ks, lvs,
                                                                              rvs, joiner);
  });
  b->addProcessor(merge, {joinThis, joinOther}, [merge] { return std::make_unique<PassThroughNode>(merge); });

  b->addStateStore(joinWindowStoreSpec(thisStore, windows, joined.storeType, joined.loggingEnabled,
                                       joined.changelogConfig),
                   {thisWindowed, joinOther});
  b->addStateStore(joinWindowStoreSpec(otherStore, windows, joined.storeType, joined.loggingEnabled,
                                       joined.changelogConfig),
                   {otherWindowed, joinThis});
  if (!outerStore.empty()) {
    StoreSpec spec = storeSpec(outerStore, joined.storeType, joined.loggingEnabled, joined.changelogConfig, false);
    spec.timestamped = false;
    b->addStateStore(spec, {joinThis, joinOther});
  }
  b->addCopartitionGroup({thisWindowed, otherWindowed});
  return KStream<K, VR>(b, merge, ks, serdeFor<V1, VR>(lvs), false);
}

template <bool Left, class K, class V, class VT, class J>
auto streamTableJoin(const KStream<K, V>& stream, const KTable<K, VT>& table0, J joiner,
                     const JoinedWith<K, V, VT>& joined) {
  using VR = JoinerResult<J, K, V, JoinArg<VT, Left>>;
  const auto& b = stream.builder();
  auto ks = joined.keySerde ? joined.keySerde : stream.keySerde();
  auto vs = joined.valueSerde ? joined.valueSerde : stream.valueSerde();
  auto input = repartitionForJoin(stream, joined.name.empty() ? stream.nodeName() : joined.name + "-left", ks, vs);
  const KTable<K, VT> table = table0.materializedForJoin();
  auto tks = table.keySerde();
  auto tvs = joined.otherValueSerde ? joined.otherValueSerde : table.valueSerde();
  const std::string name = b->nameOr(joined.name, Left ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
  const std::string store = table.queryableStoreName();
  checkSerdes<K, VT>(*b, tks, tvs, name, store + " (table store)",
                     "Materialized::with(keySerde, valueSerde) on the table");
  b->addProcessor(name, {input.nodeName()}, [=] {
    return std::make_unique<StreamTableJoinNode<K, V, VT, J, Left>>(name, store, tks, tvs, joiner);
  });
  b->connectStore(name, store);
  b->addCopartitionGroup({name, table.nodeName()});
  return KStream<K, VR>(b, name, ks, serdeFor<V, VR>(vs), false);
}

template <JoinKind Kind, class K, class V, class VO, class J, class M>
auto tableTableJoin(const KTable<K, V>& thisTable, const KTable<K, VO>& otherTable, J joiner, const Named& named,
                    const M& materializedIn) {
  constexpr bool kLeftOptional = Kind == JoinKind::OUTER;
  constexpr bool kRightOptional = Kind != JoinKind::INNER;
  using VR = JoinerResult<J, K, JoinArg<V, kLeftOptional>, JoinArg<VO, kRightOptional>>;
  const auto& b = thisTable.builder();
  const KTable<K, V> left = thisTable.materializedForJoin();
  const KTable<K, VO> right = otherTable.materializedForJoin();
  auto ks = left.keySerde();
  auto lvs = left.valueSerde();
  auto rvs = right.valueSerde();
  const std::string merge = b->nameOr(named, "KTABLE-MERGE-");
  const std::string joinThis = named.name.empty() ? b->newName("KTABLE-JOINTHIS-") : named.name + "-join-this";
  const std::string joinOther = named.name.empty() ? b->newName("KTABLE-JOINOTHER-") : named.name + "-join-other";
  const std::string leftStore = left.queryableStoreName();
  const std::string rightStore = right.queryableStoreName();
  b->addProcessor(joinThis, {left.nodeName()}, [=] {
    return std::make_unique<TableTableJoinNode<K, V, VO, J, Kind, true>>(joinThis, rightStore, ks, rvs, joiner);
  });
  b->addProcessor(joinOther, {right.nodeName()}, [=] {
    return std::make_unique<TableTableJoinNode<K, V, VO, J, Kind, false>>(joinOther, leftStore, ks, lvs, joiner);
  });
  b->connectStore(joinThis, rightStore);
  b->connectStore(joinOther, leftStore);
  b->addProcessor(merge, {joinThis, joinOther}, [merge] { return std::make_unique<PassThroughNode>(merge); });
  b->addCopartitionGroup({left.nodeName(), right.nodeName()});

  const MaterializedWith<K, VR> m = materializedIn;
  constexpr bool kTyped = !std::is_same_v<M, MaterializedWith<Unspecified, Unspecified>>;
  auto vrs = m.valueSerde ? m.valueSerde : serdeFor<V, VR>(lvs);
  if (!kTyped && m.storeName.empty()) return KTable<K, VR>(b, merge, "", ks, vrs);
  const std::string store = m.storeName.empty() ? b->newStoreName(merge + "-STATE-STORE-") : m.storeName;
  auto mks = m.keySerde ? m.keySerde : ks;
  return addAggregation<K, VR>(b, merge, "KTABLE-MATERIALIZE-", store, m, mks, vrs, Named{}, [=](const std::string& nm) {
    return std::make_unique<TableMaterializeNode<K, VR>>(nm, store, mks, vrs);
  });
}

}  // namespace detail

template <class K, class V>
template <class V2, class J>
auto KStream<K, V>::join(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
                         std::type_identity_t<StreamJoinedWith<K, V, V2>> joined) const {
  return detail::streamStreamJoin<detail::JoinKind::INNER>(*this, other, std::move(joiner), windows, joined);
}

template <class K, class V>
template <class V2, class J>
auto KStream<K, V>::leftJoin(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
                             std::type_identity_t<StreamJoinedWith<K, V, V2>> joined) const {
  return detail::streamStreamJoin<detail::JoinKind::LEFT>(*this, other, std::move(joiner), windows, joined);
}

template <class K, class V>
template <class V2, class J>
auto KStream<K, V>::outerJoin(const KStream<K, V2>& other, J joiner, const JoinWindows& windows,
                              std::type_identity_t<StreamJoinedWith<K, V, V2>> joined) const {
  return detail::streamStreamJoin<detail::JoinKind::OUTER>(*this, other, std::move(joiner), windows, joined);
}

template <class K, class V>
template <class VT, class J>
auto KStream<K, V>::join(const KTable<K, VT>& table, J joiner, std::type_identity_t<JoinedWith<K, V, VT>> joined) const {
  return detail::streamTableJoin<false>(*this, table, std::move(joiner), joined);
}

template <class K, class V>
template <class VT, class J>
auto KStream<K, V>::leftJoin(const KTable<K, VT>& table, J joiner, std::type_identity_t<JoinedWith<K, V, VT>> joined) const {
  return detail::streamTableJoin<true>(*this, table, std::move(joiner), joined);
}

template <class K, class V>
template <class VO, class J, class M>
  requires std::is_invocable_v<J&, const V&, const VO&>
auto KTable<K, V>::join(const KTable<K, VO>& other, J joiner, const Named& named, M materialized) const {
  return detail::tableTableJoin<detail::JoinKind::INNER>(*this, other, std::move(joiner), named, materialized);
}

template <class K, class V>
template <class VO, class J, class M>
  requires std::is_invocable_v<J&, const V&, const std::optional<VO>&>
auto KTable<K, V>::leftJoin(const KTable<K, VO>& other, J joiner, const Named& named, M materialized) const {
  return detail::tableTableJoin<detail::JoinKind::LEFT>(*this, other, std::move(joiner), named, materialized);
}

template <class K, class V>
template <class VO, class J, class M>
  requires std::is_invocable_v<J&, const std::optional<V>&, const std::optional<VO>&>
auto KTable<K, V>::outerJoin(const KTable<K, VO>& other, J joiner, const Named& named, M materialized) const {
  return detail::tableTableJoin<detail::JoinKind::OUTER>(*this, other, std::move(joiner), named, materialized);
}

template <class K, class V>
KTable<K, V> KTable<K, V>::materializedForJoin() const {
  if (!storeName_.empty()) return *this;
  const std::string store = builder_->newStoreName(node_ + "-STATE-STORE-");
  auto ks = keySerde_;
  auto vs = valueSerde_;
  MaterializedWith<K, V> m;
  m.cachingEnabled = false;
  return detail::addAggregation<K, V>(builder_, node_, "KTABLE-MATERIALIZE-", store, m, ks, vs, Named{},
                                      [=](const std::string& name) {
                                        return std::make_unique<detail::TableMaterializeNode<K, V>>(name, store, ks, vs);
                                      });
}

}  // namespace kstreams
