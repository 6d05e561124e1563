// Global tables at run time (Kafka Streams' GlobalStateManagerImpl,
// GlobalStateUpdateTask and GlobalStreamThread): the stores of every
// builder.globalTable, filled from all partitions of their topics by one thread
// per client and read by every stream task.
//
// Thread safety: the global thread writes the stores while stream threads read
// them. A RocksDB store is used as it is (RocksDB's Get, Put, Delete, iterator
// creation and Flush may run concurrently, and our RocksDB store keeps no
// per-call state); an in-memory store is wrapped in a layer that takes a
// std::shared_mutex (readers share it, writes are exclusive; its iterators copy
// their range under the lock). Neither has a caching layer. The stores stay open
// until the client has joined its stream threads.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dsl/topology_def.h"
#include "kstreams/detail/node.h"
#include "src/fetch_waker.h"
#include "src/metrics.h"
#include "src/streams_config.h"
#include "statestores/key_value_bytes_store.h"
#include "statestores/window_bytes_store.h"
#include "statestores/rocksdb_resources.h"
#include "statestores/state_directory.h"
#include "statestores/store_context.h"

namespace kstreams::internal {

/// Next offset to read per (topic, partition).
using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;
/// The open global stores by name, as tasks see them.
using GlobalStoreMap = std::map<std::string, KeyValueBytesStore*>;

/// The global stores of one client, in `<state.dir>/<application.id>/global/`,
/// with one checkpoint file for all of them (per store and source partition:
/// the next offset to read and RocksDB's sequence number then).
class GlobalStateManager final : public StoreContext {
 public:
  GlobalStateManager(const TopologyDef& def, const StreamsConfigValues& config, StateDirectory& directory,
                     RocksDBResources* rocksdb);
  ~GlobalStateManager() override;
  GlobalStateManager(const GlobalStateManager&) = delete;
  GlobalStateManager& operator=(const GlobalStateManager&) = delete;

  /// Locks the global directory and opens the stores. A persistent store whose
  /// files match the checkpoint resumes from its checkpointed offsets; any other
  /// store (no or corrupt checkpoint, files ahead of or behind it, in memory) is
  /// wiped and read from the beginning. Throws StreamsException when another
  /// client holds the directory.
  void initialize();
  /// Where reading a store's topic partition resumes; -1: from the beginning.
  [[nodiscard]] int64_t checkpointedOffset(const std::string& store, const std::string& topic,
                                           int32_t partition) const;
  /// Wipes a store and forgets its checkpoint: it is read again from the beginning.
  void reset(const std::string& store);
  [[nodiscard]] KeyValueBytesStore* store(const std::string& name) const;
  /// Every open global store, for the tasks' StateServices.
  [[nodiscard]] std::shared_ptr<const GlobalStoreMap> stores() const { return storeMap_; }
  /// Flushes the stores and writes the checkpoint: `offsets` are the next offsets
  /// of every source partition.
  void checkpoint(const PartitionOffsets& offsets);
  /// Closes the stores and unlocks the directory.
  void close();

  // StoreContext (global stores are never logged)
  [[nodiscard]] const std::string& taskDirectory() const override { return directory_; }
  [[nodiscard]] const std::string& applicationId() const override { return config_.applicationId; }
  [[nodiscard]] int32_t partition() const override { return -1; }
  [[nodiscard]] RocksDBResources* rocksdbResources() override { return rocksdb_; }
  void logChange(const std::string& storeName, std::string_view key, std::optional<std::string_view> value,
                 int64_t timestamp) override;
  [[nodiscard]] int64_t currentTimestamp() const override { return currentTimestamp_; }
  void setCurrentTimestamp(int64_t timestamp) override { currentTimestamp_ = timestamp; }

 private:
  struct Store {
    const GlobalStoreDef* def = nullptr;
    std::unique_ptr<KeyValueBytesStore> top;
    std::map<int32_t, int64_t> checkpointed;  // partition -> next offset
  };
  void open(Store& s);
  void wipe(Store& s);

  const TopologyDef& def_;
  const StreamsConfigValues& config_;
  StateDirectory& stateDirectory_;
  RocksDBResources* rocksdb_;
  std::string directory_;
  bool locked_ = false;
  std::map<std::string, Store> stores_;
  std::shared_ptr<GlobalStoreMap> storeMap_ = std::make_shared<GlobalStoreMap>();
  int64_t currentTimestamp_ = 0;
};

/// The global stores' processor nodes (a source and a store-writing node per
/// global topic) with what they see of the runtime. Used by the global thread
/// and the test driver alike.
class GlobalStateUpdateTask final : public detail::NodeContext {
 public:
  GlobalStateUpdateTask(const TopologyDef& def, const StreamsConfigValues& config, Metrics& metrics,
                        GlobalStateManager& state, std::function<int64_t()> wallClock);
  ~GlobalStateUpdateTask() override;

