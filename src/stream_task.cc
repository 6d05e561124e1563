#include "src/stream_task.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <optional>
#include <map>
#include <typeinfo>

#include "src/consumed_headers.h"
#include "src/log.h"

namespace kstreams::internal {

StreamTask::StreamTask(TaskId id, const TopologyDef& def, const std::vector<std::string>& topics,
                       TaskEnv env)
    : id_(id), env_(std::move(env)), def_(def) {
  if (!env_.wallClock) {
    env_.wallClock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  const auto& sub = def.subtopologies.at(static_cast<size_t>(id.subtopology));
  std::map<std::string, detail::Node*> byName;
  for (const auto& name : sub.nodes) {
    nodes_.push_back(def.node(name).factory());
    byName[name] = nodes_.back().get();
  }
  // Children in the order they were added: split() relies on it.
  for (const auto& name : sub.nodes) {
    for (const auto& child : def.node(name).children) byName.at(name)->addChild(byName.at(child));
  }
  for (const auto& topic : topics) {
    Queue q;
    q.topic = topic;
    for (const auto& name : sub.nodes) {
      const auto& n = def.node(name);
      if (n.kind != NodeKind::SOURCE) continue;
      for (const auto& t : n.topics) {
        const std::string full = n.internalTopic ? env_.config.applicationId + "-" + t : t;
        if (full == topic) q.source = static_cast<detail::SourceNodeBase*>(byName.at(name));
      }
    }
    if (q.source == nullptr) {
      throw StreamsException("task " + id.toString() + " has no source for topic " + topic);
    }
    queues_.push_back(std::move(q));
  }
  if (!sub.stores.empty()) {
    state_ = std::make_unique<ProcessorStateManager>(id.toString(), id.partition, def, sub.stores, env_.config,
                                                     env_.collector, env_.state);
  }
}

bool StreamTask::initializeStateStores() { return state_ ? state_->initialize() : true; }

void StreamTask::initializeTopology() {
  for (auto& n : nodes_) n->init(*this);
  running_ = true;
}

void StreamTask::flushState() {
  if (state_) state_->flush();
}

void StreamTask::checkpoint() {
  if (state_) state_->checkpoint();
}

void StreamTask::flushCaches() {
  if (state_) state_->flushCaches();
}

void StreamTask::maybeCheckpoint(bool enforce) {
  if (state_) state_->maybeCheckpoint(enforce);
}

KeyValueBytesStore* StreamTask::getStateStore(const std::string& name) {
  if (!state_) throw StreamsException("task " + id_.toString() + " has no state store " + name);
  return state_->store(name);
}

const Headers* StreamTask::flushHeaders() const { return state_ ? state_->currentHeaders() : nullptr; }

SessionBytesStore* StreamTask::getSessionStore(const std::string& name) {
  if (!state_) throw StreamsException("task " + id_.toString() + " has no state store " + name);
  return state_->sessionStore(name);
}

WindowBytesStore* StreamTask::getWindowStore(const std::string& name) {
  if (!state_) throw StreamsException("task " + id_.toString() + " has no state store " + name);
  return state_->windowStore(name);
}

KeyValueBytesStore* StreamTask::getGlobalStore(const std::string& name) {
  if (const auto& global = env_.state.globalStores) {
    if (auto it = global->find(name); it != global->end()) return it->second;
  }
  throw StreamsException("task " + id_.toString() + ": no global store " + name +
                         " (global stores come from builder.globalTable)");
}

bool StreamTask::setFlushListener(const std::string& store, detail::CacheFlushListener listener) {
  return state_ ? state_->setFlushListener(store, std::move(listener)) : false;
}

const StoreSpec& StreamTask::storeSpec(const std::string& name) const {
  auto it = def_.stores.find(name);
  if (it == def_.stores.end()) throw StreamsException("task " + id_.toString() + " has no state store " + name);
  return it->second;
}

std::shared_ptr<detail::Cancellable> StreamTask::schedule(int64_t intervalMs, detail::PunctuationKind kind,
                                                          std::function<void(int64_t)> punctuator) {
  auto p = std::make_shared<Punctuation>();
  p->interval = intervalMs;
  p->kind = kind;
  p->fn = std::move(punctuator);
  // Stream time: due as soon as stream time is known (Kafka Streams starts at 0);
  // wall-clock time: one interval from now.
  p->next = kind == detail::PunctuationKind::STREAM_TIME ? 0 : env_.wallClock() + intervalMs;
  punctuations_.push_back(p);
  return p;
}

bool StreamTask::punctuate(detail::PunctuationKind kind, int64_t now) {
  bool any = false;
  std::erase_if(punctuations_, [](const auto& p) { return p->cancelled; });
  // Punctuators may schedule more; iterate over a copy.
  auto due = punctuations_;
  for (auto& p : due) {
    if (p->cancelled || p->kind != kind || now < 0 || now < p->next) continue;
    p->next = now + p->interval;
    if (state_) state_->setCurrentTimestamp(now);
    p->fn(now);
    any = true;
  }
  return any;
}

bool StreamTask::maybePunctuateStreamTime() {
  return !punctuations_.empty() && punctuate(detail::PunctuationKind::STREAM_TIME, streamTime_);
}

bool StreamTask::maybePunctuateSystemTime() {
  return !punctuations_.empty() && punctuate(detail::PunctuationKind::WALL_CLOCK_TIME, env_.wallClock());
}

void StreamTask::recordDropped(const std::string& node, const std::string& reason) {
  env_.metrics.droppedRecords++;
  KS_LOG(DEBUG, "task " + id_.toString() + " node " + node + " dropped a record: " + reason);
}

StreamTask::~StreamTask() {
  state_.reset();
  for (auto& q : queues_) {
    q.records.forEach([](StampedRecord& r) { release(r); });
  }
}

void StreamTask::release(StampedRecord& r) {
  if (r.message != nullptr) {
    rd_kafka_message_destroy(r.message);
    r.message = nullptr;
  }
  r.owned.reset();
}

int StreamTask::queueIndex(const std::string& topic) const {
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (queues_[i].topic == topic) return static_cast<int>(i);
  }
  return -1;
}

size_t StreamTask::addRecord(int queue, StampedRecord record) {
  auto& q = queues_[static_cast<size_t>(queue)];
  try {
    record.timestamp = q.source->extractTimestamp(record.raw, q.partitionTime);
  } catch (...) {
    release(record);
    throw;
  }
  if (record.timestamp >= 0 && record.timestamp > q.partitionTime) q.partitionTime = record.timestamp;
  q.receivedOffset = std::max(q.receivedOffset, record.raw.offset + 1);
  q.records.push_back(std::move(record));
  return q.records.size();
}

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kPartitionTimeVersion = 2;

std::string base64Encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < in.size() ? kBase64[n & 63] : '=');
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view in) {
  std::string out;
  uint32_t n = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::strchr(kBase64, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    n = (n << 6) | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((n >> bits) & 0xff));
    }
  }
  return out;
}
}  // namespace

