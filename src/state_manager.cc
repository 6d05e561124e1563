#include "src/state_manager.h"

#include <filesystem>

#include "src/log.h"
#include "statestores/change_logging_key_value_store.h"
#include "statestores/checkpoint.h"
#include "statestores/in_memory_key_value_store.h"
#include "statestores/rocksdb_key_value_store.h"
#include "statestores/rocksdb_window_store.h"
#include "statestores/in_memory_window_store.h"
#include "statestores/change_logging_window_store.h"
#include "statestores/change_logging_session_store.h"
#include "statestores/in_memory_session_store.h"
#include "statestores/rocksdb_session_store.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

ProcessorStateManager::ProcessorStateManager(std::string taskId, int32_t partition, const TopologyDef& def,
                                             const std::vector<std::string>& stores,
                                             const StreamsConfigValues& config, RecordCollector& collector,
                                             StateServices services)
    : taskId_(std::move(taskId)),
      partition_(partition),
      config_(config),
      collector_(collector),
      services_(std::move(services)) {
  for (const auto& name : stores) {
    Store s;
    s.spec = def.stores.at(name);
    if (s.spec.loggingEnabled) s.changelogTopic = config.applicationId + "-" + TopologyDef::changelogTopic(name);
    stores_.emplace(name, std::move(s));
    flushOrder_.push_back(name);
  }
}

ProcessorStateManager::~ProcessorStateManager() {
  try {
    close(false);
  } catch (const std::exception& e) {
    KS_LOG(WARN, "task " + taskId_ + ": closing stores failed: " + e.what());
  }
}

void ProcessorStateManager::closeStack(Store& s) {
  if (s.top) s.top->close();
  if (s.windowTop) s.windowTop->close();
  if (s.sessionTop) s.sessionTop->close();
  s.top.reset();
  s.windowTop.reset();
  s.sessionTop.reset();
  s.cache = nullptr;
}

uint64_t ProcessorStateManager::versionOf(Store& s) {
  if (s.top) return s.top->persistedVersion();
  if (s.windowTop) return s.windowTop->persistedVersion();
  if (s.sessionTop) return s.sessionTop->persistedVersion();
  return 0;
}

void ProcessorStateManager::flushStack(Store& s) {
  if (s.top) s.top->flush();
  if (s.windowTop) s.windowTop->flush();
  if (s.sessionTop) s.sessionTop->flush();
}

void ProcessorStateManager::open(Store& s) {
  if (s.spec.kind == StoreSpec::Kind::SESSION) {
    std::unique_ptr<SessionBytesStore> session;
    if (s.spec.type == StoreType::ROCKS_DB) {
      session = std::make_unique<RocksDBSessionStore>(s.spec.name, s.spec.retentionMs, s.spec.segmentIntervalMs);
    } else {
      session = std::make_unique<InMemorySessionStore>(s.spec.name, s.spec.retentionMs);
    }
    if (!s.changelogTopic.empty()) session = std::make_unique<ChangeLoggingSessionStore>(std::move(session));
    session->init(*this);
    s.sessionTop = std::move(session);
    return;
  }
  if (s.spec.kind == StoreSpec::Kind::WINDOW) {
    std::unique_ptr<WindowBytesStore> window;
    if (s.spec.type == StoreType::ROCKS_DB) {
      window = std::make_unique<RocksDBWindowStore>(s.spec.name, s.spec.retentionMs, s.spec.segmentIntervalMs,
                                                    s.spec.retainDuplicates);
    } else {
      window = std::make_unique<InMemoryWindowStore>(s.spec.name, s.spec.retentionMs, s.spec.retainDuplicates);
    }
    if (!s.changelogTopic.empty()) window = std::make_unique<ChangeLoggingWindowStore>(std::move(window));
    window->init(*this);
    s.windowTop = std::move(window);
    return;
  }
  std::unique_ptr<KeyValueBytesStore> bytes;
  if (s.spec.type == StoreType::ROCKS_DB) {
    bytes = std::make_unique<RocksDBKeyValueStore>(s.spec.name);
  } else {
    bytes = std::make_unique<InMemoryKeyValueStore>(s.spec.name);
  }
  if (!s.changelogTopic.empty()) {
    bytes = std::make_unique<ChangeLoggingKeyValueStore>(std::move(bytes), s.spec.timestamped);
  }
  s.cache = nullptr;
  if (s.spec.cachingEnabled && services_.cache && services_.cache->maxBytes() > 0) {
    auto caching = std::make_unique<CachingKeyValueStore>(std::move(bytes), services_.cache);
    s.cache = caching.get();
    bytes = std::move(caching);
  }
  bytes->init(*this);
  s.top = std::move(bytes);
}

