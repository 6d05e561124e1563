// Processor nodes behind KTable and the aggregations. Tables pass Change<V>
// (new and old value) between their nodes, so that a re-aggregation can take the
// old value out before it adds the new one.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/detail/nodes.h"
#include "kstreams/state.h"

namespace kstreams::detail {

template <class V>
struct Change {
  std::optional<V> newValue;
  std::optional<V> oldValue;
};

/// A table node that owns a timestamped store: it writes updates and forwards
/// them downstream at once, or, when the store caches, when the cache flushes.
template <class K, class V>
class MaterializingNode : public Node {
 public:
  MaterializingNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<V> vs)
      : Node(std::move(name)), storeName_(std::move(store)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = std::make_unique<TypedKeyValueStore<K, ValueAndTimestamp<V>>>(
        context.getStateStore(storeName_), keySerde_, std::make_shared<ValueAndTimestampSerde<V>>(valueSerde_));
    cached_ = context.setFlushListener(
        storeName_, [this](std::string_view k, std::optional<std::string_view> nv, std::optional<std::string_view> ov,
                           int64_t ts) { forwardFromCache(k, nv, ov, ts); });
  }

 protected:
  std::optional<ValueAndTimestamp<V>> lookup(const K& key) { return store_->get(key); }

  void update(const K& key, std::optional<V> newValue, const std::optional<ValueAndTimestamp<V>>& old,
              int64_t timestamp, const RecordMeta& meta) {
    if (newValue) {
      store_->put(key, ValueAndTimestamp<V>{*newValue, timestamp});
    } else {
      store_->remove(key);
    }
    if (cached_) return;
    RecordMeta m = meta;
    m.timestamp = timestamp;
    forwardChange(key, std::move(newValue), old ? std::optional<V>(old->value) : std::nullopt, m);
  }

 private:
  void forwardFromCache(std::string_view k, std::optional<std::string_view> nv, std::optional<std::string_view> ov,
                        int64_t ts) {
    K key{};
    keySerde_->deserialize(k.data(), k.size(), key);
    RecordMeta m;
    // The stored value carries its own timestamp (the max of its inputs); the
    // cache entry's is only that of the last write.
    m.timestamp = nv && nv->size() >= 8 ? getBigEndian<int64_t>(nv->data()) : ts;
    m.headers = this->context_->flushHeaders();
    forwardChange(key, decode(nv), decode(ov), m);
  }
  std::optional<V> decode(std::optional<std::string_view> bytes) {
    if (!bytes) return std::nullopt;
    if (bytes->size() < 8) throw SerializationException("store " + storeName_ + ": value shorter than its timestamp");
    V v{};
    valueSerde_->deserialize(bytes->data() + 8, bytes->size() - 8, v);
    return v;
  }
  void forwardChange(const K& key, std::optional<V> nv, std::optional<V> ov, const RecordMeta& meta) {
    Change<V> change{std::move(nv), std::move(ov)};
    RecordMeta m = meta;
    m.nullKey = false;
    m.nullValue = false;
    forward(&key, &change, m);
  }

  std::string storeName_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  std::unique_ptr<TypedKeyValueStore<K, ValueAndTimestamp<V>>> store_;
  bool cached_ = false;
};

/// builder.table(): materializes the topic; a null value deletes the key.
template <class K, class V>
class TableSourceNode final : public MaterializingNode<K, V> {
 public:
  using MaterializingNode<K, V>::MaterializingNode;
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey) {
      this->context_->recordDropped(this->name(), "null key in a table topic");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    auto old = this->lookup(key);
    if (meta.nullValue) {
      if (!old) return;
      this->update(key, std::nullopt, old, meta.timestamp, meta);
      return;
    }
    this->update(key, *static_cast<const V*>(v), old, meta.timestamp, meta);
  }
};

/// KGroupedStream aggregations: fn(key, value, current aggregate or nullopt) -> new aggregate.
template <class K, class V, class VR, class F>
class StreamAggregateNode final : public MaterializingNode<K, VR> {
 public:
  StreamAggregateNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<VR> vs, F fn)
      : MaterializingNode<K, VR>(std::move(name), std::move(store), std::move(ks), std::move(vs)), fn_(std::move(fn)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey || meta.nullValue) {
      this->context_->recordDropped(this->name(), meta.nullKey ? "null key" : "null value");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    auto old = this->lookup(key);
    VR next = fn_(key, *static_cast<const V*>(v), old ? std::optional<VR>(old->value) : std::nullopt);
    const int64_t ts = old ? std::max(old->timestamp, meta.timestamp) : meta.timestamp;
    this->update(key, std::move(next), old, ts, meta);
  }

 private:
  F fn_;
};

/// A table update routed by KTable::groupBy: subtract the old mapping, add the new.
template <class V>
struct GroupedChange {
  bool subtract = false;
  V value{};
};