std::string encodePartitionTime(int64_t partitionTime) {
  std::string raw(1, static_cast<char>(kPartitionTimeVersion));
  for (int shift = 56; shift >= 0; shift -= 8) raw.push_back(static_cast<char>((partitionTime >> shift) & 0xff));
  return base64Encode(raw);
}

int64_t decodePartitionTime(std::string_view metadata) {
  if (metadata.empty()) return -1;
  auto raw = base64Decode(metadata);
  if (!raw || raw->size() < 9 || (raw->at(0) != 1 && raw->at(0) != 2)) return -1;
  uint64_t t = 0;
  for (size_t i = 1; i < 9; ++i) t = (t << 8) | static_cast<uint8_t>((*raw)[i]);
  return static_cast<int64_t>(t);
}

void StreamTask::initializePartitionTime(int queue, int64_t partitionTime) {
  if (partitionTime < 0) return;
  auto& q = queues_[static_cast<size_t>(queue)];
  q.partitionTime = std::max(q.partitionTime, partitionTime);
  q.processedTime = std::max(q.processedTime, partitionTime);
  streamTime_ = std::max(streamTime_, partitionTime);
}

void StreamTask::partitionEnd(int queue, int64_t offset) {
  auto& q = queues_[static_cast<size_t>(queue)];
  q.receivedOffset = std::max(q.receivedOffset, offset);
}

bool readyToProcess(int64_t maxTaskIdleMs, int64_t now, const std::vector<PartitionReadiness>& partitions,
                    std::vector<int64_t>& idleDeadlines, bool* enforced) {
  if (enforced != nullptr) *enforced = false;
  bool anyBuffered = false;
  for (const auto& p : partitions) anyBuffered = anyBuffered || p.buffered;
  if (maxTaskIdleMs < 0) return anyBuffered;
  idleDeadlines.resize(partitions.size(), -1);
  bool gaveUp = false;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& p = partitions[i];
    int64_t& deadline = idleDeadlines[i];
    if (p.buffered) {
      deadline = -1;
      continue;
    }
    if (p.lag != 0) {
      // Unknown, or records on the broker: wait for them to be fetched.
      deadline = -1;
      return false;
    }
    if (deadline < 0) deadline = now + maxTaskIdleMs;
    if (now < deadline) return false;
    gaveUp = true;
  }
  if (!anyBuffered) return false;
  if (enforced != nullptr) *enforced = gaveUp;
  return true;
}

