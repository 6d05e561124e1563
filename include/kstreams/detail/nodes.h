// Typed processor nodes behind the DSL operations. Each node casts its type-erased
// input back to the types the DSL fixed when the node was recorded.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/detail/node.h"
#include "kstreams/options.h"
#include "kstreams/serde.h"
#include "kstreams/timestamp_extractor.h"

namespace kstreams::detail {

/// Calls f(value) or f(key, value), whichever it accepts.
template <class F, class K, class V>
decltype(auto) invokeValueFn(F& f, const K& key, const V& value) {
  if constexpr (std::is_invocable_v<F&, const K&, const V&>) {
    return f(key, value);
  } else {
    return f(value);
  }
}

template <class F, class K, class V>
using ValueFnResult =
    std::decay_t<decltype(invokeValueFn(std::declval<F&>(), std::declval<const K&>(),
                                        std::declval<const V&>()))>;

/// The key and value of a KeyValue or std::pair.
template <class KV>
struct KeyValueTraits;
template <class A, class B>
struct KeyValueTraits<KeyValue<A, B>> {
  using Key = A;
  using Value = B;
  static const A& key(const KeyValue<A, B>& kv) { return kv.key; }
  static const B& value(const KeyValue<A, B>& kv) { return kv.value; }
};
template <class A, class B>
struct KeyValueTraits<std::pair<A, B>> {
  using Key = A;
  using Value = B;
  static const A& key(const std::pair<A, B>& kv) { return kv.first; }
  static const B& value(const std::pair<A, B>& kv) { return kv.second; }
};

template <class K, class V>
class SourceNode final : public SourceNodeBase {
 public:
  SourceNode(std::string name, SerdePtr<K> ks, SerdePtr<V> vs, TimestampExtractor extractor)
      : SourceNodeBase(std::move(name)),
        keySerde_(std::move(ks)),
        valueSerde_(std::move(vs)),
        extractor_(extractor ? std::move(extractor)
                             : TimestampExtractors::failOnInvalidTimestamp()) {}
  void deserialize(const RawRecord& r) override {
    nullKey_ = r.key == nullptr;
    nullValue_ = r.value == nullptr;
    readNullable(*keySerde_, r.key, r.keySize, key_);
    readNullable(*valueSerde_, r.value, r.valueSize, value_);
  }
  void forwardDeserialized(const RecordMeta& meta) override {
    RecordMeta m = meta;
    m.nullKey = nullKey_;
    m.nullValue = nullValue_;
    forward(&key_, &value_, m);
  }
  int64_t extractTimestamp(const RawRecord& r, int64_t partitionTime) override {
    return extractor_(r, partitionTime);
  }

 private:
  // A null that the type cannot hold (a plain number) becomes T{}, flagged in
  // RecordMeta; std::optional types hold it as nullopt.
  template <class T>
  static void readNullable(const Serde<T>& serde, const char* data, size_t size, T& out) {
    if (data != nullptr) {
      serde.deserialize(data, size, out);
      return;
    }
    try {
      serde.deserialize(nullptr, 0, out);
    } catch (const SerializationException&) {
      out = T{};
    }
  }

  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  TimestampExtractor extractor_;
  K key_{};
  V value_{};
  bool nullKey_ = false;
  bool nullValue_ = false;
};

/// `meta` for a record whose value a node computed (no longer the null it may have been).
inline RecordMeta withNewValue(const RecordMeta& meta) {
  RecordMeta m = meta;
  m.nullValue = false;
  return m;
}
/// `meta` for a record whose key and value a node computed.
inline RecordMeta withNewKeyValue(const RecordMeta& meta) {
  RecordMeta m = meta;
  m.nullKey = false;
  m.nullValue = false;
  return m;
}

template <class K, class V>
using TopicNameExtractor =
    std::function<std::string(const K& key, const V& value, const RecordContext& context)>;

template <class K, class V>
class SinkNode final : public Node {
 public:
  SinkNode(std::string name, std::string topic, bool internal, TopicNameExtractor<K, V> extractor,
           SerdePtr<K> ks, SerdePtr<V> vs, StreamPartitioner<K, V> partitioner)
      : Node(std::move(name)),
        topic_(std::move(topic)),
        internal_(internal),
        extractor_(std::move(extractor)),
        keySerde_(std::move(ks)),
        valueSerde_(std::move(vs)),
        partitioner_(std::move(partitioner)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    if (internal_) topic_ = context.internalTopicName(topic_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    keyBuf_.clear();
    valueBuf_.clear();
    const bool hasKey = !meta.nullKey && keySerde_->serialize(key, keyBuf_);
    const bool hasValue = !meta.nullValue && valueSerde_->serialize(value, valueBuf_);
    const std::string* topic = &topic_;
    if (extractor_) {
      dynamicTopic_ = extractor_(key, value, context_->recordContext());
      topic = &dynamicTopic_;
    }
    int32_t partition = -1;
    if (partitioner_) {
      const int32_t n = context_->partitionsFor(*topic);
      if (n > 0) {
        if (auto p = partitioner_(*topic, key, value, n)) partition = *p;
      }
    }
    context_->send(*topic, partition, hasKey ? keyBuf_.data() : nullptr, keyBuf_.size(),
                   hasValue ? valueBuf_.data() : nullptr, valueBuf_.size(), meta.timestamp,
                   meta.headers);
  }

 private:
  std::string topic_;
  bool internal_;
  TopicNameExtractor<K, V> extractor_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  StreamPartitioner<K, V> partitioner_;
  std::string keyBuf_;
  std::string valueBuf_;
  std::string dynamicTopic_;
};

template <class K, class V, class P>
class FilterNode final : public Node {
 public:
  FilterNode(std::string name, P p, bool negate)
      : Node(std::move(name)), pred_(std::move(p)), negate_(negate) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const bool keep = static_cast<bool>(pred_(*static_cast<const K*>(k), *static_cast<const V*>(v)));
    if (keep != negate_) forward(k, v, meta);
  }