void ProcessorStateManager::wipe(Store& s) {
  closeStack(s);
  if (s.spec.type == StoreType::ROCKS_DB) {
    RocksDBKeyValueStore::destroy(taskDirectory_ + "/rocksdb/" + s.spec.name);
  }
}

bool ProcessorStateManager::initialize() {
  taskDirectory_ = services_.directory->taskDirectory(taskId_);
  if (!services_.directory->lock(taskId_)) return false;
  locked_ = true;

  const std::string checkpointPath = Checkpoint::path(taskDirectory_);
  auto cp = Checkpoint::read(checkpointPath);
  if (cp.status == CheckpointReadResult::Status::CORRUPT) {
    KS_LOG(WARN, "task " + taskId_ + ": checkpoint is corrupt (" + cp.error +
                     "); wiping its stores and restoring them from their changelogs");
  }
  std::map<std::string, CheckpointEntry> entries;
  if (cp.status == CheckpointReadResult::Status::OK) {
    for (const auto& e : cp.entries) entries[e.store] = e;
  }

  for (auto& [name, s] : stores_) {
    const bool logged = !s.changelogTopic.empty();
    const bool persistent = s.spec.type == StoreType::ROCKS_DB;
    if (persistent && logged && entries.count(name) == 0) {
      // No trustworthy position: whatever is on disk may be ahead of or behind the
      // changelog, so start from nothing.
      wipe(s);
    }
    try {
      open(s);
    } catch (const StoreException& e) {
      if (!persistent) throw;
      KS_LOG(WARN, "task " + taskId_ + ": store " + name + " could not be opened (" + e.what() +
                       "); wiping it and restoring from its changelog");
      wipe(s);
      entries.erase(name);
      open(s);
    }
    s.restoredTo = 0;
    if (persistent && logged) {
      auto it = entries.find(name);
      if (it != entries.end()) {
        const uint64_t version = versionOf(s);
        if (version == it->second.persistedVersion && it->second.topic == s.changelogTopic &&
            it->second.partition == partition_) {
          s.restoredTo = it->second.offset;
        } else {
          KS_LOG(WARN, "task " + taskId_ + ": store " + name + " is at version " + std::to_string(version) +
                           " but its checkpoint says " + std::to_string(it->second.persistedVersion) +
                           "; wiping it and restoring from its changelog");
          wipe(s);
          open(s);
        }
      }
    }
    s.checkpointed = s.restoredTo;
    if (logged) {
      Changelog cl;
      cl.store = name;
      cl.topic = s.changelogTopic;
      cl.partition = partition_;
      cl.startOffset = s.restoredTo;
      changelogs_.push_back(cl);
    }
  }
  // The old checkpoint stays until a new one replaces it: a crash before then
  // shows up as a version mismatch and wipes the store.
  return true;
}

KeyValueBytesStore* ProcessorStateManager::store(const std::string& name) {
  auto it = stores_.find(name);
  if (it == stores_.end() || !it->second.top) {
    throw StreamsException("task " + taskId_ + " has no open key-value store " + name);
  }
  return it->second.top.get();
}

SessionBytesStore* ProcessorStateManager::sessionStore(const std::string& name) {
  auto it = stores_.find(name);
  if (it == stores_.end() || !it->second.sessionTop) {
    throw StreamsException("task " + taskId_ + " has no open session store " + name);
  }
  return it->second.sessionTop.get();
}

WindowBytesStore* ProcessorStateManager::windowStore(const std::string& name) {
  auto it = stores_.find(name);
  if (it == stores_.end() || !it->second.windowTop) {
    throw StreamsException("task " + taskId_ + " has no open window store " + name);
  }
  return it->second.windowTop.get();
}

bool ProcessorStateManager::setFlushListener(const std::string& name, detail::CacheFlushListener listener) {
  auto it = stores_.find(name);
  if (it == stores_.end() || it->second.cache == nullptr) return false;
  it->second.cache->setFlushListener(std::move(listener), true);
  return true;
}