bool StreamTask::readyToProcess(int64_t now, const std::function<int64_t(int queue)>& highWatermark) {
  // One input partition, or all buffered: nothing to wait for (the common case).
  bool allBuffered = true;
  bool anyBuffered = false;
  for (const auto& q : queues_) {
    allBuffered = allBuffered && !q.records.empty();
    anyBuffered = anyBuffered || !q.records.empty();
  }
  if (!anyBuffered) return false;
  if (allBuffered || env_.config.maxTaskIdleMs < 0) {
    for (auto& q : queues_) q.idleDeadline = -1;
    return true;
  }
  auto& partitions = readiness_;
  auto& deadlines = idleDeadlines_;
  partitions.assign(queues_.size(), PartitionReadiness{});
  deadlines.resize(queues_.size());
  for (size_t i = 0; i < queues_.size(); ++i) {
    const auto& q = queues_[i];
    partitions[i].buffered = !q.records.empty();
    deadlines[i] = q.idleDeadline;
    if (partitions[i].buffered) continue;
    const int64_t high = highWatermark(static_cast<int>(i));
    if (high >= 0 && q.receivedOffset >= 0) partitions[i].lag = std::max<int64_t>(0, high - q.receivedOffset);
  }
  bool enforced = false;
  const bool ready = internal::readyToProcess(env_.config.maxTaskIdleMs, now, partitions, deadlines, &enforced);
  for (size_t i = 0; i < queues_.size(); ++i) queues_[i].idleDeadline = deadlines[i];
  if (enforced) {
    KS_LOG(DEBUG, "task " + id_.toString() + " processes without waiting longer for its empty partitions "
                  "(max.task.idle.ms " + std::to_string(env_.config.maxTaskIdleMs) + " passed)");
  }
  return ready;
}

bool StreamTask::hasBuffered() const {
  for (const auto& q : queues_) {
    if (!q.records.empty()) return true;
  }
  return false;
}

void StreamTask::loadHeaders(const StampedRecord& r) {
  currentHeadersPtr_ = nullptr;
  if (r.owned) {
    if (!r.owned->headers.empty()) currentHeadersPtr_ = &r.owned->headers;
    return;
  }
  if (r.message == nullptr) return;
  rd_kafka_headers_t* hdrs = consumedHeaders(r.message);
  if (hdrs == nullptr) return;
  currentHeaders_.clear();
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    if (value == nullptr) {
      currentHeaders_.add(name, std::nullopt);
    } else {
      currentHeaders_.add(name, std::string(static_cast<const char*>(value), size));
    }
  }
  currentHeadersPtr_ = &currentHeaders_;
}

bool StreamTask::process() {
  // The buffered head with the smallest timestamp goes first (skipped ones at once).
  Queue* next = nullptr;
  for (auto& q : queues_) {
    if (q.records.empty()) continue;
    if (next == nullptr || q.records.front().timestamp < next->records.front().timestamp) next = &q;
  }
  if (next == nullptr) return false;
  StampedRecord record = std::move(next->records.front());
  next->records.pop_front();
  struct Release {
    StampedRecord& r;
    ~Release() { StreamTask::release(r); }
  } releaseAtEnd{record};
  next->nextOffset = record.raw.offset + 1;
  next->dirty = true;

  if (record.timestamp < 0) {
    env_.metrics.invalidTimestamps++;
    env_.metrics.droppedRecords++;
    KS_LOG(WARN, "Skipping record of " + std::string(record.raw.topic) + "-" +
                     std::to_string(record.raw.partition) + " offset " +
                     std::to_string(record.raw.offset) + ": invalid timestamp " +
                     std::to_string(record.timestamp) + " from the timestamp extractor");
    return true;
  }
  if (record.timestamp > streamTime_) streamTime_ = record.timestamp;
  if (record.timestamp > next->processedTime) next->processedTime = record.timestamp;
  current_ = &record;
  loadHeaders(record);
  record.raw.headers = currentHeadersPtr_;
  if (state_) {
    state_->setCurrentTimestamp(record.timestamp);
    state_->setCurrentHeaders(currentHeadersPtr_);
  }
  struct ClearCurrent {
    const StampedRecord*& c;
    ProcessorStateManager* state;
    ~ClearCurrent() {
      c = nullptr;
      if (state) state->setCurrentHeaders(nullptr);
    }
  } clearAtEnd{current_, state_.get()};

  try {
    next->source->deserialize(record.raw);
  } catch (const FatalStreamsError&) {
    throw;
  } catch (const std::exception& e) {
    handleDeserializationError(record, e);
    return true;
  }
  try {
    next->source->forwardDeserialized(detail::RecordMeta{record.timestamp, currentHeadersPtr_});
  } catch (const FatalStreamsError&) {
    throw;
  } catch (const std::exception& e) {
    handleProcessingError(record, e);
    return true;
  }
  env_.metrics.recordsProcessed++;
  if (!punctuations_.empty()) maybePunctuateStreamTime();
  return true;
}

