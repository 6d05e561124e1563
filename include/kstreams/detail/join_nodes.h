// Processor nodes of the joins: stream-stream (windowed, with the shared store
// that holds unmatched records of left and outer joins until their window
// closes), stream-table and table-table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/detail/node.h"
#include "kstreams/detail/table_nodes.h"
#include "kstreams/serde.h"
#include "kstreams/state.h"

namespace kstreams::detail {

/// Calls joiner(key, left, right) or joiner(left, right), whichever it accepts.
template <class J, class K, class A, class B>
decltype(auto) invokeJoiner(J& joiner, const K& key, const A& left, const B& right) {
  if constexpr (std::is_invocable_v<J&, const K&, const A&, const B&>) {
    return joiner(key, left, right);
  } else {
    static_assert(std::is_invocable_v<J&, const A&, const B&>,
                  "the joiner must take (left, right) or (key, left, right); left and outer joins pass "
                  "std::optional for the side that may be missing");
    return joiner(left, right);
  }
}

template <class J, class K, class A, class B>
using JoinerResult =
    std::decay_t<decltype(invokeJoiner(std::declval<J&>(), std::declval<const K&>(), std::declval<const A&>(),
                                       std::declval<const B&>()))>;

/// What the joiner receives for a side: the value itself, or std::optional when
/// the side may be missing (the outer side of a left or outer join).
template <class V, bool Optional>
using JoinArg = std::conditional_t<Optional, std::optional<V>, V>;

enum class JoinKind { INNER, LEFT, OUTER };

/// The highest timestamp seen by either side of one stream-stream join in one
/// task, and the smallest timestamp in its store of unmatched records.
struct JoinTimeTracker {
  int64_t streamTime = -1;
  int64_t minTime = 0;  // 0: unknown (after a restart), so the first record looks
  void advance(int64_t ts) { streamTime = std::max(streamTime, ts); }
};

/// Hands both join nodes of a task the same tracker (the nodes are made separately).
class JoinTimeTrackers {
 public:
  std::shared_ptr<JoinTimeTracker> forTask(const std::string& taskId) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& weak = trackers_[taskId];
    auto tracker = weak.lock();
    if (!tracker) {
      tracker = std::make_shared<JoinTimeTracker>();
      weak = tracker;
    }
    return tracker;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<JoinTimeTracker>> trackers_;
};

/// Puts each record of one side into that side's window store (duplicates kept),
/// then forwards it to the side's join node.
template <class K, class V>
class JoinWindowNode final : public Node {
 public:
  JoinWindowNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<V> vs)
      : Node(std::move(name)), storeName_(std::move(store)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}
  void init(NodeContext& context) override {
    Node::init(context);
    store_ = context.getWindowStore(storeName_);
  }
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (!meta.nullKey && !meta.nullValue) {
      keyBuf_.clear();
      valueBuf_.clear();
      keySerde_->serialize(*static_cast<const K*>(k), keyBuf_);
      valueSerde_->serialize(*static_cast<const V*>(v), valueBuf_);
      store_->put(keyBuf_, std::string_view(valueBuf_), meta.timestamp);
    }
    forward(k, v, meta);
  }

 private:
  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  WindowBytesStore* store_ = nullptr;
  std::string keyBuf_;
  std::string valueBuf_;
};

/// Settings of one side of a stream-stream join.
struct StreamJoinSide {
  std::string otherStore;
  std::string outerStore;  // empty for inner joins
  int64_t beforeMs = 0;    // this side's look-back (the windows' before for the left side, after for the right)
  int64_t afterMs = 0;
  int64_t windowBeforeMs = 0;  // the JoinWindows as given
  int64_t windowAfterMs = 0;
  int64_t graceMs = 0;
  bool emitUnmatched = false;  // this side's records are joined with nullopt when unmatched
};

/// One side of a windowed stream-stream join. ThisIsLeft: records arriving here
/// are the join's left side_. Unmatched records of an outer side wait in the
/// shared store (key: 8-byte big-endian timestamp, side byte, key bytes; value:
/// the list of values, each with a 4-byte length) until stream time passes their
/// window end plus grace; they are dropped from it as soon as a partner arrives.
template <class K, class VL, class VRt, class J, JoinKind Kind, bool ThisIsLeft>
class StreamStreamJoinNode final : public Node {
  static constexpr bool kLeftOptional = Kind == JoinKind::OUTER;
  static constexpr bool kRightOptional = Kind != JoinKind::INNER;
  using LeftArg = JoinArg<VL, kLeftOptional>;
  using RightArg = JoinArg<VRt, kRightOptional>;
  using VThis = std::conditional_t<ThisIsLeft, VL, VRt>;
  using VOther = std::conditional_t<ThisIsLeft, VRt, VL>;
  // Unmatched records of the other side wait in the shared store.
  static constexpr bool kOtherSideWaits = ThisIsLeft ? Kind == JoinKind::OUTER : Kind != JoinKind::INNER;

