#include "kstreams/topology_test_driver.h"

#include <filesystem>
#include <map>
#include <stdlib.h>
#include <set>

#include "dsl/topology_def.h"
#include "src/global_stream_thread.h"
#include "src/metrics.h"
#include "src/record_collector.h"
#include "src/stream_task.h"
#include "src/streams_config.h"

namespace kstreams {
namespace internal {

class DriverImpl final : public RecordCollector {
 public:
  DriverImpl(const Topology& topology, const Properties& props, int64_t wallClock)
      : topology_(topology), def_(topology.definition()), config_(parseConfig(props, true)), wallClock_(wallClock) {
    // Stores live in a fresh directory of their own, removed with the driver.
    std::string base = (std::filesystem::temp_directory_path() / "kstreams-test-driver-XXXXXX").string();
    if (mkdtemp(base.data()) == nullptr) throw StreamsException("TopologyTestDriver: cannot create a state directory");
    stateDir_ = base;
    directory_ = std::make_unique<StateDirectory>(stateDir_, config_.applicationId);
    rocksdb_ = std::make_unique<RocksDBResources>(config_.rocksdbMemoryBytes);
    cache_ = std::make_shared<CacheBudget>(static_cast<size_t>(config_.cacheMaxBytes));
    if (!def_.globalStores.empty()) {
      // Global stores are open before any task, which reads them from init() on.
      globalState_ = std::make_unique<GlobalStateManager>(def_, config_, *directory_, rocksdb_.get());
      globalState_->initialize();
      globalTask_ = std::make_unique<GlobalStateUpdateTask>(def_, config_, metrics_, *globalState_,
                                                            [this] { return wallClock_; });
      globalTask_->initialize();
    }
    for (const auto& sub : def_.subtopologies) {
      for (const auto& t : sub.sourceTopics) {
        const bool internal = sub.internalSourceTopics.count(t) != 0;
        topicToSub_[internal ? config_.applicationId + "-" + t : t] = sub.id;
      }
    }
    // Every task exists from the start, as in Kafka Streams' driver (wall-clock
    // punctuations scheduled in init() count from the initial time).
    for (const auto& sub : def_.subtopologies) taskFor(sub.id);
  }

  // RecordCollector: internal topics and topics the topology reads are fed back;
  // everything is also kept for output topics.
  void send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
            const char* value, size_t valueSize, int64_t timestamp, const Headers* headers,
            int64_t* ackedOffset, bool /*afterOutputs*/) override {
    const int64_t offset = producedOffset_[topic]++;
    if (ackedOffset != nullptr) *ackedOffset = offset;
    ProducedBytes b;
    if (key != nullptr) b.key = std::string(key, keySize);
    if (value != nullptr) b.value = std::string(value, valueSize);
    b.timestamp = timestamp;
    b.partition = partition;
    if (headers != nullptr) b.headers = *headers;
    if (topicToSub_.count(topic) != 0 || isGlobalTopic(topic)) pending_.push_back({topic, b});
    outputs_[topic].push_back(std::move(b));
  }
  int32_t partitionsFor(const std::string&) override { return 1; }

  void pipe(const std::string& topic, const std::optional<std::string>& key,
            const std::optional<std::string>& value, int64_t timestamp, const Headers& headers) {
    enqueue(topic, key, value, timestamp, headers);
    drain();
    // Like Kafka Streams' driver, commit after every input record: caches flush
    // and what they forward is processed too.
    for (;;) {
      for (auto& [id, task] : tasks_) {
        task->flushState();
        task->checkpoint();
      }
      if (pending_.empty() && !anyBuffered()) break;
      drain();
    }
  }

  void punctuateWallClock() {
    // Tasks of every sub-topology exist from the start in Kafka Streams' driver;
    // here a task exists once its topics got a record or it was created below.
    for (const auto& sub : def_.subtopologies) taskFor(sub.id);
    for (auto& [id, task] : tasks_) task->maybePunctuateSystemTime();
    drain();
    for (auto& [id, task] : tasks_) {
      task->flushState();
      task->checkpoint();
    }
    drain();
  }

  bool anyBuffered() {
    for (auto& [id, task] : tasks_) {
      if (task->hasBuffered()) return true;
    }
    return false;
  }

  ~DriverImpl() override {
    for (auto& [id, task] : tasks_) task->close(false);
    tasks_.clear();
    globalTask_.reset();
    globalState_.reset();
    std::error_code ec;
    std::filesystem::remove_all(stateDir_, ec);
  }

  void enqueue(const std::string& topic, const std::optional<std::string>& key,
               const std::optional<std::string>& value, int64_t timestamp, const Headers& headers) {
    if (isGlobalTopic(topic)) {
      // The global thread's work, done at once: later records see the update.
      RawRecord r;
      r.topic = topic;
      r.partition = 0;
      r.offset = nextOffset_[topic]++;
      r.timestamp = timestamp;
      r.key = key ? key->data() : nullptr;
      r.keySize = key ? key->size() : 0;
      r.value = value ? value->data() : nullptr;
      r.valueSize = value ? value->size() : 0;
      r.headers = headers.empty() ? nullptr : &headers;
      globalTask_->update(r);
      return;
    }
    auto it = topicToSub_.find(topic);
    if (it == topicToSub_.end()) {
      throw StreamsException("Unknown topic: " + topic + " is not read by the topology");
    }
    StreamTask& task = taskFor(it->second);
    auto owned = std::make_shared<OwnedRecord>();
    owned->topic = topic;
    owned->key = key;
    owned->value = value;
    owned->headers = headers;
    StampedRecord r;
    r.raw.topic = owned->topic;
    r.raw.partition = 0;
    r.raw.offset = nextOffset_[topic]++;
    r.raw.timestamp = timestamp;
    r.raw.key = owned->key ? owned->key->data() : nullptr;
    r.raw.keySize = owned->key ? owned->key->size() : 0;
    r.raw.value = owned->value ? owned->value->data() : nullptr;
    r.raw.valueSize = owned->value ? owned->value->size() : 0;
    r.owned = std::move(owned);
    task.addRecord(task.queueIndex(topic), std::move(r));
  }

