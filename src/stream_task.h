// StreamTask: one sub-topology instantiated for one partition number. It buffers
// the records of its input partitions, picks the next one by timestamp, and pushes
// it through its processor nodes. Shared by StreamThread and TopologyTestDriver.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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
  int64_t offset;              // the next offset to read
  int64_t partitionTime = -1;  // the highest timestamp processed from it (-1: none)
};

/// Offset commit metadata as Kafka Streams writes it (TopicPartitionMetadata):
/// base64 of [version 2][8-byte big-endian partition time] (Kafka Streams may
/// append processor metadata, which kstreams neither writes nor needs).
std::string encodePartitionTime(int64_t partitionTime);
/// The partition time of committed metadata; -1 when it is empty or not Kafka
/// Streams' format (versions 1 and 2 are read).
int64_t decodePartitionTime(std::string_view metadata);

/// One input partition of a task as the idling decision sees it.
struct PartitionReadiness {
  bool buffered = false;  // records of it are buffered in the task
  int64_t lag = -1;       // records on the broker not yet received; -1: unknown
};

/// Kafka Streams' PartitionGroup.readyToProcess (KIP-695): may a task with
/// several input partitions process its buffered records at `now` (ms)?
/// - maxTaskIdleMs -1: yes, whatever is buffered.
/// - every partition buffered: yes.
/// - an empty partition whose lag is unknown or positive: no (its records are on
///   the broker and will arrive with the next fetches).
/// - an empty partition that is caught up (lag 0): no until maxTaskIdleMs after it
///   was first seen so, then yes (processing is "enforced", possibly out of
///   timestamp order), provided some other partition has records.
/// `idleDeadlines` holds, per partition, when waiting for it ends (-1: not
/// waiting); it is updated. `enforced` (optional) tells whether a caught-up empty
/// partition was given up on.
bool readyToProcess(int64_t maxTaskIdleMs, int64_t now, const std::vector<PartitionReadiness>& partitions,
                    std::vector<int64_t>& idleDeadlines, bool* enforced = nullptr);

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
  /// Does not wait for empty partitions (see readyToProcess).
  bool process();
  /// The partition time committed with a queue's offset (restored after a restart
  /// or a rebalance): raises the partition's and the task's stream time.
  void initializePartitionTime(int queue, int64_t partitionTime);
  /// Records that the consumer reached the end of a queue's partition at `offset`.
  void partitionEnd(int queue, int64_t offset);
  /// Whether the task may process now under max.task.idle.ms (readyToProcess
  /// above); `highWatermark(queue)` is the partition's end offset as last fetched
  /// (negative: unknown).
  bool readyToProcess(int64_t now, const std::function<int64_t(int queue)>& highWatermark);
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
  /// Forwards the caches' dirty entries downstream (the first step of a commit).
  void flushCaches();
  /// After a commit: flushes the stores and writes the checkpoint when enough
  /// changes have accumulated since the last one, or when `enforce`.
  void maybeCheckpoint(bool enforce);
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
    int64_t partitionTime = -1;   // the highest timestamp received (for timestamp extractors)
    int64_t processedTime = -1;   // the highest timestamp processed (committed with the offset)
    int64_t nextOffset = -1;  // after the last processed record
    int64_t receivedOffset = -1;  // after the last buffered record, or where the partition ended
    int64_t idleDeadline = -1;    // max.task.idle.ms: when waiting for this empty partition ends
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
  std::vector<PartitionReadiness> readiness_;  // scratch space of readyToProcess
  std::vector<int64_t> idleDeadlines_;
  int64_t streamTime_ = -1;
  // The record being processed.
  const StampedRecord* current_ = nullptr;
  Headers currentHeaders_;
  const Headers* currentHeadersPtr_ = nullptr;
  bool closed_ = false;
};

}  // namespace kstreams::internal
