// Processor API, the value-only form (Kafka Streams' FixedKeyProcessor, used by
// KStream::processValues): a processor sees the whole record, timestamp and
// headers included, and forwards zero or more records with the same key.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/record.h"
#include "kstreams/window_store.h"

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

// ---------------------------------------------------------------------------
// The Processor API (Kafka Streams' org.apache.kafka.streams.processor.api).

#include <chrono>
#include <map>
#include <typeinfo>

#include "kstreams/errors.h"
#include "kstreams/state.h"

namespace kstreams {

/// A record as a Processor sees and forwards it.
template <class K, class V>
class Record {
 public:
  Record(K key, V value, int64_t timestamp, Headers headers = {})
      : key_(std::move(key)), value_(std::move(value)), timestamp_(timestamp), headers_(std::move(headers)) {}

  [[nodiscard]] const K& key() const { return key_; }
  [[nodiscard]] const V& value() const { return value_; }
  [[nodiscard]] int64_t timestamp() const { return timestamp_; }
  [[nodiscard]] const Headers& headers() const { return headers_; }
  Headers& headers() { return headers_; }

  template <class NK>
  [[nodiscard]] Record<NK, V> withKey(NK key) const {
    return Record<NK, V>(std::move(key), value_, timestamp_, headers_);
  }
  template <class NV>
  [[nodiscard]] Record<K, NV> withValue(NV value) const {
    return Record<K, NV>(key_, std::move(value), timestamp_, headers_);
  }
  [[nodiscard]] Record withTimestamp(int64_t timestamp) const {
    Record r = *this;
    r.timestamp_ = timestamp;
    return r;
  }
  [[nodiscard]] Record withHeaders(Headers headers) const {
    Record r = *this;
    r.headers_ = std::move(headers);
    return r;
  }

 private:
  K key_;
  V value_;
  int64_t timestamp_;
  Headers headers_;
};

enum class PunctuationType { STREAM_TIME, WALL_CLOCK_TIME };
using Cancellable = detail::Cancellable;

/// Topic, partition and offset of the input record being processed.
struct RecordMetadata {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};

template <class KOut, class VOut>
class ProcessorContext {
 public:
  virtual ~ProcessorContext() = default;
  /// To every child.
  virtual void forward(const Record<KOut, VOut>& record) = 0;
  /// To the named child only.
  virtual void forward(const Record<KOut, VOut>& record, const std::string& childName) = 0;
  /// Calls punctuator(time) every `interval` of stream time (record timestamps) or
  /// of wall-clock time. Keep the returned handle to cancel.
  virtual std::shared_ptr<Cancellable> schedule(std::chrono::milliseconds interval, PunctuationType type,
                                                std::function<void(int64_t)> punctuator) = 0;
  /// The record being processed (none inside a punctuator).
  [[nodiscard]] virtual std::optional<RecordMetadata> recordMetadata() const = 0;
  [[nodiscard]] virtual const std::string& applicationId() const = 0;
  [[nodiscard]] virtual std::string taskId() const = 0;
  [[nodiscard]] virtual int64_t currentStreamTimeMs() const = 0;
  [[nodiscard]] virtual int64_t currentSystemTimeMs() const = 0;

  /// A store connected to this processor (Topology::addStateStore or
  /// KStream::process(..., storeNames)). K and V must be the store's types.
  template <class K, class V>
  KeyValueStore<K, V>& getStateStore(const std::string& name) {
    auto it = typedStores_.find(name);
    if (it != typedStores_.end()) return *std::static_pointer_cast<KeyValueStore<K, V>>(it->second);
    const StoreSpec& spec = storeSpec(name);
    if (!spec.keySerde || !spec.valueSerde) {
      throw StreamsException("getStateStore(" + name + "): the store has no serdes; build it with "
                             "Stores::keyValueStoreBuilder(supplier, keySerde, valueSerde)");
    }
    if (spec.keyType != typeid(K).name() || spec.valueType != typeid(V).name()) {
      throw StreamsException("getStateStore(" + name + "): asked for other key/value types than the store was built with");
    }
    auto store = std::make_shared<detail::TypedKeyValueStore<K, V>>(
        bytesStore(name), std::static_pointer_cast<const Serde<K>>(spec.keySerde),
        std::static_pointer_cast<const Serde<V>>(spec.valueSerde));
    typedStores_[name] = store;
    return *store;
  }

  /// A window store built with Stores::windowStoreBuilder and connected to this processor.
  template <class K, class V>
  WindowStore<K, V>& getWindowStore(const std::string& name) {
    auto it = typedStores_.find(name);
    if (it != typedStores_.end()) return *std::static_pointer_cast<WindowStore<K, V>>(it->second);
    const StoreSpec& spec = checkedSpec<K, V>(name, StoreSpec::Kind::WINDOW, "getWindowStore", "windowStoreBuilder");
    auto store = std::make_shared<WindowStore<K, V>>(windowBytesStore(name),
                                                     std::static_pointer_cast<const Serde<K>>(spec.keySerde),
                                                     std::static_pointer_cast<const Serde<V>>(spec.valueSerde),
                                                     spec.windowSizeMs);
    typedStores_[name] = store;
    return *store;
  }

