#include "src/global_stream_thread.h"

#include <chrono>
#include <shared_mutex>

#include "src/kafka_clients.h"
#include "src/log.h"
#include "src/record_collector.h"
#include "statestores/checkpoint.h"
#include "statestores/in_memory_key_value_store.h"
#include "statestores/rocksdb_key_value_store.h"
#include "statestores/rocksdb_resources.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBatchSize = 2048;

/// Iterates a copy of the pairs it was given.
class CopiedIterator final : public KeyValueBytesIterator {
 public:
  explicit CopiedIterator(std::vector<std::pair<std::string, std::string>> pairs) : pairs_(std::move(pairs)) {}
  [[nodiscard]] bool valid() const override { return pos_ < pairs_.size(); }
  void next() override { ++pos_; }
  [[nodiscard]] std::string_view key() const override { return pairs_[pos_].first; }
  [[nodiscard]] std::string_view value() const override { return pairs_[pos_].second; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  size_t pos_ = 0;
};

/// Lets the global thread write an in-memory store while stream threads read
/// it: a shared lock for reads, an exclusive one for writes; iterators copy
/// their range under the lock.
class SharedLockKeyValueStore final : public KeyValueBytesStore {
 public:
  explicit SharedLockKeyValueStore(std::unique_ptr<KeyValueBytesStore> inner) : inner_(std::move(inner)) {}

  [[nodiscard]] const std::string& name() const override { return inner_->name(); }
  void init(StoreContext& context) override { inner_->init(context); }
  [[nodiscard]] bool persistent() const override { return inner_->persistent(); }
  [[nodiscard]] std::optional<std::string> get(std::string_view key) override {
    std::shared_lock lock(mu_);
    return inner_->get(key);
  }
  bool getInto(std::string_view key, std::string& out) override {
    std::shared_lock lock(mu_);
    return inner_->getInto(key, out);
  }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    std::unique_lock lock(mu_);
    inner_->put(key, value);
  }
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override {
    std::unique_lock lock(mu_);
    return inner_->putIfAbsent(key, value);
  }
  std::optional<std::string> remove(std::string_view key) override {
    std::unique_lock lock(mu_);
    return inner_->remove(key);
  }
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override {
    std::shared_lock lock(mu_);
    return copy(inner_->range(from, to));
  }
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override {
    std::shared_lock lock(mu_);
    return copy(inner_->prefixScan(prefix));
  }
  [[nodiscard]] uint64_t approximateNumEntries() override {
    std::shared_lock lock(mu_);
    return inner_->approximateNumEntries();
  }
  void flush() override {
    std::unique_lock lock(mu_);
    inner_->flush();
  }
  void close() override {
    std::unique_lock lock(mu_);
    inner_->close();
  }
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    std::unique_lock lock(mu_);
    inner_->restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override {
    std::shared_lock lock(mu_);
    return inner_->persistedVersion();
  }

 private:
  static std::unique_ptr<KeyValueBytesIterator> copy(std::unique_ptr<KeyValueBytesIterator> it) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (; it->valid(); it->next()) pairs.emplace_back(std::string(it->key()), std::string(it->value()));
    return std::make_unique<CopiedIterator>(std::move(pairs));
  }

  std::shared_mutex mu_;
  std::unique_ptr<KeyValueBytesStore> inner_;
};