 private:
  P pred_;
  bool negate_;
};

template <class K, class V, class F>
class MapValuesNode final : public Node {
 public:
  MapValuesNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    auto out = invokeValueFn(fn_, *static_cast<const K*>(k), *static_cast<const V*>(v));
    forward(k, &out, withNewValue(meta));
  }

 private:
  F fn_;
};

template <class K, class V, class F>
class MapNode final : public Node {
 public:
  MapNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    auto kv = fn_(*static_cast<const K*>(k), *static_cast<const V*>(v));
    using T = KeyValueTraits<decltype(kv)>;
    forward(&T::key(kv), &T::value(kv), withNewKeyValue(meta));
  }

 private:
  F fn_;
};

template <class K, class V, class F>
class SelectKeyNode final : public Node {
 public:
  SelectKeyNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    auto newKey = fn_(*static_cast<const K*>(k), *static_cast<const V*>(v));
    RecordMeta m = meta;
    m.nullKey = false;
    forward(&newKey, v, m);
  }

 private:
  F fn_;
};

template <class K, class V, class F>
class FlatMapNode final : public Node {
 public:
  FlatMapNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    auto items = fn_(*static_cast<const K*>(k), *static_cast<const V*>(v));
    const RecordMeta m = withNewKeyValue(meta);
    for (const auto& kv : items) {
      using T = KeyValueTraits<std::decay_t<decltype(kv)>>;
      forward(&T::key(kv), &T::value(kv), m);
    }
  }

 private:
  F fn_;
};

template <class K, class V, class F>
class FlatMapValuesNode final : public Node {
 public:
  FlatMapValuesNode(std::string name, F f) : Node(std::move(name)), fn_(std::move(f)) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    auto items = invokeValueFn(fn_, *static_cast<const K*>(k), *static_cast<const V*>(v));
    const RecordMeta m = withNewValue(meta);
    for (const auto& item : items) forward(k, &item, m);
  }

 private:
  F fn_;
};

/// peek (forwards) and foreach (terminal).
template <class K, class V, class F>
class PeekNode final : public Node {
 public:
  PeekNode(std::string name, F f, bool terminal)
      : Node(std::move(name)), fn_(std::move(f)), terminal_(terminal) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    fn_(*static_cast<const K*>(k), *static_cast<const V*>(v));
    if (!terminal_) forward(k, v, meta);
  }

 private:
  F fn_;
  bool terminal_;
};

/// Forwards everything (merge, split branches).
class PassThroughNode final : public Node {
 public:
  using Node::Node;
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    forward(k, v, meta);
  }
};

/// split(): sends a record to the child of the first predicate it matches, or to
/// the default branch (the last child) when there is one.
template <class K, class V>
class BranchNode final : public Node {
 public:
  using Predicate = std::function<bool(const K&, const V&)>;
  BranchNode(std::string name, std::vector<Predicate> predicates, bool hasDefault)
      : Node(std::move(name)), predicates_(std::move(predicates)), hasDefault_(hasDefault) {}
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    for (size_t i = 0; i < predicates_.size(); ++i) {
      if (predicates_[i](key, value)) {
        children()[i]->process(k, v, meta);
        return;
      }
    }
    if (hasDefault_) children()[predicates_.size()]->process(k, v, meta);
  }

 private:
  std::vector<Predicate> predicates_;
  bool hasDefault_;
};

}  // namespace kstreams::detail