  /// Creates and initializes the nodes (the stores must be open).
  void initialize();
  /// True when `topic` feeds a global store.
  [[nodiscard]] bool isGlobalTopic(const std::string& topic) const { return topics_.count(topic) != 0; }
  /// Deserializes one record of a global topic and writes it to its store. A
  /// record that does not deserialize goes to default.deserialization.exception.handler
  /// (logAndFail: FatalStreamsError), one the node fails on to processing.exception.handler.
  void update(const RawRecord& record);

  // NodeContext
  [[nodiscard]] RecordContext recordContext() const override;
  void send(const std::string& topic, int32_t partition, const char* key, size_t keySize, const char* value,
            size_t valueSize, int64_t timestamp, const Headers* headers) override;
  int32_t partitionsFor(const std::string& topic) override;
  [[nodiscard]] std::string internalTopicName(const std::string& name) const override;
  KeyValueBytesStore* getStateStore(const std::string& name) override;
  WindowBytesStore* getWindowStore(const std::string& name) override;
  SessionBytesStore* getSessionStore(const std::string& name) override;
  KeyValueBytesStore* getGlobalStore(const std::string& name) override;
  bool setFlushListener(const std::string& store, detail::CacheFlushListener listener) override;
  [[nodiscard]] const Headers* flushHeaders() const override { return nullptr; }
  void recordDropped(const std::string& node, const std::string& reason) override;
  [[nodiscard]] int64_t streamTime() const override { return streamTime_; }
  [[nodiscard]] int64_t wallClockTime() const override { return wallClock_(); }
  std::shared_ptr<detail::Cancellable> schedule(int64_t intervalMs, detail::PunctuationKind kind,
                                                std::function<void(int64_t)> punctuator) override;
  [[nodiscard]] const StoreSpec& storeSpec(const std::string& name) const override;
  [[nodiscard]] const std::string& applicationId() const override { return config_.applicationId; }
  [[nodiscard]] std::string taskId() const override { return "global"; }

 private:
  struct Topic {
    std::unique_ptr<detail::Node> source;
    std::unique_ptr<detail::Node> processor;
  };
  void handleError(const RawRecord& record, const std::exception& e, bool deserialization);

  const TopologyDef& def_;
  const StreamsConfigValues& config_;
  Metrics& metrics_;
  GlobalStateManager& state_;
  std::function<int64_t()> wallClock_;
  std::map<std::string, Topic, std::less<>> topics_;
  const RawRecord* current_ = nullptr;
  int64_t streamTime_ = -1;
};

/// One per client: restores every global store from its topic (all partitions,
/// assigned without a group) up to the end offsets found at start, then follows
/// the topics, checkpointing every commit.interval.ms and on shutdown.
class GlobalStreamThread {
 public:
  GlobalStreamThread(const TopologyDef& def, const StreamsConfigValues& config, Metrics& metrics,
                     StateDirectory& directory, RocksDBResources* rocksdb,
                     std::function<void(std::exception_ptr)> onError);
  /// Stops the thread and closes the stores: destroy it only after the stream
  /// threads that read them have stopped.
  ~GlobalStreamThread();
  GlobalStreamThread(const GlobalStreamThread&) = delete;
  GlobalStreamThread& operator=(const GlobalStreamThread&) = delete;

  /// Starts the thread and waits until the stores are restored (or shutdown()
  /// was called). Throws what stopped the restoration (MissingSourceTopicException
  /// for a global topic that does not exist).
  void start();
  /// The open stores, for the stream tasks (after start()).
  [[nodiscard]] std::shared_ptr<const GlobalStoreMap> stores() const { return state_.stores(); }
  /// Asks the thread to checkpoint and stop.
  void shutdown();
  void join();
  [[nodiscard]] bool finished() const { return finished_.load(); }

 private:
  void run();
  void restore();
  /// Applies a batch of messages; returns how many records it applied.
  size_t apply(std::vector<rd_kafka_message_t*>& batch, size_t n);
  /// Whether a partition's cached high watermark is beyond its position.
  bool anyPartitionBehind() const;

  const TopologyDef& def_;
  const StreamsConfigValues& config_;
  std::function<void(std::exception_ptr)> onError_;
  std::string clientId_;
  GlobalStateManager state_;
  GlobalStateUpdateTask task_;
  rd_kafka_t* consumer_ = nullptr;  // owned by run()
  std::unique_ptr<FetchWaker> fetchWaker_;  // stopped before the consumer closes
  PartitionOffsets positions_;
  std::atomic<bool> shutdownRequested_{false};
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool initialized_ = false;  // restored, or failed/stopped before
  std::exception_ptr startupError_;
  std::thread thread_;
};

}  // namespace kstreams::internal
