#include "src/kafka_clients.h"

#include <chrono>
#include <thread>

#include "src/log.h"

namespace kstreams::internal {

std::string kafkaErrorString(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2str(err)) + " (" + rd_kafka_err2name(err) + ")";
}

namespace {

void logCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const std::string msg = std::string(rd_kafka_name(rk)) + " [" + fac + "] " + buf;
  if (level <= 3) {
    KS_LOG(ERROR, msg);
  } else if (level <= 4) {
    KS_LOG(WARN, msg);
  } else if (level <= 6) {
    KS_LOG(INFO, msg);
  } else {
    KS_LOG(DEBUG, msg);
  }
}

void errorCallback(rd_kafka_t* rk, int err, const char* reason, void*) {
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  // Transport errors come and go while brokers restart; librdkafka retries them.
  const bool transient = code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
  const std::string msg = std::string(rd_kafka_name(rk)) + ": " + kafkaErrorString(code) + ": " + reason;
  if (transient) {
    KS_LOG(DEBUG, msg);
  } else {
    KS_LOG(WARN, msg);
  }
}

}  // namespace

KafkaHandle createClient(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& defaults,
                         const std::vector<std::pair<std::string, std::string>>& user,
                         ConfigureFn configure, void* opaque) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto* list : {&defaults, &user}) {
    for (const auto& [k, v] : *list) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw ConfigException("librdkafka rejected " + k + "=" + v + ": " + err);
      }
    }
  }
  rd_kafka_conf_set_log_cb(conf, logCallback);
  rd_kafka_conf_set_error_cb(conf, errorCallback);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(conf, opaque);
  if (configure != nullptr) configure(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw StreamsException(std::string("Could not create a Kafka client: ") + err);
  }
  return KafkaHandle(rk);
}

std::vector<std::pair<std::string, std::string>> consumerDefaults(const StreamsConfigValues& c,
                                                                  const std::string& clientId) {
  return {
      {"bootstrap.servers", c.bootstrapServers},
      {"client.id", clientId},
      {"group.id", c.applicationId},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      // Co-partitioning: partition p of every topic of a sub-topology goes to the
      // same member only with the (eager) range assignor.
      {"partition.assignment.strategy", "range"},
      {"enable.partition.eof", "false"},
      // Small prefetch queues, so memory stays bounded: about 50,000 records or
      // 32 MiB ahead of processing. librdkafka before 2.3 stops fetching when
      // its queue is full and decides again only when its broker thread next
      // wakes (up to a second later); the stream thread's FetchWaker wakes it as
      // the queue drains, so the thread does not starve on small queues.
      {"queued.max.messages.kbytes", "32768"},
      {"queued.min.messages", "50000"},
      // librdkafka's 500 ms default made records wait: at 10,000 records/s the
      // end-to-end p50 of a passthrough was 130-270 ms with 500, 16 ms with 100
      // and 20 (p99 480, 65, 36 ms). The cost is an empty fetch per broker every
      // 20 ms when idle.
      {"fetch.wait.max.ms", "20"},
  };
}

std::vector<std::pair<std::string, std::string>> producerDefaults(const StreamsConfigValues& c,
                                                                  const std::string& clientId) {
  return {
      {"bootstrap.servers", c.bootstrapServers},
      {"client.id", clientId},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      // The Java producer's partitioner, so that keys land where Java clients put them.
      {"partitioner", "murmur2_random"},
      {"enable.idempotence", "false"},
  };
}

std::vector<std::pair<std::string, std::string>> adminDefaults(const StreamsConfigValues& c) {
  return {{"bootstrap.servers", c.bootstrapServers}, {"client.id", c.clientId + "-admin"}};
}

ProducerCollector::ProducerCollector(const StreamsConfigValues& config, Metrics& metrics,
                                     const std::string& clientId)
    : config_(config), metrics_(metrics) {
  producer_ = createClient(
      RD_KAFKA_PRODUCER, producerDefaults(config, clientId), config.producer,
      [](rd_kafka_conf_t* conf, void*) { rd_kafka_conf_set_dr_msg_cb(conf, &ProducerCollector::onDelivery); },
      this);
}

namespace {
// A message's opaque: a changelog record's acked-offset pointer (aligned, so
// even), or an output record's sequence number shifted left with the low bit set.
constexpr uintptr_t kOutputTag = 1;
}  // namespace

ProducerCollector::~ProducerCollector() {
  // Changelog records still held were made after the last commit: dropping them
  // is what a crash at this point would do, and the input is reprocessed.
  for (auto& h : held_) {
    if (h.headers != nullptr) rd_kafka_headers_destroy(h.headers);
  }
  held_.clear();
  lastTopicHandle_ = nullptr;
  topics_.clear();
  if (producer_) rd_kafka_flush(producer_.get(), 10000);
}

void ProducerCollector::onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  // Delivery reports are served on the stream thread (poll/flush), like the sends.
  auto* self = static_cast<ProducerCollector*>(opaque);
  const auto tag = reinterpret_cast<uintptr_t>(msg->_private);
  if ((tag & kOutputTag) != 0) {
    self->outputDone(static_cast<uint64_t>(tag >> 1));
  } else if (auto* acked = static_cast<int64_t*>(msg->_private);
             acked != nullptr && msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && msg->offset > *acked) {
    *acked = msg->offset;
  }
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  std::lock_guard<std::mutex> lock(self->errorsMutex_);
  self->deliveryErrors_.emplace_back(rd_kafka_topic_name(msg->rkt), msg->err);
}

void ProducerCollector::outputDone(uint64_t seq) {
  if (seq < doneBelow_) return;
  const uint64_t i = seq - doneBelow_;
  if (i >= outputDone_.size()) return;  // not one of ours
  outputDone_[i] = true;
  while (!outputDone_.empty() && outputDone_.front()) {
    outputDone_.pop_front();
    ++doneBelow_;
  }
}

