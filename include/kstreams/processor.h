// Processor API, the value-only form (Kafka Streams' FixedKeyProcessor, used by
// KStream::processValues): a processor sees the whole record, timestamp and
// headers included, and forwards zero or more records with the same key.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/record.h"

namespace kstreams {

/// A record whose key cannot change. Copies of the value and headers are the
/// processor's to change.
template <class K, class V>
class FixedKeyRecord {
 public:
  FixedKeyRecord(const K& key, V value, int64_t timestamp, Headers headers)
      : key_(&key), value_(std::move(value)), timestamp_(timestamp), headers_(std::move(headers)) {}

  [[nodiscard]] const K& key() const { return *key_; }
  [[nodiscard]] const V& value() const { return value_; }
  [[nodiscard]] int64_t timestamp() const { return timestamp_; }
  [[nodiscard]] const Headers& headers() const { return headers_; }
  Headers& headers() { return headers_; }

  template <class NV>
  [[nodiscard]] FixedKeyRecord<K, NV> withValue(NV value) const {
    return FixedKeyRecord<K, NV>(*key_, std::move(value), timestamp_, headers_);
  }
  [[nodiscard]] FixedKeyRecord withTimestamp(int64_t timestamp) const {
    FixedKeyRecord r = *this;
    r.timestamp_ = timestamp;
    return r;
  }
  [[nodiscard]] FixedKeyRecord withHeaders(Headers headers) const {
    FixedKeyRecord r = *this;
    r.headers_ = std::move(headers);
    return r;
  }

 private:
  const K* key_;
  V value_;
  int64_t timestamp_;
  Headers headers_;
};

template <class K, class V>
class FixedKeyProcessorContext {
 public:
  virtual ~FixedKeyProcessorContext() = default;
  virtual void forward(const FixedKeyRecord<K, V>& record) = 0;
  /// Topic, partition and offset of the input record being processed.
  [[nodiscard]] virtual RecordContext recordContext() const = 0;
};

template <class K, class VIn, class VOut>
class FixedKeyProcessor {
 public:
  using KeyType = K;
  using ValueIn = VIn;
  using ValueOut = VOut;
  virtual ~FixedKeyProcessor() = default;
  virtual void init(FixedKeyProcessorContext<K, VOut>& context) { context_ = &context; }
  virtual void process(const FixedKeyRecord<K, VIn>& record) = 0;
  virtual void close() {}

 protected:
  FixedKeyProcessorContext<K, VOut>& context() { return *context_; }

 private:
  FixedKeyProcessorContext<K, VOut>* context_ = nullptr;
};

namespace detail {

template <class K, class VIn, class VOut>
class ProcessValuesNode final : public Node, public FixedKeyProcessorContext<K, VOut> {
 public:
  ProcessValuesNode(std::string name, std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> processor)
      : Node(std::move(name)), processor_(std::move(processor)) {}
  void init(NodeContext& context) override {
    Node::init(context);
    processor_->init(*this);
  }
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    FixedKeyRecord<K, VIn> record(*static_cast<const K*>(k), *static_cast<const VIn*>(v),
                                  meta.timestamp, meta.headers ? *meta.headers : Headers{});
    nullKey_ = meta.nullKey;
    processor_->process(record);
  }
  void close() override { processor_->close(); }
  void forward(const FixedKeyRecord<K, VOut>& r) override {
    RecordMeta m;
    m.timestamp = r.timestamp();
    m.headers = r.headers().empty() ? nullptr : &r.headers();
    m.nullKey = nullKey_;
    Node::forward(&r.key(), &r.value(), m);
  }
  [[nodiscard]] RecordContext recordContext() const override { return context_->recordContext(); }

 private:
  std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> processor_;
  bool nullKey_ = false;
};

}  // namespace detail
}  // namespace kstreams
