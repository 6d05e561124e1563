// StreamTask: one sub-topology instantiated for one partition number. It buffers
// the records of its input partitions, picks the next one by timestamp, and pushes
// it through its processor nodes. Shared by StreamThread and TopologyTestDriver.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsl/topology_def.h"
#include "kstreams/detail/node.h"
#include "src/metrics.h"
#include "src/record_collector.h"
#include "src/ring_queue.h"
#include "src/state_manager.h"
#include "src/streams_config.h"

namespace kstreams::internal {

struct TaskId {
  int subtopology = 0;
  int32_t partition = 0;
  auto operator<=>(const TaskId&) const = default;
  [[nodiscard]] std::string toString() const {
    return std::to_string(subtopology) + "_" + std::to_string(partition);
  }
};

/// A record owned by the test driver (production records are librdkafka's).
struct OwnedRecord {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
};

/// A buffered input record with its extracted timestamp (negative: to be skipped).
struct StampedRecord {
  RawRecord raw;
  int64_t timestamp = 0;
  rd_kafka_message_t* message = nullptr;  // owned when set
  std::shared_ptr<const OwnedRecord> owned;
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition;
  int64_t offset;  // the next offset to read
};

struct TaskEnv {
  const StreamsConfigValues& config;
  RecordCollector& collector;
  Metrics& metrics;
  StateServices state;
  /// Wall-clock milliseconds (the test driver's mocked clock in tests).
  std::function<int64_t()> wallClock;
};

class StreamTask final : public detail::NodeContext {
 public:
  /// `partitions`: the full topic names (internal ones prefixed) this task reads.
  StreamTask(TaskId id, const TopologyDef& def, const std::vector<std::string>& topics, TaskEnv env);
  ~StreamTask() override;
  StreamTask(const StreamTask&) = delete;
  StreamTask& operator=(const StreamTask&) = delete;

  [[nodiscard]] const TaskId& id() const { return id_; }
  /// Index of the queue of a topic of this task, or -1.
  [[nodiscard]] int queueIndex(const std::string& topic) const;
  /// Buffers a record (taking ownership of its message); returns the queue's size.
  size_t addRecord(int queue, StampedRecord record);
  /// Processes the next record by timestamp; false when nothing is buffered.
  bool process();
  [[nodiscard]] size_t buffered(int queue) const { return queues_[static_cast<size_t>(queue)].records.size(); }
  [[nodiscard]] size_t queueCount() const { return queues_.size(); }
  [[nodiscard]] const std::string& queueTopic(int queue) const { return queues_[static_cast<size_t>(queue)].topic; }
  [[nodiscard]] bool hasBuffered() const;
  /// Offsets processed since the last call (the next offset to read, per partition).
  std::vector<TopicPartitionOffset> takeCommittableOffsets();
  /// Opens the task's stores (none: true at once). false: the task directory is
  /// still locked by its previous owner; try again later.
  bool initializeStateStores();
  /// Initializes the processor nodes (after the stores are open and restored).
  void initializeTopology();
  [[nodiscard]] bool running() const { return running_; }
  /// The task's stores, or nullptr for a stateless task.
  [[nodiscard]] ProcessorStateManager* stateManager() { return state_.get(); }
  /// Flushes caches (their entries are forwarded downstream) and stores.
  void flushState();
  /// Writes the checkpoint; call after the producer has flushed.
  void checkpoint();
  /// Closes nodes and stores; `clean`: flush and checkpoint the stores first.
  void close(bool clean);

  // NodeContext
  [[nodiscard]] RecordContext recordContext() const override;
  void send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
            const char* value, size_t valueSize, int64_t timestamp, const Headers* headers) override;
  KeyValueBytesStore* getStateStore(const std::string& name) override;
  WindowBytesStore* getWindowStore(const std::string& name) override;
  SessionBytesStore* getSessionStore(const std::string& name) override;
  KeyValueBytesStore* getGlobalStore(const std::string& name) override;
  bool setFlushListener(const std::string& store, detail::CacheFlushListener listener) override;
  [[nodiscard]] const Headers* flushHeaders() const override;
  void recordDropped(const std::string& node, const std::string& reason) override;
  [[nodiscard]] int64_t streamTime() const override { return streamTime_; }
  [[nodiscard]] int64_t wallClockTime() const override { return env_.wallClock(); }
  std::shared_ptr<detail::Cancellable> schedule(int64_t intervalMs, detail::PunctuationKind kind,
                                                std::function<void(int64_t)> punctuator) override;
  [[nodiscard]] const StoreSpec& storeSpec(const std::string& name) const override;
  [[nodiscard]] const std::string& applicationId() const override { return env_.config.applicationId; }
  [[nodiscard]] std::string taskId() const override { return id_.toString(); }

  /// Runs the stream-time punctuations that are due; true if any ran.
  bool maybePunctuateStreamTime();
  /// Runs the wall-clock punctuations that are due; true if any ran.
  bool maybePunctuateSystemTime();
  int32_t partitionsFor(const std::string& topic) override { return env_.collector.partitionsFor(topic); }
  [[nodiscard]] std::string internalTopicName(const std::string& name) const override {
    return env_.config.applicationId + "-" + name;
  }

 private:
  struct Queue {
    std::string topic;
    detail::SourceNodeBase* source = nullptr;
    RingQueue<StampedRecord> records;
    int64_t partitionTime = -1;
    int64_t nextOffset = -1;  // after the last processed record
    bool dirty = false;       // processed since the last commit
  };

  void loadHeaders(const StampedRecord& r);
  void handleDeserializationError(const StampedRecord& r, const std::exception& e);
  void handleProcessingError(const StampedRecord& r, const std::exception& e);
  void sendToDeadLetterQueue(const StampedRecord& r, const std::string& exceptionType,
                             const std::string& message);
  static void release(StampedRecord& r);

  TaskId id_;
  TaskEnv env_;
  struct Punctuation final : detail::Cancellable {
    int64_t interval = 0;
    detail::PunctuationKind kind = detail::PunctuationKind::STREAM_TIME;
    int64_t next = 0;
    std::function<void(int64_t)> fn;
    bool cancelled = false;
    void cancel() override { cancelled = true; }
  };
  bool punctuate(detail::PunctuationKind kind, int64_t now);

  const TopologyDef& def_;
  std::vector<std::unique_ptr<detail::Node>> nodes_;
  std::vector<std::shared_ptr<Punctuation>> punctuations_;
  std::unique_ptr<ProcessorStateManager> state_;
  bool running_ = false;
  std::vector<Queue> queues_;
  int64_t streamTime_ = -1;
  // The record being processed.
  const StampedRecord* current_ = nullptr;
  Headers currentHeaders_;
  const Headers* currentHeadersPtr_ = nullptr;
  bool closed_ = false;
};

}  // namespace kstreams::internal