 public:
  using Result = JoinerResult<J, K, LeftArg, RightArg>;

  StreamStreamJoinNode(std::string name, StreamJoinSide s, std::shared_ptr<JoinTimeTrackers> trackers, SerdePtr<K> ks,
                 SerdePtr<VL> lvs, SerdePtr<VRt> rvs, J joiner)
      : Node(std::move(name)),
        side_(std::move(s)),
        trackers_(std::move(trackers)),
        keySerde_(std::move(ks)),
        leftSerde_(std::move(lvs)),
        rightSerde_(std::move(rvs)),
        joiner_(std::move(joiner)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    otherStore_ = context.getWindowStore(side_.otherStore);
    if (!side_.outerStore.empty()) outerStore_ = context.getStateStore(side_.outerStore);
    tracker_ = trackers_->forTask(context.taskId());
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const int64_t ts = meta.timestamp;
    tracker_->advance(ts);
    if (meta.nullKey && !meta.nullValue && side_.emitUnmatched) {
      // A null key can never match: a left or outer join emits it at once (KIP-962).
      emit(*static_cast<const K*>(k), static_cast<const VThis*>(v), nullptr, ts, meta);
      return;
    }
    if (meta.nullKey || meta.nullValue) {
      context_->recordDropped(name(), meta.nullKey ? "null key in a join" : "null value in a join");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const VThis& value = *static_cast<const VThis*>(v);
    if (outerStore_ != nullptr && ts == tracker_->streamTime) emitExpiredUnmatched(meta);

    const int64_t timeFrom = std::max<int64_t>(0, ts - side_.beforeMs);
    const int64_t timeTo = std::max<int64_t>(0, ts + side_.afterMs);
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    bool matched = false;
    for (auto it = otherStore_->fetch(keyBuf_, timeFrom, timeTo); it->valid(); it->next()) {
      matched = true;
      const int64_t otherTs = it->windowStart();
      VOther other{};
      otherSerde().deserialize(it->value().data(), it->value().size(), other);
      if (kOtherSideWaits && outerStore_ != nullptr) {
        // The partner is matched now: it must not be emitted as unmatched later.
        // (Read first: most partners were never waiting, and a blind delete
        // would write a tombstone to the changelog for each of them.)
        outerKey(outerKeyBuf_, !ThisIsLeft, keyBuf_, otherTs);
        if (outerStore_->get(outerKeyBuf_)) outerStore_->put(outerKeyBuf_, std::nullopt);
      }
      emit(key, &value, &other, std::max(ts, otherTs), meta);
    }
    if (matched || !side_.emitUnmatched) return;
    if (outerStore_ == nullptr || timeTo < tracker_->streamTime) {
      // The window is already closed: no partner can come any more.
      emit(key, &value, nullptr, ts, meta);
      return;
    }
    tracker_->minTime = std::min(tracker_->minTime, ts);
    outerKey(outerKeyBuf_, ThisIsLeft, keyBuf_, ts);
    std::string list = outerStore_->get(outerKeyBuf_).value_or(std::string());
    valueBuf_.clear();
    thisSerde().serialize(value, valueBuf_);
    putBigEndian<uint32_t>(static_cast<uint32_t>(valueBuf_.size()), list);
    list += valueBuf_;
    outerStore_->put(outerKeyBuf_, std::string_view(list));
  }

 private:
  const Serde<VThis>& thisSerde() const {
    if constexpr (ThisIsLeft) {
      return *leftSerde_;
    } else {
      return *rightSerde_;
    }
  }
  const Serde<VOther>& otherSerde() const {
    if constexpr (ThisIsLeft) {
      return *rightSerde_;
    } else {
      return *leftSerde_;
    }
  }

  static void outerKey(std::string& out, bool leftSide, const std::string& keyBytes, int64_t ts) {
    out.clear();
    out.reserve(9 + keyBytes.size());
    putBigEndian<int64_t>(ts, out);
    out.push_back(leftSide ? '\x01' : '\x00');
    out += keyBytes;
  }

  /// Calls the joiner with this side's and the other side's value (nullptr: missing).
  void emit(const K& key, const VThis* thisValue, const VOther* otherValue, int64_t ts, const RecordMeta& meta) {
    const VL* l;
    const VRt* r;
    if constexpr (ThisIsLeft) {
      l = thisValue;
      r = otherValue;
    } else {
      l = otherValue;
      r = thisValue;
    }
    forwardJoined(key, l, r, ts, meta);
  }

  void forwardJoined(const K& key, const VL* l, const VRt* r, int64_t ts, const RecordMeta& meta) {
    Result out = invokeJoiner(joiner_, key, arg<VL, kLeftOptional>(l), arg<VRt, kRightOptional>(r));
    RecordMeta m = meta;
    m.timestamp = ts;
    m.nullValue = false;
    forward(&key, &out, m);
  }

  /// A required side by reference (no copy); an optional one as std::optional.
  template <class T, bool Optional>
  static decltype(auto) arg(const T* p) {
    if constexpr (Optional) {
      return p != nullptr ? std::optional<T>(*p) : std::optional<T>();
    } else {
      if (p == nullptr) throw StreamsException("join: a required side is missing (internal error)");
      return static_cast<const T&>(*p);
    }
  }

  /// Emits (and deletes) the waiting unmatched records whose window has closed.
  void emitExpiredUnmatched(const RecordMeta& meta) {
    const int64_t lookBack = std::min(side_.windowAfterMs, side_.windowBeforeMs);
    if (tracker_->minTime != 0 && tracker_->minTime + lookBack + side_.graceMs >= tracker_->streamTime) return;
    int64_t nextMin = std::numeric_limits<int64_t>::max() / 4;
    bool leftOpen = false;
    bool rightOpen = false;
    std::vector<std::string> emitted;
    for (auto it = outerStore_->all(); it->valid(); it->next()) {
      if (leftOpen && rightOpen) break;
      const std::string_view sk = it->key();
      if (sk.size() < 9) continue;
      const int64_t ts = getBigEndian<int64_t>(sk.data());
      const bool isLeft = sk[8] == 1;
      const int64_t windowEnd = ts + (isLeft ? side_.windowAfterMs : side_.windowBeforeMs);
      if (windowEnd + side_.graceMs >= tracker_->streamTime) {
        (isLeft ? leftOpen : rightOpen) = true;
        nextMin = std::min(nextMin, ts);
        continue;
      }
      K key{};
      keySerde_->deserialize(sk.data() + 9, sk.size() - 9, key);
      const std::string_view list = it->value();
      for (size_t pos = 0; pos + 4 <= list.size();) {
        const uint32_t len = getBigEndian<uint32_t>(list.data() + pos);
        pos += 4;
        if (pos + len > list.size()) {
          throw SerializationException("join store " + side_.outerStore + ": truncated value list");
        }
        RecordMeta m = meta;
        m.nullKey = false;
        if (isLeft) {
          VL value{};
          leftSerde_->deserialize(list.data() + pos, len, value);
          forwardJoined(key, &value, nullptr, ts, m);
        } else {
          VRt value{};
          rightSerde_->deserialize(list.data() + pos, len, value);
          forwardJoined(key, nullptr, &value, ts, m);
        }
        pos += len;
      }
      emitted.emplace_back(sk);
    }
    for (const auto& key : emitted) outerStore_->put(key, std::nullopt);
    tracker_->minTime = nextMin;
  }

  StreamJoinSide side_;
  std::shared_ptr<JoinTimeTrackers> trackers_;
  SerdePtr<K> keySerde_;
  SerdePtr<VL> leftSerde_;
  SerdePtr<VRt> rightSerde_;
  J joiner_;
  WindowBytesStore* otherStore_ = nullptr;
  KeyValueBytesStore* outerStore_ = nullptr;
  std::shared_ptr<JoinTimeTracker> tracker_;
  std::string keyBuf_;
  std::string valueBuf_;
  std::string outerKeyBuf_;
};

/// The table side of a join: reads the table's timestamped store by key.
template <class K, class V>
class TableLookup {
 public:
  TableLookup(std::string store, SerdePtr<K> ks, SerdePtr<V> vs)
      : storeName_(std::move(store)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}
  void init(NodeContext& context) {
    store_ = std::make_unique<TypedKeyValueStore<K, ValueAndTimestamp<V>>>(
        context.getStateStore(storeName_), keySerde_, std::make_shared<ValueAndTimestampSerde<V>>(valueSerde_));
  }
  std::optional<ValueAndTimestamp<V>> get(const K& key) { return store_->get(key); }