void ProducerCollector::releaseHeld() {
  while (!held_.empty() && held_.front().barrier <= doneBelow_) {
    Held h = std::move(held_.front());
    held_.pop_front();
    const char* bytes = h.bytes.data();
    produce(h.topic, h.partition, h.nullKey ? nullptr : bytes, h.keySize, h.nullValue ? nullptr : bytes + h.keySize,
            h.bytes.size() - h.keySize, h.timestamp, h.headers, h.ackedOffset);
  }
}

rd_kafka_topic_t* ProducerCollector::topicHandle(const std::string& topic) {
  if (&topic == lastTopic_ && topic == rd_kafka_topic_name(lastTopicHandle_)) return lastTopicHandle_;
  auto it = topics_.find(topic);
  if (it != topics_.end()) {
    lastTopic_ = &topic;
    lastTopicHandle_ = it->second.get();
    return lastTopicHandle_;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer_.get(), topic.c_str(), nullptr);
  if (rkt == nullptr) {
    throw FatalStreamsError("Could not create a producer topic handle for " + topic + ": " +
                            kafkaErrorString(rd_kafka_last_error()));
  }
  topics_.emplace(topic, TopicHandle(rkt));
  lastTopic_ = &topic;
  lastTopicHandle_ = rkt;
  return rkt;
}

void ProducerCollector::send(const std::string& topic, int32_t partition, const char* key,
                             size_t keySize, const char* value, size_t valueSize, int64_t timestamp,
                             const Headers* headers, int64_t* ackedOffset, bool afterOutputs) {
  rd_kafka_topic_t* rkt = topicHandle(topic);
  rd_kafka_headers_t* hdrs = nullptr;
  if (headers != nullptr && !headers->empty()) {
    hdrs = rd_kafka_headers_new(headers->size());
    for (const auto& h : *headers) {
      rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
  }
  if (ackedOffset == nullptr) {
    // An output record: numbered, so that changelog records sent after it wait for it.
    const uint64_t seq = nextSeq_++;
    outputDone_.push_back(false);
    if (!produce(rkt, partition, key, keySize, value, valueSize, timestamp, hdrs,
                 reinterpret_cast<void*>(static_cast<uintptr_t>(seq << 1) | kOutputTag))) {
      outputDone(seq);
    }
    return;
  }
  if (!afterOutputs || (held_.empty() && doneBelow_ == nextSeq_)) {
    produce(rkt, partition, key, keySize, value, valueSize, timestamp, hdrs, ackedOffset);
    return;
  }
  if (key == nullptr) keySize = 0;
  if (value == nullptr) valueSize = 0;
  std::string bytes;
  bytes.reserve(keySize + valueSize);
  bytes.append(key != nullptr ? key : "", keySize).append(value != nullptr ? value : "", valueSize);
  held_.push_back(Held{rkt, partition, std::move(bytes), keySize, key == nullptr, value == nullptr, timestamp, hdrs,
                       ackedOffset, nextSeq_});
}

bool ProducerCollector::produce(rd_kafka_topic_t* rkt, int32_t partition, const char* key, size_t keySize,
                                const char* value, size_t valueSize, int64_t timestamp, rd_kafka_headers_t* headers,
                                void* opaque) {
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_RKT(rkt),
        RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(const_cast<char*>(key), keySize),
        RD_KAFKA_V_VALUE(const_cast<char*>(value), valueSize),
        RD_KAFKA_V_TIMESTAMP(timestamp < 0 ? 0 : timestamp), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // librdkafka owns the headers now
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 50);
      continue;
    }
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    handleError(rd_kafka_topic_name(rkt), err);
    return false;
  }
}

void ProducerCollector::handleError(const std::string& topic, rd_kafka_resp_err_t err) {
  metrics_.productionErrors++;
  const std::string what = "Error sending a record to topic " + topic + ": " + kafkaErrorString(err);
  if (config_.productionHandler == HandlerResponse::FAIL) {
    KS_LOG(ERROR, what);
    throw FatalStreamsError(what + ". The default.production.exception.handler is logAndFail; set "
                            "it to logAndContinue to drop records that cannot be written");
  }
  metrics_.droppedRecords++;
  KS_LOG(WARN, what + " (dropped: logAndContinue)");
}

void ProducerCollector::flush() {
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_flush(producer_.get(), 60000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Every output is done now: send the changelog records held for them, and wait for those.
      if (held_.empty()) break;
      releaseHeld();
      continue;
    }
    if (err != RD_KAFKA_RESP_ERR__TIMED_OUT) {
      throw FatalStreamsError("Producer flush failed: " + kafkaErrorString(err));
    }
    KS_LOG(WARN, "Producer flush still waiting after 60 s for " +
                     std::to_string(rd_kafka_outq_len(producer_.get())) + " records");
  }
  std::vector<std::pair<std::string, rd_kafka_resp_err_t>> errors;
  {
    std::lock_guard<std::mutex> lock(errorsMutex_);
    errors.swap(deliveryErrors_);
  }
  for (const auto& [topic, err] : errors) handleError(topic, err);
}

int32_t ProducerCollector::partitionsFor(const std::string& topic) {
  auto it = partitionCounts_.find(topic);
  if (it != partitionCounts_.end()) return it->second;
  const rd_kafka_metadata_t* md = nullptr;
  int32_t count = -1;
  if (rd_kafka_metadata(producer_.get(), 0, topicHandle(topic), &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  if (count > 0) partitionCounts_[topic] = count;
  return count;
}

}  // namespace kstreams::internal
