// librdkafka handles wrapped once, in RAII types, and the one place where
// librdkafka error codes become kstreams exceptions and messages.
#pragma once

#include <librdkafka/rdkafka.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/metrics.h"
#include "src/record_collector.h"
#include "src/streams_config.h"

namespace kstreams::internal {

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct TopicHandleDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicHandleDeleter>;

/// "Local: Broker transport failure (_TRANSPORT)": the message and the code name.
std::string kafkaErrorString(rd_kafka_resp_err_t err);

using ConfigureFn = void (*)(rd_kafka_conf_t*, void*);

/// Creates a client with kstreams' defaults, then the user's settings, then
/// `configure` (callbacks). Throws StreamsException with librdkafka's reason.
KafkaHandle createClient(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& defaults,
                         const std::vector<std::pair<std::string, std::string>>& user,
                         ConfigureFn configure = nullptr, void* opaque = nullptr);

/// kstreams' default settings for the consumer, producer and admin clients.
std::vector<std::pair<std::string, std::string>> consumerDefaults(const StreamsConfigValues& c, const std::string& clientId);
std::vector<std::pair<std::string, std::string>> producerDefaults(const StreamsConfigValues& c, const std::string& clientId);
std::vector<std::pair<std::string, std::string>> adminDefaults(const StreamsConfigValues& c);

/// RecordCollector over a librdkafka producer: sends with a copy of the bytes,
/// collects delivery errors, and hands every error to the production handler.
///
/// A changelog record (one sent with an `ackedOffset`) goes to the producer only
/// once every output record sent before it is acknowledged (or failed): a store
/// change never becomes durable ahead of the output that processing made with
/// it. After a crash the store is restored to its changelog's end and the input
/// reprocessed from the last commit; were the change durable and the output lost
/// (an outer join's or a suppression's emit-once, whose changelog records that
/// it emitted), reprocessing would not emit it again. Changelog records wait in
/// order, in memory, for about one produce round trip. A store that keeps no
/// emit-once state (`afterOutputs` false) has its changelog records sent at once.
class ProducerCollector final : public RecordCollector {
 public:
  ProducerCollector(const StreamsConfigValues& config, Metrics& metrics, const std::string& clientId);
  ~ProducerCollector() override;

  void send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
            const char* value, size_t valueSize, int64_t timestamp, const Headers* headers,
            int64_t* ackedOffset = nullptr, bool afterOutputs = true) override;
  int32_t partitionsFor(const std::string& topic) override;
  /// Changelog records waiting for earlier output records.
  [[nodiscard]] size_t heldChangelogRecords() const { return held_.size(); }

  /// Serves delivery reports and sends the changelog records they released.
  void poll() {
    rd_kafka_poll(producer_.get(), 0);
    if (!held_.empty()) releaseHeld();
  }
  /// Waits for every sent record to be acknowledged; throws FatalStreamsError when
  /// one failed and the production handler is logAndFail.
  void flush();

 private:
  // A changelog record waiting for the output records sent before it.
  struct Held {
    rd_kafka_topic_t* topic;
    int32_t partition;
    std::string bytes;  // the key, then the value: one allocation
    size_t keySize;
    bool nullKey;
    bool nullValue;
    int64_t timestamp;
    rd_kafka_headers_t* headers;  // owned until sent
    int64_t* ackedOffset;
    uint64_t barrier;  // sent once every output with a lower sequence number is done
  };

  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque);
  void handleError(const std::string& topic, rd_kafka_resp_err_t err);
  rd_kafka_topic_t* topicHandle(const std::string& topic);
  /// rd_kafka_producev, waiting while the queue is full; false when it failed
  /// (handed to the production handler). Takes `headers` in every case.
  bool produce(rd_kafka_topic_t* rkt, int32_t partition, const char* key, size_t keySize, const char* value,
               size_t valueSize, int64_t timestamp, rd_kafka_headers_t* headers, void* opaque);
  /// Marks output `seq` done and advances the low-water mark.
  void outputDone(uint64_t seq);
  void releaseHeld();

  const StreamsConfigValues& config_;
  Metrics& metrics_;
  KafkaHandle producer_;
  std::unordered_map<std::string, TopicHandle> topics_;
  // Sinks pass the same string object for every record: remember the last one.
  const std::string* lastTopic_ = nullptr;
  rd_kafka_topic_t* lastTopicHandle_ = nullptr;
  std::unordered_map<std::string, int32_t> partitionCounts_;
  std::mutex errorsMutex_;
  std::vector<std::pair<std::string, rd_kafka_resp_err_t>> deliveryErrors_;
  // Output records carry sequence numbers; every one below doneBelow_ is done,
  // outputDone_[i] says whether doneBelow_ + i is.
  uint64_t nextSeq_ = 0;
  uint64_t doneBelow_ = 0;
  std::deque<bool> outputDone_;
  std::deque<Held> held_;
};

}  // namespace kstreams::internal