 private:
  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::unique_ptr<TypedKeyValueStore<K, ValueAndTimestamp<V>>> store_;
};

/// A stream record joined with the table's current value for its key. Table
/// updates are not seen here: they only change what later records find.
template <class K, class V, class VT, class J, bool Left>
class StreamTableJoinNode final : public Node {
  using TableArg = JoinArg<VT, Left>;

 public:
  using Result = JoinerResult<J, K, V, TableArg>;

  StreamTableJoinNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<VT> tvs, J joiner)
      : Node(std::move(name)), table_(std::move(store), std::move(ks), std::move(tvs)), joiner_(std::move(joiner)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    table_.init(context);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullValue || (meta.nullKey && !Left)) {
      context_->recordDropped(name(), meta.nullValue ? "null value in a stream-table join" : "null key in a join");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    std::optional<ValueAndTimestamp<VT>> row;
    if (!meta.nullKey) row = table_.get(key);
    if constexpr (Left) {
      std::optional<VT> tableValue;
      if (row) tableValue = std::move(row->value);
      send(key, invokeJoiner(joiner_, key, value, tableValue), meta);
    } else {
      if (!row) return;
      send(key, invokeJoiner(joiner_, key, value, row->value), meta);
    }
  }

 private:
  void send(const K& key, Result out, const RecordMeta& meta) {
    RecordMeta m = meta;
    m.nullValue = false;
    forward(&key, &out, m);
  }