  /// A session store built with Stores::sessionStoreBuilder and connected to this processor.
  template <class K, class V>
  SessionStore<K, V>& getSessionStore(const std::string& name) {
    auto it = typedStores_.find(name);
    if (it != typedStores_.end()) return *std::static_pointer_cast<SessionStore<K, V>>(it->second);
    const StoreSpec& spec =
        checkedSpec<K, V>(name, StoreSpec::Kind::SESSION, "getSessionStore", "sessionStoreBuilder");
    auto store = std::make_shared<SessionStore<K, V>>(sessionBytesStore(name),
                                                      std::static_pointer_cast<const Serde<K>>(spec.keySerde),
                                                      std::static_pointer_cast<const Serde<V>>(spec.valueSerde));
    typedStores_[name] = store;
    return *store;
  }

 protected:
  virtual detail::KeyValueBytesStore* bytesStore(const std::string& name) = 0;
  virtual detail::WindowBytesStore* windowBytesStore(const std::string& name) = 0;
  virtual detail::SessionBytesStore* sessionBytesStore(const std::string& name) = 0;
  [[nodiscard]] virtual const StoreSpec& storeSpec(const std::string& name) const = 0;

 private:
  template <class K, class V>
  const StoreSpec& checkedSpec(const std::string& name, StoreSpec::Kind kind, const char* getter,
                               const char* builder) const {
    const StoreSpec& spec = storeSpec(name);
    if (spec.kind != kind || !spec.keySerde || !spec.valueSerde) {
      throw StreamsException(std::string(getter) + "(" + name + "): the store is not a " +
                             (kind == StoreSpec::Kind::WINDOW ? "window" : "session") +
                             " store with serdes; build it with Stores::" + builder +
                             "(supplier, keySerde, valueSerde)");
    }
    if (spec.keyType != typeid(K).name() || spec.valueType != typeid(V).name()) {
      throw StreamsException(std::string(getter) + "(" + name +
                             "): asked for other key/value types than the store was built with");
    }
    return spec;
  }
  std::map<std::string, std::shared_ptr<void>> typedStores_;
};

template <class KIn, class VIn, class KOut, class VOut>
class Processor {
 public:
  using KeyIn = KIn;
  using ValueIn = VIn;
  using KeyOut = KOut;
  using ValueOut = VOut;
  virtual ~Processor() = default;
  virtual void init(ProcessorContext<KOut, VOut>& context) { context_ = &context; }
  virtual void process(const Record<KIn, VIn>& record) = 0;
  virtual void close() {}

 protected:
  ProcessorContext<KOut, VOut>& context() { return *context_; }

 private:
  ProcessorContext<KOut, VOut>* context_ = nullptr;
};

namespace detail {

template <class KIn, class VIn, class KOut, class VOut>
class ProcessorNode final : public Node, public ProcessorContext<KOut, VOut> {
 public:
  ProcessorNode(std::string name, std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor)
      : Node(std::move(name)), processor_(std::move(processor)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    processor_->init(*this);
  }
  void process(const void* k, const void* v, const RecordMeta& meta) override {
    inRecord_ = true;
    struct Reset {
      bool& b;
      ~Reset() { b = false; }
    } reset{inRecord_};
    Record<KIn, VIn> record(*static_cast<const KIn*>(k), *static_cast<const VIn*>(v), meta.timestamp,
                            meta.headers ? *meta.headers : Headers{});
    processor_->process(record);
  }
  void close() override { processor_->close(); }

  void forward(const Record<KOut, VOut>& r) override { Node::forward(&r.key(), &r.value(), metaOf(r)); }
  void forward(const Record<KOut, VOut>& r, const std::string& childName) override {
    for (Node* child : children()) {
      if (child->name() == childName) {
        child->process(&r.key(), &r.value(), metaOf(r));
        return;
      }
    }
    throw StreamsException("processor " + name() + " has no child named " + childName);
  }
  std::shared_ptr<Cancellable> schedule(std::chrono::milliseconds interval, PunctuationType type,
                                        std::function<void(int64_t)> punctuator) override {
    if (interval.count() < 1) throw StreamsException("schedule(): the interval must be at least 1 ms");
    return context_->schedule(interval.count(),
                              type == PunctuationType::STREAM_TIME ? PunctuationKind::STREAM_TIME
                                                                   : PunctuationKind::WALL_CLOCK_TIME,
                              std::move(punctuator));
  }
  [[nodiscard]] std::optional<RecordMetadata> recordMetadata() const override {
    if (!inRecord_) return std::nullopt;
    auto rc = context_->recordContext();
    if (rc.topic.empty()) return std::nullopt;
    return RecordMetadata{std::string(rc.topic), rc.partition, rc.offset};
  }
  [[nodiscard]] const std::string& applicationId() const override { return context_->applicationId(); }
  [[nodiscard]] std::string taskId() const override { return context_->taskId(); }
  [[nodiscard]] int64_t currentStreamTimeMs() const override { return context_->streamTime(); }
  [[nodiscard]] int64_t currentSystemTimeMs() const override { return context_->wallClockTime(); }

 protected:
  KeyValueBytesStore* bytesStore(const std::string& name) override { return context_->getStateStore(name); }
  WindowBytesStore* windowBytesStore(const std::string& name) override { return context_->getWindowStore(name); }
  SessionBytesStore* sessionBytesStore(const std::string& name) override { return context_->getSessionStore(name); }
  [[nodiscard]] const StoreSpec& storeSpec(const std::string& name) const override {
    return context_->storeSpec(name);
  }

 private:
  static RecordMeta metaOf(const Record<KOut, VOut>& r) {
    RecordMeta m;
    m.timestamp = r.timestamp();
    m.headers = r.headers().empty() ? nullptr : &r.headers();
    return m;
  }
  std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor_;
  bool inRecord_ = false;
};

}  // namespace detail
}  // namespace kstreams