std::string whatOf(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace

// ---------------------------------------------------------------- state --

GlobalStateManager::GlobalStateManager(const TopologyDef& def, const StreamsConfigValues& config,
                                       StateDirectory& directory, RocksDBResources* rocksdb)
    : def_(def), config_(config), stateDirectory_(directory), rocksdb_(rocksdb) {
  for (const auto& g : def.globalStores) stores_[g.store.name].def = &g;
}

GlobalStateManager::~GlobalStateManager() {
  try {
    close();
  } catch (const std::exception& e) {
    KS_LOG(WARN, std::string("closing the global stores failed: ") + e.what());
  }
}

void GlobalStateManager::open(Store& s) {
  const StoreSpec& spec = s.def->store;
  std::unique_ptr<KeyValueBytesStore> bytes;
  if (spec.type == StoreType::ROCKS_DB) {
    bytes = std::make_unique<RocksDBKeyValueStore>(spec.name);
  } else {
    bytes = std::make_unique<SharedLockKeyValueStore>(std::make_unique<InMemoryKeyValueStore>(spec.name));
  }
  bytes->init(*this);
  s.top = std::move(bytes);
  (*storeMap_)[spec.name] = s.top.get();
}

void GlobalStateManager::wipe(Store& s) {
  if (s.top) s.top->close();
  s.top.reset();
  storeMap_->erase(s.def->store.name);
  s.checkpointed.clear();
  if (s.def->store.type == StoreType::ROCKS_DB) RocksDBKeyValueStore::destroy(directory_ + "/rocksdb/" + s.def->store.name);
}

void GlobalStateManager::initialize() {
  directory_ = stateDirectory_.taskDirectory("global");
  if (!stateDirectory_.lock("global")) {
    throw StreamsException("the global state directory " + directory_ +
                           " is locked by another client: give each KafkaStreams instance its own state.dir");
  }
  locked_ = true;
  auto cp = Checkpoint::read(Checkpoint::path(directory_));
  if (cp.status == CheckpointReadResult::Status::CORRUPT) {
    KS_LOG(WARN, "the global checkpoint is corrupt (" + cp.error +
                     "); wiping the global stores and reading their topics from the beginning");
  }
  std::map<std::string, std::vector<CheckpointEntry>> entries;
  if (cp.status == CheckpointReadResult::Status::OK) {
    for (const auto& e : cp.entries) entries[e.store].push_back(e);
  }
  for (auto& [name, s] : stores_) {
    const bool persistent = s.def->store.type == StoreType::ROCKS_DB;
    auto it = entries.find(name);
    if (!persistent) {
      open(s);
      continue;
    }
    if (it == entries.end()) {
      // No trustworthy position: start from nothing.
      wipe(s);
      open(s);
      continue;
    }
    try {
      open(s);
    } catch (const StoreException& e) {
      KS_LOG(WARN, "global store " + name + " could not be opened (" + e.what() +
                       "); wiping it and reading " + s.def->topic + " from the beginning");
      wipe(s);
      open(s);
      continue;
    }
    const uint64_t version = s.top->persistedVersion();
    bool matches = true;
    for (const auto& e : it->second) matches = matches && e.persistedVersion == version && e.topic == s.def->topic;
    if (!matches) {
      KS_LOG(WARN, "global store " + name + " is at version " + std::to_string(version) +
                       ", which its checkpoint does not match; wiping it and reading " + s.def->topic +
                       " from the beginning");
      wipe(s);
      open(s);
      continue;
    }
    for (const auto& e : it->second) s.checkpointed[e.partition] = e.offset;
  }
}

int64_t GlobalStateManager::checkpointedOffset(const std::string& store, const std::string& topic,
                                               int32_t partition) const {
  auto it = stores_.find(store);
  if (it == stores_.end() || it->second.def->topic != topic) return -1;
  auto p = it->second.checkpointed.find(partition);
  return p == it->second.checkpointed.end() ? -1 : p->second;
}

void GlobalStateManager::reset(const std::string& store) {
  auto& s = stores_.at(store);
  wipe(s);
  open(s);
}

KeyValueBytesStore* GlobalStateManager::store(const std::string& name) const {
  auto it = stores_.find(name);
  if (it == stores_.end() || !it->second.top) throw StreamsException("no open global store " + name);
  return it->second.top.get();
}

void GlobalStateManager::checkpoint(const PartitionOffsets& offsets) {
  std::vector<CheckpointEntry> entries;
  for (auto& [name, s] : stores_) {
    if (!s.top) continue;
    s.top->flush();
    if (s.def->store.type != StoreType::ROCKS_DB) continue;
    const uint64_t version = s.top->persistedVersion();
    for (const auto& [tp, offset] : offsets) {
      if (tp.first == s.def->topic) entries.push_back(CheckpointEntry{name, tp.first, tp.second, offset, version});
    }
  }
  if (!entries.empty()) Checkpoint::write(Checkpoint::path(directory_), entries);
}

void GlobalStateManager::close() {
  for (auto& [name, s] : stores_) {
    if (s.top) s.top->close();
    s.top.reset();
  }
  storeMap_->clear();
  if (locked_) {
    stateDirectory_.unlock("global");
    locked_ = false;
  }
}

void GlobalStateManager::logChange(const std::string& storeName, std::string_view, std::optional<std::string_view>,
                                   int64_t) {
  throw StreamsException("global store " + storeName + " has no changelog: its topic is its log");
}

// ---------------------------------------------------------- update task --

GlobalStateUpdateTask::GlobalStateUpdateTask(const TopologyDef& def, const StreamsConfigValues& config,
                                             Metrics& metrics, GlobalStateManager& state,
                                             std::function<int64_t()> wallClock)
    : def_(def), config_(config), metrics_(metrics), state_(state), wallClock_(std::move(wallClock)) {
  if (!wallClock_) {
    wallClock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

GlobalStateUpdateTask::~GlobalStateUpdateTask() {
  for (auto& [topic, t] : topics_) {
    if (t.processor) t.processor->close();
    if (t.source) t.source->close();
  }
}

void GlobalStateUpdateTask::initialize() {
  for (const auto& g : def_.globalStores) {
    Topic t;
    t.source = g.sourceFactory();
    t.processor = g.processorFactory();
    t.source->addChild(t.processor.get());
    t.source->init(*this);
    t.processor->init(*this);
    topics_.emplace(g.topic, std::move(t));
  }
}

void GlobalStateUpdateTask::update(const RawRecord& record) {
  auto it = topics_.find(record.topic);
  if (it == topics_.end()) throw StreamsException("topic " + std::string(record.topic) + " feeds no global store");
  auto* source = static_cast<detail::SourceNodeBase*>(it->second.source.get());
  current_ = &record;
  struct ClearCurrent {
    const RawRecord*& c;
    ~ClearCurrent() { c = nullptr; }
  } clear{current_};
  if (record.timestamp > streamTime_) streamTime_ = record.timestamp;
  state_.setCurrentTimestamp(record.timestamp);
  try {
    source->deserialize(record);
  } catch (const FatalStreamsError&) {
    throw;
  } catch (const std::exception& e) {
    handleError(record, e, true);
    return;
  }
  try {
    // Records keep the timestamp they were written with (as in Kafka Streams).
    source->forwardDeserialized(detail::RecordMeta{record.timestamp, record.headers});
  } catch (const FatalStreamsError&) {
    throw;
  } catch (const StoreException&) {
    throw;  // a store that cannot be written stops the thread
  } catch (const std::exception& e) {
    handleError(record, e, false);
    return;
  }
  metrics_.recordsProcessed++;
}

void GlobalStateUpdateTask::handleError(const RawRecord& r, const std::exception& e, bool deserialization) {
  (deserialization ? metrics_.deserializationErrors : metrics_.processingErrors)++;
  const std::string where = "global store update (topic=" + std::string(r.topic) +
                            ", partition=" + std::to_string(r.partition) + ", offset=" + std::to_string(r.offset) +
                            ")";
  const std::string what = (deserialization ? "Deserialization error in " : "Exception caught in ") + where + ": " +
                           e.what();
  const HandlerResponse response = deserialization ? config_.deserializationHandler : config_.processingHandler;
  if (response == HandlerResponse::FAIL) {
    KS_LOG(ERROR, what);
    throw FatalStreamsError(what + (deserialization ? ". The default.deserialization.exception.handler"
                                                    : ". The processing.exception.handler") +
                            " is logAndFail; set it to logAndContinue to skip such records");
  }
  metrics_.droppedRecords++;
  KS_LOG(WARN, what + " (skipped: logAndContinue)");
}

RecordContext GlobalStateUpdateTask::recordContext() const {
  RecordContext ctx;
  if (current_ != nullptr) {
    ctx.topic = current_->topic;
    ctx.partition = current_->partition;
    ctx.offset = current_->offset;
    ctx.timestamp = current_->timestamp;
    ctx.headers = current_->headers;
  }
  return ctx;
}

void GlobalStateUpdateTask::send(const std::string& topic, int32_t, const char*, size_t, const char*, size_t, int64_t,
                                 const Headers*) {
  throw StreamsException("a global store's processor cannot write to topic " + topic);
}

int32_t GlobalStateUpdateTask::partitionsFor(const std::string&) { return -1; }

std::string GlobalStateUpdateTask::internalTopicName(const std::string& name) const {
  return config_.applicationId + "-" + name;
}

KeyValueBytesStore* GlobalStateUpdateTask::getStateStore(const std::string& name) { return state_.store(name); }

KeyValueBytesStore* GlobalStateUpdateTask::getGlobalStore(const std::string& name) { return state_.store(name); }

WindowBytesStore* GlobalStateUpdateTask::getWindowStore(const std::string& name) {
  throw StreamsException("global stores are key-value stores; there is no global window store " + name);
}

SessionBytesStore* GlobalStateUpdateTask::getSessionStore(const std::string& name) {
  throw StreamsException("global stores are key-value stores; there is no global session store " + name);
}

bool GlobalStateUpdateTask::setFlushListener(const std::string&, detail::CacheFlushListener) { return false; }

void GlobalStateUpdateTask::recordDropped(const std::string& node, const std::string& reason) {
  metrics_.droppedRecords++;
  KS_LOG(DEBUG, "global store update node " + node + " dropped a record: " + reason);
}

std::shared_ptr<detail::Cancellable> GlobalStateUpdateTask::schedule(int64_t, detail::PunctuationKind,
                                                                     std::function<void(int64_t)>) {
  throw StreamsException("global store processors cannot schedule punctuations");
}

const StoreSpec& GlobalStateUpdateTask::storeSpec(const std::string& name) const {
  const GlobalStoreDef* g = def_.globalStore(name);
  if (g == nullptr) throw StreamsException("no global store " + name);
  return g->store;
}

// --------------------------------------------------------------- thread --

GlobalStreamThread::GlobalStreamThread(const TopologyDef& def, const StreamsConfigValues& config, Metrics& metrics,
                                       StateDirectory& directory, RocksDBResources* rocksdb,
                                       std::function<void(std::exception_ptr)> onError)
    : def_(def),
      config_(config),
      onError_(std::move(onError)),
      clientId_(config.clientId + "-GlobalStreamThread"),
      state_(def, config, directory, rocksdb),
      task_(def, config, metrics, state_, nullptr) {}

GlobalStreamThread::~GlobalStreamThread() {
  shutdown();
  join();
  try {
    state_.close();
  } catch (const std::exception& e) {
    KS_LOG(WARN, clientId_ + " closing the global stores failed: " + e.what());
  }
}

void GlobalStreamThread::start() {
  thread_ = std::thread([this] { run(); });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return initialized_; });
  if (startupError_) std::rethrow_exception(startupError_);
}

void GlobalStreamThread::shutdown() { shutdownRequested_ = true; }

void GlobalStreamThread::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void GlobalStreamThread::run() {
  disableRocksDBPerfCounters();
  KafkaHandle consumer;
  bool restored = false;
  std::exception_ptr error;
  try {
    consumer = createClient(RD_KAFKA_CONSUMER,
                            {
                                {"bootstrap.servers", config_.bootstrapServers},
                                {"client.id", clientId_ + "-global-consumer"},
                                // Never joined nor committed to: partitions are assigned.
                                {"group.id", config_.applicationId + "-global-consumer"},
                                {"enable.auto.commit", "false"},
                                {"enable.auto.offset.store", "false"},
                                {"enable.partition.eof", "true"},
                                {"auto.offset.reset", "earliest"},
                            },
                            config_.consumer);
    rd_kafka_poll_set_consumer(consumer.get());
    consumer_ = consumer.get();
    fetchWaker_ = std::make_unique<FetchWaker>(consumer_);
    state_.initialize();
    task_.initialize();
    restore();
    restored = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      initialized_ = true;
    }
    cv_.notify_all();

    std::vector<rd_kafka_message_t*> batch(kBatchSize);
    auto lastCheckpoint = Clock::now();
    PartitionOffsets checkpointed = positions_;  // restore() ended with a checkpoint
    const auto interval = std::chrono::milliseconds(config_.commitIntervalMs);
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer_);
    struct QueueGuard {
      rd_kafka_queue_t* q;
      ~QueueGuard() { rd_kafka_queue_destroy(q); }
    } guard{queue};
    while (!shutdownRequested_.load()) {
      fetchWaker_->maybeWake(queue, [this] { return anyPartitionBehind(); });
      const ssize_t got = rd_kafka_consume_batch_queue(queue, static_cast<int>(config_.pollMs), batch.data(),
                                                       batch.size());
      if (got < 0) throw StreamsException("Global consumer poll failed: " + kafkaErrorString(rd_kafka_last_error()));
      apply(batch, static_cast<size_t>(got));
      if (Clock::now() - lastCheckpoint >= interval) {
        if (positions_ != checkpointed) {  // nothing new: the files still match the checkpoint
          state_.checkpoint(positions_);
          checkpointed = positions_;
        }
        lastCheckpoint = Clock::now();
      }
    }
    state_.checkpoint(positions_);
  } catch (...) {
    error = std::current_exception();
  }
  fetchWaker_.reset();
  consumer_ = nullptr;
  if (consumer) {
    rd_kafka_consumer_close(consumer.get());
    consumer.reset();
  }
  finished_ = true;
  if (!restored) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      startupError_ = error;
      initialized_ = true;
    }
    cv_.notify_all();
    return;
  }
  if (error) {
    KS_LOG(ERROR, clientId_ + " died: " + whatOf(error));
    if (onError_) onError_(error);
  }
}

