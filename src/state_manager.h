// ProcessorStateManager: the state stores of one task. Builds each store's layer
// stack, locks the task directory, decides from the checkpoint where restoring
// starts (or wipes a store that cannot be trusted), applies restored changelog
// records, and writes the checkpoint after a commit once enough changes have
// accumulated since the last one (and always on a clean close).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsl/topology_def.h"
#include "src/metrics.h"
#include "src/record_collector.h"
#include "src/streams_config.h"
#include "statestores/cache_budget.h"
#include "statestores/caching_key_value_store.h"
#include "statestores/key_value_bytes_store.h"
#include "statestores/rocksdb_resources.h"
#include "statestores/state_directory.h"
#include "statestores/store_context.h"
#include "statestores/window_bytes_store.h"

namespace kstreams::internal {

/// Shared by the tasks of a client (directory, RocksDB memory) or a thread (cache).
struct StateServices {
  StateDirectory* directory = nullptr;
  RocksDBResources* rocksdb = nullptr;
  std::shared_ptr<CacheBudget> cache;
  /// The client's global stores by name (builder.globalTable), open while tasks run.
  std::shared_ptr<const std::map<std::string, KeyValueBytesStore*>> globalStores;
};

class ProcessorStateManager final : public StoreContext {
 public:
  /// One changelog partition to restore from.
  struct Changelog {
    std::string store;
    std::string topic;  // full name
    int32_t partition = 0;
    int64_t startOffset = 0;  // the next offset to read
    int64_t endOffset = -1;   // set by the restorer
    int64_t restoredRecords = 0;
    bool done = false;
  };

  ProcessorStateManager(std::string taskId, int32_t partition, const TopologyDef& def,
                        const std::vector<std::string>& stores, const StreamsConfigValues& config,
                        RecordCollector& collector, StateServices services);
  ~ProcessorStateManager() override;

  /// Locks the task directory and opens the stores. false: the directory is still
  /// locked by another owner (try again later). Throws StoreException.
  bool initialize();
  [[nodiscard]] KeyValueBytesStore* store(const std::string& name);
  [[nodiscard]] WindowBytesStore* windowStore(const std::string& name);
  [[nodiscard]] SessionBytesStore* sessionStore(const std::string& name);
  bool setFlushListener(const std::string& name, detail::CacheFlushListener listener);
  [[nodiscard]] std::vector<Changelog>& changelogs() { return changelogs_; }
  /// Wipes a store whose changelog cannot serve its checkpoint (the checkpoint is
  /// past the changelog's end) and restarts it from offset 0.
  void resetToBeginning(Changelog& changelog);
  /// A record read from a changelog partition.
  struct ChangelogRecord {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt: tombstone
    int64_t timestamp = 0;
  };
  /// Applies records read from a changelog partition, up to `lastOffset`.
  void restore(Changelog& changelog, const std::vector<ChangelogRecord>& records, int64_t lastOffset);
  /// Changelog records acknowledged since the last checkpoint past which a
  /// commit flushes the stores and writes a new one (Kafka Streams' threshold).
  static constexpr int64_t kCheckpointRecordThreshold = 10'000;
  /// Flushes every store stack (caches forward their dirty entries downstream).
  void flush();
  /// Forwards the caches' dirty entries downstream (to the layers below and
  /// the nodes after the store), in topology order, without flushing the stores.
  void flushCaches();
  /// Writes the checkpoint (after the producer flushed: every change is acknowledged).
  void checkpoint();
  /// After a commit (the producer flushed): flushes the stores and writes the
  /// checkpoint if `enforce` or more than kCheckpointRecordThreshold changelog
  /// records were written or restored since the last one. True if it did.
  bool maybeCheckpoint(bool enforce);
  /// Changelog records written or restored since the last checkpoint, over all stores.
  [[nodiscard]] int64_t changelogRecordsSinceCheckpoint() const;
  /// Closes the stores; with `clean`, flushes and checkpoints first. Unlocks.
  void close(bool clean);

  // StoreContext
  [[nodiscard]] const std::string& taskDirectory() const override { return taskDirectory_; }
  [[nodiscard]] const std::string& applicationId() const override { return config_.applicationId; }
  [[nodiscard]] int32_t partition() const override { return partition_; }
  [[nodiscard]] RocksDBResources* rocksdbResources() override { return services_.rocksdb; }
  void logChange(const std::string& storeName, std::string_view key, std::optional<std::string_view> value,
                 int64_t timestamp) override;
  [[nodiscard]] int64_t currentTimestamp() const override { return currentTimestamp_; }
  void setCurrentTimestamp(int64_t timestamp) override { currentTimestamp_ = timestamp; }
  [[nodiscard]] const Headers* currentHeaders() const override { return currentHeaders_; }
  void setCurrentHeaders(const Headers* headers) override { currentHeaders_ = headers; }

 private:
  struct Store {
    StoreSpec spec;
    std::unique_ptr<KeyValueBytesStore> top;        // KEY_VALUE stores
    std::unique_ptr<WindowBytesStore> windowTop;    // WINDOW stores
    std::unique_ptr<SessionBytesStore> sessionTop;  // SESSION stores
    CachingKeyValueStore* cache = nullptr;
    std::string changelogTopic;  // empty: not logged
    int64_t ackedOffset = -1;    // highest acknowledged changelog offset (set by the producer)
    int64_t restoredTo = 0;      // next changelog offset after what the store holds
    int64_t checkpointed = 0;    // changelog offset in the last checkpoint (or where restoring began)
  };

  void open(Store& s);
  void wipe(Store& s);
  static bool isOpen(const Store& s) { return s.top || s.windowTop || s.sessionTop; }
  static void closeStack(Store& s);
  static uint64_t versionOf(Store& s);
  static void flushStack(Store& s);
  /// The changelog offset a checkpoint written now would hold for `s`.
  static int64_t checkpointOffset(const Store& s) { return std::max(s.restoredTo, s.ackedOffset + 1); }

  std::string taskId_;
  int32_t partition_;
  const StreamsConfigValues& config_;
  RecordCollector& collector_;
  StateServices services_;
  std::string taskDirectory_;
  bool locked_ = false;
  bool closed_ = false;
  std::map<std::string, Store> stores_;
  /// Store names in topology order: flushing an upstream cache writes into the
  /// caches below it, which must flush after it in the same commit.
  std::vector<std::string> flushOrder_;
  std::vector<Changelog> changelogs_;
  int64_t currentTimestamp_ = 0;
  const Headers* currentHeaders_ = nullptr;
  std::vector<RestoreRecord> restoreBuffer_;
  std::string restoreBytes_;  // the values restoreBuffer_ points into, where composed
};

}  // namespace kstreams::internal