  void drain() {
    for (;;) {
      bool any = false;
      for (auto& [id, task] : tasks_) {
        while (task->process()) any = true;
      }
      if (!pending_.empty()) {
        auto pending = std::move(pending_);
        pending_.clear();
        for (auto& [topic, b] : pending) enqueue(topic, b.key, b.value, b.timestamp, b.headers);
        any = true;
      }
      if (!any) break;
    }
  }

  StreamTask& taskFor(int sub) {
    auto it = tasks_.find(sub);
    if (it != tasks_.end()) return *it->second;
    std::vector<std::string> topics;
    for (const auto& [topic, s] : topicToSub_) {
      if (s == sub) topics.push_back(topic);
    }
    auto task = std::make_unique<StreamTask>(TaskId{sub, 0}, def_, topics,
                                             TaskEnv{config_, *this, metrics_, StateServices{directory_.get(), rocksdb_.get(), cache_,
                                                                                             globalState_ ? globalState_->stores() : nullptr},
                                                     [this] { return wallClock_; }});
    if (!task->initializeStateStores()) {
      throw StreamsException("TopologyTestDriver: the state directory of task " + task->id().toString() + " is locked");
    }
    task->initializeTopology();
    return *tasks_.emplace(sub, std::move(task)).first->second;
  }

  [[nodiscard]] bool isGlobalTopic(const std::string& topic) const {
    return globalTask_ && globalTask_->isGlobalTopic(topic);
  }

  Topology topology_;
  const TopologyDef& def_;
  StreamsConfigValues config_;
  Metrics metrics_;
  int64_t wallClock_;
  std::map<std::string, int> topicToSub_;
  std::map<int, std::unique_ptr<StreamTask>> tasks_;  // destroyed before the services below
  std::map<std::string, std::deque<ProducedBytes>> outputs_;
  std::map<std::string, int64_t> nextOffset_;
  std::vector<std::pair<std::string, ProducedBytes>> pending_;
  std::map<std::string, int64_t> producedOffset_;
  std::string stateDir_;
  std::unique_ptr<StateDirectory> directory_;
  std::unique_ptr<RocksDBResources> rocksdb_;
  std::shared_ptr<CacheBudget> cache_;
  std::unique_ptr<GlobalStateManager> globalState_;  // after directory_: closed before it
  std::unique_ptr<GlobalStateUpdateTask> globalTask_;
};

}  // namespace internal

TopologyTestDriver::TopologyTestDriver(const Topology& topology, const Properties& config,
                                       int64_t initialWallClockTimeMs)
    : impl_(std::make_unique<internal::DriverImpl>(topology, config, initialWallClockTimeMs)) {}

TopologyTestDriver::~TopologyTestDriver() = default;

void TopologyTestDriver::advanceWallClockTime(std::chrono::milliseconds advance) {
  impl_->wallClock_ += advance.count();
  impl_->punctuateWallClock();
}

int64_t TopologyTestDriver::wallClockTimeMs() const { return impl_->wallClock_; }

std::map<std::string, double> TopologyTestDriver::metrics() const { return impl_->metrics_.snapshot(); }

std::vector<std::string> TopologyTestDriver::producedTopicNames() const {
  std::vector<std::string> out;
  for (const auto& [t, _] : impl_->outputs_) out.push_back(t);
  return out;
}

void TopologyTestDriver::pipeBytes(const std::string& topic, const std::optional<std::string>& key,
                                   const std::optional<std::string>& value, int64_t timestamp,
                                   const Headers& headers) {
  impl_->pipe(topic, key, value, timestamp, headers);
}

std::deque<ProducedBytes>& TopologyTestDriver::outputQueue(const std::string& topic) {
  return impl_->outputs_[topic];
}

size_t TopologyTestDriver::outputSize(const std::string& topic) const {
  auto it = impl_->outputs_.find(topic);
  return it == impl_->outputs_.end() ? 0 : it->second.size();
}

void TopologyTestDriver::requireSerdes(const std::string& topic, bool hasKey, bool hasValue) const {
  if (!hasKey || !hasValue) {
    throw TopologyException("test topic " + topic + " has no " + (hasKey ? "value" : "key") +
                            " serde for its type: pass serdes to createInputTopic/createOutputTopic");
  }
}

void TopologyTestDriver::requireInputTopic(const std::string& topic) const {
  if (impl_->topicToSub_.count(topic) == 0 && !impl_->isGlobalTopic(topic)) {
    throw StreamsException("Unknown topic: " + topic + " is not read by the topology");
  }
}

}  // namespace kstreams