void GlobalStreamThread::restore() {
  const auto started = Clock::now();
  PartitionOffsets ends;
  PartitionList assignment(rd_kafka_topic_partition_list_new(8));
  for (const auto& g : def_.globalStores) {
    const rd_kafka_metadata_t* md = nullptr;
    TopicHandle topic(rd_kafka_topic_new(consumer_, g.topic.c_str(), nullptr));
    const rd_kafka_resp_err_t err = rd_kafka_metadata(consumer_, 0, topic.get(), &md, 30000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw StreamsException("Could not read the metadata of global table topic " + g.topic + ": " +
                             kafkaErrorString(err));
    }
    int32_t partitions = 0;
    rd_kafka_resp_err_t topicErr = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (md->topic_cnt == 1) {
      partitions = md->topics[0].partition_cnt;
      topicErr = md->topics[0].err;
    }
    rd_kafka_metadata_destroy(md);
    if (topicErr != RD_KAFKA_RESP_ERR_NO_ERROR || partitions <= 0) {
      throw MissingSourceTopicException("Global table topic " + g.topic + " (store " + g.store.name +
                                        ") does not exist. Create it before starting the application.");
    }
    // Read the end offsets first: a checkpoint past a partition's end (the topic
    // was recreated) or before its start (records were deleted) means the store
    // cannot be trusted.
    std::map<int32_t, std::pair<int64_t, int64_t>> watermarks;
    for (int32_t p = 0; p < partitions; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      const auto e = rd_kafka_query_watermark_offsets(consumer_, g.topic.c_str(), p, &low, &high, 30000);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw StreamsException("Could not read the end offset of global table topic " + g.topic + "-" +
                               std::to_string(p) + ": " + kafkaErrorString(e));
      }
      watermarks[p] = {low, high};
      const int64_t cp = state_.checkpointedOffset(g.store.name, g.topic, p);
      if (cp >= 0 && (cp > high || cp < low)) {
        KS_LOG(WARN, clientId_ + ": the checkpoint of global store " + g.store.name + " (" + g.topic + "-" +
                         std::to_string(p) + " at offset " + std::to_string(cp) + ") is outside the topic's offsets " +
                         std::to_string(low) + ".." + std::to_string(high) +
                         "; wiping the store and reading the topic from the beginning");
        state_.reset(g.store.name);
      }
    }
    for (const auto& [p, lh] : watermarks) {
      const int64_t cp = state_.checkpointedOffset(g.store.name, g.topic, p);
      const int64_t start = cp >= 0 ? cp : lh.first;
      rd_kafka_topic_partition_list_add(assignment.get(), g.topic.c_str(), p)->offset =
          cp >= 0 ? cp : RD_KAFKA_OFFSET_BEGINNING;
      positions_[{g.topic, p}] = start;
      ends[{g.topic, p}] = lh.second;
    }
  }
  if (auto err = rd_kafka_assign(consumer_, assignment.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw StreamsException("Could not assign the global table topics' partitions: " + kafkaErrorString(err));
  }
  {
    std::vector<std::pair<std::string, int32_t>> partitions;
    for (const auto& [tp, position] : positions_) partitions.emplace_back(tp.first, tp.second);
    fetchWaker_->setPartitions(std::move(partitions));
  }
  auto remaining = [&] {
    size_t n = 0;
    for (const auto& [tp, end] : ends) n += positions_[tp] < end ? 1 : 0;
    return n;
  };
  std::vector<rd_kafka_message_t*> batch(kBatchSize);
  size_t records = 0;
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer_);
  struct QueueGuard {
    rd_kafka_queue_t* q;
    ~QueueGuard() { rd_kafka_queue_destroy(q); }
  } guard{queue};
  while (remaining() > 0 && !shutdownRequested_.load()) {
    fetchWaker_->maybeWake(queue, [this] { return anyPartitionBehind(); });
    const ssize_t got = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    if (got < 0) throw StreamsException("Global consumer poll failed: " + kafkaErrorString(rd_kafka_last_error()));
    records += apply(batch, static_cast<size_t>(got));
  }
  state_.checkpoint(positions_);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  std::string stores;
  for (const auto& g : def_.globalStores) stores += (stores.empty() ? "" : ", ") + g.store.name;
  KS_LOG(INFO, clientId_ + " restored global stores (" + stores + "): " + std::to_string(records) + " records from " +
                   std::to_string(ends.size()) + " partitions in " + std::to_string(ms) + " ms");
}