namespace {
std::string describe(const StampedRecord& r) {
  return "topic=" + std::string(r.raw.topic) + ", partition=" + std::to_string(r.raw.partition) +
         ", offset=" + std::to_string(r.raw.offset);
}
std::string exceptionType(const std::exception& e) {
  if (dynamic_cast<const SerializationException*>(&e) != nullptr) return "kstreams::SerializationException";
  if (dynamic_cast<const StreamsException*>(&e) != nullptr) return "kstreams::StreamsException";
  return typeid(e).name();
}
}  // namespace

void StreamTask::sendToDeadLetterQueue(const StampedRecord& r, const std::string& type,
                                       const std::string& message) {
  const auto& topic = env_.config.deadLetterQueueTopic;
  if (topic.empty()) return;
  Headers headers;
  if (r.raw.headers != nullptr) headers = *r.raw.headers;
  // Header names of KIP-1034, so that tools written for Kafka Streams read them.
  headers.add("__streams.errors.exception", type);
  headers.add("__streams.errors.message", message);
  headers.add("__streams.errors.topic", std::string(r.raw.topic));
  headers.add("__streams.errors.partition", std::to_string(r.raw.partition));
  headers.add("__streams.errors.offset", std::to_string(r.raw.offset));
  env_.collector.send(topic, -1, r.raw.key, r.raw.keySize, r.raw.value, r.raw.valueSize,
                      r.raw.timestamp, &headers);
  env_.metrics.deadLetterRecords++;
}

void StreamTask::handleDeserializationError(const StampedRecord& r, const std::exception& e) {
  env_.metrics.deserializationErrors++;
  sendToDeadLetterQueue(r, exceptionType(e), e.what());
  const std::string what = "Deserialization error in task " + id_.toString() + " (" + describe(r) + "): " + e.what();
  if (env_.config.deserializationHandler == HandlerResponse::FAIL) {
    KS_LOG(ERROR, what);
    throw FatalStreamsError(what + ". The default.deserialization.exception.handler is logAndFail; "
                            "set it to logAndContinue (optionally with "
                            "errors.dead.letter.queue.topic.name) to skip such records");
  }
  env_.metrics.droppedRecords++;
  KS_LOG(WARN, what + " (skipped: logAndContinue)");
}

void StreamTask::handleProcessingError(const StampedRecord& r, const std::exception& e) {
  env_.metrics.processingErrors++;
  sendToDeadLetterQueue(r, exceptionType(e), e.what());
  const std::string what = "Exception caught in process, task " + id_.toString() + " (" + describe(r) + "): " + e.what();
  if (env_.config.processingHandler == HandlerResponse::FAIL) {
    KS_LOG(ERROR, what);
    throw FatalStreamsError(what + ". The processing.exception.handler is logAndFail; set it to "
                            "logAndContinue (optionally with errors.dead.letter.queue.topic.name) "
                            "to skip such records");
  }
  env_.metrics.droppedRecords++;
  KS_LOG(WARN, what + " (skipped: logAndContinue)");
}

std::vector<TopicPartitionOffset> StreamTask::takeCommittableOffsets() {
  std::vector<TopicPartitionOffset> out;
  for (auto& q : queues_) {
    if (!q.dirty) continue;
    out.push_back(TopicPartitionOffset{q.topic, id_.partition, q.nextOffset, q.processedTime});
    q.dirty = false;
  }
  return out;
}

void StreamTask::close(bool clean) {
  if (closed_) return;
  closed_ = true;
  if (state_) state_->close(clean && running_);
  if (running_) {
    for (auto& n : nodes_) n->close();
  }
  running_ = false;
}

RecordContext StreamTask::recordContext() const {
  RecordContext ctx;
  if (current_ != nullptr) {
    ctx.topic = current_->raw.topic;
    ctx.partition = current_->raw.partition;
    ctx.offset = current_->raw.offset;
    ctx.timestamp = current_->timestamp;
    ctx.headers = currentHeadersPtr_;
  }
  return ctx;
}

void StreamTask::send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
                      const char* value, size_t valueSize, int64_t timestamp, const Headers* headers) {
  env_.collector.send(topic, partition, key, keySize, value, valueSize, timestamp, headers);
  env_.metrics.recordsProduced++;
}

}  // namespace kstreams::internal