  TableLookup<K, VT> table_;
  J joiner_;
};

/// Materializes a table that has no store of its own (after filter or
/// mapValues), so that joins can look its rows up.
template <class K, class V>
class TableMaterializeNode final : public MaterializingNode<K, V> {
 public:
  using MaterializingNode<K, V>::MaterializingNode;
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& change = *static_cast<const Change<V>*>(v);
    auto old = this->lookup(key);
    if (!change.newValue && !old) return;
    this->update(key, change.newValue, old, meta.timestamp, meta);
  }
};

/// One side of a table-table join on the primary key: an update of this table
/// looks the other table up and forwards the join result's new and old value.
template <class K, class VL, class VRt, class J, JoinKind Kind, bool ThisIsLeft>
class TableTableJoinNode final : public Node {
  static constexpr bool kLeftOptional = Kind == JoinKind::OUTER;
  static constexpr bool kRightOptional = Kind != JoinKind::INNER;
  using LeftArg = JoinArg<VL, kLeftOptional>;
  using RightArg = JoinArg<VRt, kRightOptional>;
  using VThis = std::conditional_t<ThisIsLeft, VL, VRt>;
  using VOther = std::conditional_t<ThisIsLeft, VRt, VL>;

 public:
  using Result = JoinerResult<J, K, LeftArg, RightArg>;

  TableTableJoinNode(std::string name, std::string otherStore, SerdePtr<K> ks, SerdePtr<VOther> ovs, J joiner)
      : Node(std::move(name)), other_(std::move(otherStore), std::move(ks), std::move(ovs)), joiner_(std::move(joiner)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    other_.init(context);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& change = *static_cast<const Change<VThis>*>(v);
    auto otherRow = other_.get(key);
    const VOther* other = otherRow ? &otherRow->value : nullptr;
    Change<Result> out;
    out.newValue = compute(key, change.newValue ? &*change.newValue : nullptr, other);
    out.oldValue = compute(key, change.oldValue ? &*change.oldValue : nullptr, other);
    if (!out.newValue && !out.oldValue) return;
    RecordMeta m = meta;
    m.timestamp = otherRow ? std::max(meta.timestamp, otherRow->timestamp) : meta.timestamp;
    m.nullKey = false;
    m.nullValue = false;
    forward(&key, &out, m);
  }

 private:
  std::optional<Result> compute(const K& key, const VThis* thisValue, const VOther* other) {
    const VL* l;
    const VRt* r;
    if constexpr (ThisIsLeft) {
      l = thisValue;
      r = other;
    } else {
      l = other;
      r = thisValue;
    }
    if (l == nullptr && r == nullptr) return std::nullopt;
    if constexpr (Kind == JoinKind::INNER) {
      if (l == nullptr || r == nullptr) return std::nullopt;
      return invokeJoiner(joiner_, key, *l, *r);
    } else if constexpr (Kind == JoinKind::LEFT) {
      if (l == nullptr) return std::nullopt;
      return invokeJoiner(joiner_, key, *l, r != nullptr ? std::optional<VRt>(*r) : std::nullopt);
    } else {
      return invokeJoiner(joiner_, key, l != nullptr ? std::optional<VL>(*l) : std::nullopt,
                          r != nullptr ? std::optional<VRt>(*r) : std::nullopt);
    }
  }

  TableLookup<K, VOther> other_;
  J joiner_;
};

}  // namespace kstreams::detail