bool GlobalStreamThread::anyPartitionBehind() const {
  for (const auto& [tp, position] : positions_) {
    int64_t low = 0;
    int64_t high = 0;
    // Cached from the last fetch response: no request to the broker.
    if (rd_kafka_get_watermark_offsets(consumer_, tp.first.c_str(), tp.second, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > position) {
      return true;
    }
  }
  return false;
}

size_t GlobalStreamThread::apply(std::vector<rd_kafka_message_t*>& batch, size_t n) {
  size_t applied = 0;
  struct Destroy {
    std::vector<rd_kafka_message_t*>& b;
    size_t n;
    ~Destroy() {
      for (size_t i = 0; i < n; ++i) rd_kafka_message_destroy(b[i]);
    }
  } destroy{batch, n};
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_message_t* m = batch[i];
    const std::string topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // The end of the partition: skipped offsets (transaction markers) are read.
      auto& pos = positions_[{topic, m->partition}];
      pos = std::max(pos, m->offset);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char reason[512];
      if (rd_kafka_fatal_error(consumer_, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw StreamsException(std::string("Fatal global consumer error: ") + reason);
      }
      KS_LOG(WARN, clientId_ + " consumer error: " + (topic.empty() ? "" : topic + ": ") + kafkaErrorString(m->err));
      continue;
    }
    RawRecord r;
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    rd_kafka_timestamp_type_t type;
    r.timestamp = rd_kafka_message_timestamp(m, &type);
    r.key = static_cast<const char*>(m->key);
    r.keySize = m->key_len;
    r.value = static_cast<const char*>(m->payload);
    r.valueSize = m->len;
    task_.update(r);
    positions_[{topic, m->partition}] = m->offset + 1;
    ++applied;
  }
  return applied;
}

}  // namespace kstreams::internal