/// Repartition-topic bytes of a GroupedChange: one flag byte (0 add, 1 subtract), then the value.
template <class V>
class GroupedChangeSerde final : public Serde<GroupedChange<V>> {
 public:
  explicit GroupedChangeSerde(SerdePtr<V> inner) : inner_(std::move(inner)) {}
  bool serialize(const GroupedChange<V>& c, std::string& out) const override {
    out.push_back(c.subtract ? '\x01' : '\x00');
    inner_->serialize(c.value, out);
    return true;
  }
  void deserialize(const char* data, size_t size, GroupedChange<V>& out) const override {
    if (data == nullptr || size < 1) throw SerializationException("GroupedChange: missing flag byte");
    out.subtract = data[0] == 1;
    inner_->deserialize(data + 1, size - 1, out.value);
  }
  [[nodiscard]] std::string name() const override { return "GroupedChange<" + inner_->name() + ">"; }

 private:
  SerdePtr<V> inner_;
};

/// KGroupedTable aggregations: add(key, value, aggregate or nullopt) -> aggregate
/// and subtract(key, value, aggregate) -> aggregate.
template <class K, class V, class VR, class Add, class Sub>
class TableAggregateNode final : public MaterializingNode<K, VR> {
 public:
  TableAggregateNode(std::string name, std::string store, SerdePtr<K> ks, SerdePtr<VR> vs, Add add, Sub sub)
      : MaterializingNode<K, VR>(std::move(name), std::move(store), std::move(ks), std::move(vs)),
        add_(std::move(add)),
        sub_(std::move(sub)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey) {
      this->context_->recordDropped(this->name(), "null key");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const auto& change = *static_cast<const GroupedChange<V>*>(v);
    auto old = this->lookup(key);
    std::optional<VR> agg = old ? std::optional<VR>(old->value) : std::nullopt;
    if (change.subtract) {
      if (!agg) return;  // nothing to take the value out of
      agg = sub_(key, change.value, *agg);
    } else {
      agg = add_(key, change.value, agg);
    }
    const int64_t ts = old ? std::max(old->timestamp, meta.timestamp) : meta.timestamp;
    this->update(key, std::move(agg), old, ts, meta);
  }

 private:
  Add add_;
  Sub sub_;
};

template <class K, class V, class P>
class TableFilterNode final : public Node {
 public:
  TableFilterNode(std::string name, P p, bool negate) : Node(std::move(name)), pred_(std::move(p)), negate_(negate) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& c = *static_cast<const Change<V>*>(v);
    Change<V> out{keep(key, c.newValue), keep(key, c.oldValue)};
    if (!out.newValue && !out.oldValue) return;
    forward(k, &out, meta);
  }

 private:
  std::optional<V> keep(const K& key, const std::optional<V>& value) {
    if (!value) return std::nullopt;
    return static_cast<bool>(pred_(key, *value)) != negate_ ? value : std::nullopt;
  }
  P pred_;
  bool negate_;
};

template <class K, class V, class F>
class TableMapValuesNode final : public Node {
 public:
  TableMapValuesNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& c = *static_cast<const Change<V>*>(v);
    using VR = ValueFnResult<F, K, V>;
    Change<VR> out;
    if (c.newValue) out.newValue = invokeValueFn(fn_, key, *c.newValue);
    if (c.oldValue) out.oldValue = invokeValueFn(fn_, key, *c.oldValue);
    forward(k, &out, meta);
  }

 private:
  F fn_;
};

/// KTable::toStream(): the new value; a delete becomes a record with a null value.
template <class K, class V>
class TableToStreamNode final : public Node {
 public:
  using Node::Node;
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const auto& c = *static_cast<const Change<V>*>(v);
    RecordMeta m = meta;
    if (c.newValue) {
      m.nullValue = false;
      forward(k, &*c.newValue, m);
    } else {
      m.nullValue = true;
      const V empty{};
      forward(k, &empty, m);
    }
  }
};

/// KTable::groupBy(): each update becomes "subtract old mapping" then "add new mapping".
template <class K, class V, class F>
class TableGroupByNode final : public Node {
 public:
  TableGroupByNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const auto& c = *static_cast<const Change<V>*>(v);
    RecordMeta m = meta;
    m.nullKey = false;
    m.nullValue = false;
    if (c.oldValue) emit(fn_(key, *c.oldValue), true, m);
    if (c.newValue) emit(fn_(key, *c.newValue), false, m);
  }

 private:
  template <class KV>
  void emit(const KV& kv, bool subtract, const RecordMeta& m) {
    using T = KeyValueTraits<KV>;
    GroupedChange<typename T::Value> g{subtract, T::value(kv)};
    forward(&T::key(kv), &g, m);
  }
  F fn_;
};

}  // namespace kstreams::detail
