// The type-erased processor node that the DSL's typed operations compile to.
// Public only because the DSL templates instantiate subclasses of it; user code
// should not depend on anything in kstreams::detail.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/detail/bytes_store.h"
#include "kstreams/detail/window_bytes_store.h"
#include "kstreams/state.h"
#include "kstreams/record.h"

namespace kstreams::detail {

/// Timestamp and headers travelling with a record through the processor chain.
struct RecordMeta {
  int64_t timestamp = 0;
  const Headers* headers = nullptr;
  /// The record's key or value was null on the wire. Sinks write null for a
  /// null value; aggregations skip records with a null key or value; tables read
  /// a null value as a delete (tombstone). Nodes that compute a new value clear it.
  bool nullKey = false;
  bool nullValue = false;
};

/// Called by a store's cache when it flushes a dirty entry: serialized key, new
/// and old value (nullopt: none/deleted), and the entry's timestamp.
using CacheFlushListener = std::function<void(std::string_view key, std::optional<std::string_view> newValue,
                                              std::optional<std::string_view> oldValue, int64_t timestamp)>;

/// Stream time (from record timestamps) or wall-clock time.
enum class PunctuationKind { STREAM_TIME, WALL_CLOCK_TIME };

/// Stops a scheduled punctuation.
class Cancellable {
 public:
  virtual ~Cancellable() = default;
  virtual void cancel() = 0;
};

/// What a node sees of the task running it. Implemented by the runtime.
class NodeContext {
 public:
  virtual ~NodeContext() = default;
  /// Topic, partition, offset, timestamp and headers of the input record being processed.
  [[nodiscard]] virtual RecordContext recordContext() const = 0;
  /// Sends serialized bytes to a topic. partition < 0: the producer's partitioner.
  /// key/value nullptr: null.
  virtual void send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
                    const char* value, size_t valueSize, int64_t timestamp,
                    const Headers* headers) = 0;
  /// Number of partitions of a topic, or -1 when not known.
  virtual int32_t partitionsFor(const std::string& topic) = 0;
  /// The full name of an internal topic (`<application.id>-<name>`).
  [[nodiscard]] virtual std::string internalTopicName(const std::string& name) const = 0;
  /// The top of the named store's stack; throws StreamsException when the store
  /// is not connected to this node's sub-topology.
  virtual KeyValueBytesStore* getStateStore(const std::string& name) = 0;
  /// The same for a window store.
  virtual WindowBytesStore* getWindowStore(const std::string& name) = 0;
  virtual SessionBytesStore* getSessionStore(const std::string& name) = 0;
  /// A global store (builder.globalTable), read-only for tasks: the global
  /// thread writes it while tasks read it. Throws StreamsException when the
  /// topology has no global store of that name.
  virtual KeyValueBytesStore* getGlobalStore(const std::string& name) = 0;
  /// Makes the store's cache call `listener` for each entry it flushes. Returns
  /// false when the store has no cache (then the caller forwards at once).
  virtual bool setFlushListener(const std::string& store, CacheFlushListener listener) = 0;
  /// Inside a flush listener: the headers of the record that last wrote the entry.
  [[nodiscard]] virtual const Headers* flushHeaders() const = 0;
  /// Counts a record dropped by a node (null key, late, ...) and logs why.
  virtual void recordDropped(const std::string& node, const std::string& reason) = 0;
  /// The highest timestamp the task has processed.
  [[nodiscard]] virtual int64_t streamTime() const = 0;
  /// The wall-clock time (the test driver's mocked clock in tests).
  [[nodiscard]] virtual int64_t wallClockTime() const = 0;
  /// Calls `punctuator(time)` every `intervalMs` of stream or wall-clock time;
  /// what it forwards goes to `node`'s children.
  virtual std::shared_ptr<Cancellable> schedule(int64_t intervalMs, PunctuationKind kind,
                                                std::function<void(int64_t)> punctuator) = 0;
  /// The spec of a store connected to this task (for typed access).
  [[nodiscard]] virtual const StoreSpec& storeSpec(const std::string& name) const = 0;
  [[nodiscard]] virtual const std::string& applicationId() const = 0;
  [[nodiscard]] virtual std::string taskId() const = 0;
};

class Node {
 public:
  explicit Node(std::string name) : name_(std::move(name)) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual void init(NodeContext& context) { context_ = &context; }
  /// key and value point to the node's input types, as the DSL guarantees.
  virtual void process(const void* key, const void* value, const RecordMeta& meta) = 0;
  virtual void close() {}

  void addChild(Node* child) { children_.push_back(child); }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<Node*>& children() const { return children_; }

 protected:
  void forward(const void* key, const void* value, const RecordMeta& meta) {
    for (Node* child : children_) child->process(key, value, meta);
  }
  NodeContext* context_ = nullptr;

 private:
  std::string name_;
  std::vector<Node*> children_;
};

/// The first node of a chain: reads raw bytes of one or more topics.
class SourceNodeBase : public Node {
 public:
  using Node::Node;
  /// Turns the raw record into key and value; throws SerializationException.
  virtual void deserialize(const RawRecord& record) = 0;
  /// Forwards what deserialize() produced.
  virtual void forwardDeserialized(const RecordMeta& meta) = 0;
  /// The record's timestamp by this source's extractor (may throw StreamsException).
  virtual int64_t extractTimestamp(const RawRecord& record, int64_t partitionTime) = 0;
  void process(const void* key, const void* value, const RecordMeta& meta) override {
    forward(key, value, meta);
  }
};

using NodeFactory = std::function<std::unique_ptr<Node>()>;

}  // namespace kstreams::detail
