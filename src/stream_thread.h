// StreamThread: one consumer (group application.id), one producer, and the tasks
// of the partitions assigned to it. Polls in batches, processes, commits.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dsl/topology_def.h"
#include "src/fetch_waker.h"
#include "src/heap_trimmer.h"
#include "src/kafka_clients.h"
#include "src/metrics.h"
#include "src/stream_task.h"
#include "src/streams_config.h"

namespace kstreams::internal {

class StreamThread {
 public:
  enum class State { CREATED, STARTING, PARTITIONS_REVOKED, RUNNING, PENDING_SHUTDOWN, DEAD };

  struct Callbacks {
    std::function<void(int index, State state)> onStateChange;
    /// The thread died of this exception (it has already left the group).
    std::function<void(int index, std::exception_ptr error)> onError;
  };

  StreamThread(int index, const TopologyDef& def, const StreamsConfigValues& config, Metrics& metrics,
               StateServices state, Callbacks callbacks);
  ~StreamThread();
  StreamThread(const StreamThread&) = delete;
  StreamThread& operator=(const StreamThread&) = delete;

  void start();
  /// Asks the thread to finish: commit, leave the group, stop.
  void shutdown() { shutdownRequested_ = true; }
  [[nodiscard]] bool finished() const { return state_.load() == State::DEAD; }
  void join();
  [[nodiscard]] State state() const { return state_.load(); }
  [[nodiscard]] int index() const { return index_; }

 private:
  struct Route {
    StreamTask* task = nullptr;
    int queue = -1;
    // Why the partition is paused; librdkafka is told only when the partition
    // goes from no reason to some reason or back. Resuming a partition that is
    // not paused makes librdkafka 2.0 fetch again from where it was last paused,
    // which delivers records twice.
    bool pausedForRestore = false;  // its task restores its stores
    bool pausedForBuffer = false;   // its buffer holds buffered.records.per.partition
    // After the last record buffered from it, or its committed offset before
    // any (-1: not known). A record below it was delivered again by the
    // consumer and is dropped; a resumed partition is fetched from it.
    int64_t nextOffset = -1;
    // The group has no committed offset for it: it starts where
    // auto.offset.reset says, once librdkafka has looked that offset up.
    bool noCommittedOffset = false;
    [[nodiscard]] bool paused() const { return pausedForRestore || pausedForBuffer; }
  };

  void run();
  void runLoop();
  /// Up to batch.size() records (or errors and events), returning as soon as
  /// any are there; waits at most timeoutMs for the first.
  ssize_t pollBatch(rd_kafka_queue_t* queue, int timeoutMs, std::vector<rd_kafka_message_t*>& batch);
  void dispatch(rd_kafka_message_t* msg);
  Route* findRoute(const rd_kafka_message_t* msg);
  /// Sets one reason for pausing a partition, telling librdkafka on a change
  /// of the partition's overall state only.
  void setPaused(const std::string& topic, int32_t partition, Route& route, bool Route::*reason, bool on);
  /// Whether a partition not paused has records on the broker beyond what
  /// was received (from the high watermarks of the last fetch responses).
  bool anyPartitionBehind();
  /// The same for the changelog partitions being restored.
  bool anyChangelogBehind();
  /// Tells the fetch waker which partitions are assigned.
  void updateFetchWaker();
  void pauseFullPartitions();
  void resumeDrainedPartitions();
  void processTasks();
  void commitAll();
  /// Commits the offsets the tasks processed since the last commit (after the
  /// producer flushed); a failure is logged (the next owner reprocesses).
  void commitOffsets();
  /// Deletes the records of repartition topics below the offsets committed
  /// since the last purge, at most every repartition.purge.interval.ms and one
  /// request at a time; reports the answers of earlier requests.
  void purgeRepartitionTopics();
  void onRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void assignTasks(rd_kafka_topic_partition_list_t* partitions);
  void revokeTasks();
  /// Reads the committed offsets of new partitions: their positions and, from
  /// the metadata, their partition times.
  void readCommitted(const rd_kafka_topic_partition_list_t* partitions);
  /// Opens the stores of new tasks and restores them from their changelogs; a
  /// task whose stores are ready starts running and its partitions resume.
  void initializeAndRestore();
  void startRestoring(StreamTask& task);
  void finishRestoring(StreamTask& task);
  void updateRestoreAssignment();
  void pauseOrResume(StreamTask& task, bool pause);
  void setState(State s);
  static void rebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque);

  int index_;
  const TopologyDef& def_;
  const StreamsConfigValues& config_;
  Metrics& metrics_;
  Callbacks callbacks_;
  std::string clientId_;
  std::map<std::string, int> topicToSubtopology_;  // full topic names
  std::set<std::string, std::less<>> repartitionTopics_;  // full names of the internal source topics

  std::unique_ptr<ProducerCollector> collector_;
  KafkaHandle consumer_;
  // Declared after the consumer: destroyed (its thread stopped) before it.
  std::unique_ptr<FetchWaker> fetchWaker_;
  HeapTrimmer heapTrimmer_;
  std::map<TaskId, std::unique_ptr<StreamTask>> tasks_;
  struct TopicHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unordered_map<int32_t, Route>, TopicHash, std::equal_to<>> routes_;
  bool anyPaused_ = false;
  // auto.offset.reset of the main consumer is earliest (its default).
  bool resetToEarliest_ = true;

  StateServices stateServices_;
  KafkaHandle restoreConsumer_;
  struct QueueDeleter {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  };
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> restoreQueue_;
  std::unique_ptr<FetchWaker> restoreWaker_;
  struct Restoring {
    StreamTask* task;
    std::chrono::steady_clock::time_point started;
  };
  std::map<TaskId, Restoring> restoring_;
  std::vector<StreamTask*> uninitialized_;
  // processTasks(): the high watermarks of a task's queues, asked once a round.
  static constexpr int64_t kUnknownWatermark = INT64_MIN;
  std::vector<int64_t> highWatermarks_;

  // Committed offsets of repartition-topic partitions not purged yet.
  std::map<std::pair<std::string, int32_t>, int64_t> toPurge_;
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> purgeQueue_;  // answers to DeleteRecords
  bool purgeInFlight_ = false;
  std::chrono::steady_clock::time_point lastPurge_;

  std::atomic<State> state_{State::CREATED};
  std::atomic<bool> shutdownRequested_{false};
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace kstreams::internal