void ProcessorStateManager::resetToBeginning(Changelog& changelog) {
  auto& s = stores_.at(changelog.store);
  KS_LOG(WARN, "task " + taskId_ + ": checkpoint of store " + changelog.store + " (offset " +
                   std::to_string(changelog.startOffset) + ") is past the end of " + changelog.topic +
                   "; wiping the store and restoring from the beginning");
  wipe(s);
  open(s);
  s.restoredTo = 0;
  s.checkpointed = 0;
  changelog.startOffset = 0;
}

void ProcessorStateManager::restore(Changelog& changelog, const std::vector<ChangelogRecord>& records,
                                    int64_t lastOffset) {
  auto& s = stores_.at(changelog.store);
  if (!records.empty()) {
    // A timestamped store keeps the record timestamp in front of the value; its
    // changelog carries it as the record's timestamp (Kafka Streams' layout).
    // Those values are composed in one buffer, sized first so that the views
    // into it stay valid.
    restoreBuffer_.clear();
    restoreBuffer_.reserve(records.size());
    restoreBytes_.clear();
    if (s.spec.timestamped) {
      size_t bytes = 0;
      for (const auto& r : records) bytes += r.value ? sizeof(int64_t) + r.value->size() : 0;
      restoreBytes_.reserve(bytes);
    }
    for (const auto& r : records) {
      RestoreRecord rr{r.key, r.value};
      if (r.value && s.spec.timestamped) {
        const size_t start = restoreBytes_.size();
        detail::putBigEndian<int64_t>(r.timestamp, restoreBytes_);
        restoreBytes_.append(*r.value);
        rr.value = std::string_view(restoreBytes_).substr(start);
      }
      restoreBuffer_.push_back(rr);
    }
    if (s.top) {
      s.top->restoreBatch(restoreBuffer_);
    } else if (s.windowTop) {
      s.windowTop->restoreBatch(restoreBuffer_);
    } else if (s.sessionTop) {
      s.sessionTop->restoreBatch(restoreBuffer_);
    }
  }
  changelog.restoredRecords += static_cast<int64_t>(records.size());
  s.restoredTo = lastOffset + 1;
}

void ProcessorStateManager::flush() {
  for (const auto& name : flushOrder_) flushStack(stores_.at(name));
}

void ProcessorStateManager::flushCaches() {
  for (const auto& name : flushOrder_) {
    if (Store& s = stores_.at(name); s.cache != nullptr) s.cache->flushCache();
  }
}

void ProcessorStateManager::checkpoint() {
  std::vector<CheckpointEntry> entries;
  for (auto& [name, s] : stores_) {
    if (!isOpen(s) || s.changelogTopic.empty() || s.spec.type != StoreType::ROCKS_DB) continue;
    const int64_t offset = checkpointOffset(s);
    entries.push_back(CheckpointEntry{name, s.changelogTopic, partition_, offset, versionOf(s)});
  }
  if (!entries.empty()) Checkpoint::write(Checkpoint::path(taskDirectory_), entries);
  for (auto& [name, s] : stores_) s.checkpointed = checkpointOffset(s);
}

int64_t ProcessorStateManager::changelogRecordsSinceCheckpoint() const {
  int64_t records = 0;
  for (const auto& [name, s] : stores_) {
    if (isOpen(s) && !s.changelogTopic.empty()) records += std::max<int64_t>(0, checkpointOffset(s) - s.checkpointed);
  }
  return records;
}

bool ProcessorStateManager::maybeCheckpoint(bool enforce) {
  // Flushing RocksDB at every commit would stall the stream thread and write
  // many small files. A clean close always checkpoints; between checkpoints a
  // crash means replaying the changelog from the last one (or from the start,
  // if RocksDB flushed on its own since).
  if (!enforce && changelogRecordsSinceCheckpoint() <= kCheckpointRecordThreshold) return false;
  flush();
  checkpoint();
  return true;
}

void ProcessorStateManager::close(bool clean) {
  if (closed_) return;
  closed_ = true;
  if (clean) {
    flush();
    checkpoint();
  }
  for (auto& [name, s] : stores_) closeStack(s);
  if (locked_) {
    services_.directory->unlock(taskId_);
    locked_ = false;
  }
}

void ProcessorStateManager::logChange(const std::string& storeName, std::string_view key,
                                      std::optional<std::string_view> value, int64_t timestamp) {
  auto& s = stores_.at(storeName);
  collector_.send(s.changelogTopic, partition_, key.data(), key.size(), value ? value->data() : nullptr,
                  value ? value->size() : 0, timestamp, nullptr, &s.ackedOffset, s.spec.changelogAfterOutputs);
}

}  // namespace kstreams::internal
