// TopologyTestDriver: runs a topology without a broker, through the same task
// and processor code as production. Records piped into input topics are
// processed at once; what sinks write is read from output topics. Records written
// to internal (repartition) topics, or to any topic the topology itself reads, are
// fed back in, as a broker would.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kstreams/config.h"
#include "kstreams/errors.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/topology.h"

namespace kstreams {

namespace internal {
class DriverImpl;
}

/// A record read from (or piped into) a test topic.
template <class K, class V>
struct TestRecord {
  K key{};
  V value{};
  int64_t timestamp = 0;
  Headers headers;
  bool operator==(const TestRecord&) const = default;
};

/// Bytes of a record the topology wrote.
struct ProducedBytes {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  int32_t partition = -1;
  Headers headers;
};

class TopologyTestDriver;

template <class K, class V>
class TestInputTopic {
 public:
  TestInputTopic(TopologyTestDriver* driver, std::string topic, SerdePtr<K> ks, SerdePtr<V> vs,
                 int64_t startTimestamp, int64_t autoAdvanceMs)
      : driver_(driver),
        topic_(std::move(topic)),
        keySerde_(std::move(ks)),
        valueSerde_(std::move(vs)),
        currentTime_(startTimestamp),
        autoAdvanceMs_(autoAdvanceMs) {}

  void pipeInput(const K& key, const V& value, int64_t timestamp, const Headers& headers = {});
  void pipeInput(const K& key, const V& value) { pipeInput(key, value, nextTimestamp()); }
  /// A record with a null key.
  void pipeInput(const V& value) { pipeNullKey(value, nextTimestamp()); }
  void pipeValueList(const std::vector<V>& values) {
    for (const auto& v : values) pipeInput(v);
  }
  void pipeKeyValueList(const std::vector<KeyValue<K, V>>& records) {
    for (const auto& kv : records) pipeInput(kv.key, kv.value);
  }
  void pipeRecord(const TestRecord<K, V>& r) { pipeInput(r.key, r.value, r.timestamp, r.headers); }
  /// Moves the time that records without a timestamp get.
  void advanceTime(std::chrono::milliseconds d) { currentTime_ += d.count(); }

 private:
  int64_t nextTimestamp() {
    const int64_t t = currentTime_;
    currentTime_ += autoAdvanceMs_;
    return t;
  }
  void pipeNullKey(const V& value, int64_t timestamp);

  TopologyTestDriver* driver_;
  std::string topic_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  int64_t currentTime_;
  int64_t autoAdvanceMs_;
};

template <class K, class V>
class TestOutputTopic {
 public:
  TestOutputTopic(TopologyTestDriver* driver, std::string topic, SerdePtr<K> ks, SerdePtr<V> vs)
      : driver_(driver), topic_(std::move(topic)), keySerde_(std::move(ks)), valueSerde_(std::move(vs)) {}

  TestRecord<K, V> readRecord();
  V readValue() { return readRecord().value; }
  KeyValue<K, V> readKeyValue() {
    auto r = readRecord();
    return KeyValue<K, V>{std::move(r.key), std::move(r.value)};
  }
  std::vector<V> readValuesToList() {
    std::vector<V> out;
    while (!isEmpty()) out.push_back(readValue());
    return out;
  }
  std::vector<KeyValue<K, V>> readKeyValuesToList() {
    std::vector<KeyValue<K, V>> out;
    while (!isEmpty()) out.push_back(readKeyValue());
    return out;
  }
  /// The last value per key (a table's view of the topic).
  std::map<K, V> readKeyValuesToMap() {
    std::map<K, V> out;
    while (!isEmpty()) {
      auto kv = readKeyValue();
      out.insert_or_assign(std::move(kv.key), std::move(kv.value));
    }
    return out;
  }
  std::vector<TestRecord<K, V>> readRecordsToList() {
    std::vector<TestRecord<K, V>> out;
    while (!isEmpty()) out.push_back(readRecord());
    return out;
  }
  [[nodiscard]] bool isEmpty() const;
  [[nodiscard]] size_t getQueueSize() const;

 private:
  TopologyTestDriver* driver_;
  std::string topic_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
};

class TopologyTestDriver {
 public:
  /// Config keys as for KafkaStreams; application.id and bootstrap.servers are optional.
  explicit TopologyTestDriver(const Topology& topology, const Properties& config = {},
                              int64_t initialWallClockTimeMs = 0);
  ~TopologyTestDriver();
  TopologyTestDriver(const TopologyTestDriver&) = delete;
  TopologyTestDriver& operator=(const TopologyTestDriver&) = delete;

  template <class K, class V>
  TestInputTopic<K, V> createInputTopic(const std::string& topic,
                                        SerdePtr<K> keySerde = DefaultSerde<K>::get(),
                                        SerdePtr<V> valueSerde = DefaultSerde<V>::get(),
                                        int64_t startTimestamp = 0, int64_t autoAdvanceMs = 0) {
    requireSerdes(topic, keySerde != nullptr, valueSerde != nullptr);
    requireInputTopic(topic);
    return TestInputTopic<K, V>(this, topic, std::move(keySerde), std::move(valueSerde),
                                startTimestamp, autoAdvanceMs);
  }

  template <class K, class V>
  TestOutputTopic<K, V> createOutputTopic(const std::string& topic,
                                          SerdePtr<K> keySerde = DefaultSerde<K>::get(),
                                          SerdePtr<V> valueSerde = DefaultSerde<V>::get()) {
    requireSerdes(topic, keySerde != nullptr, valueSerde != nullptr);
    return TestOutputTopic<K, V>(this, topic, std::move(keySerde), std::move(valueSerde));
  }

  void advanceWallClockTime(std::chrono::milliseconds advance);
  [[nodiscard]] int64_t wallClockTimeMs() const;
  /// The same counters KafkaStreams::metrics() reports.
  [[nodiscard]] std::map<std::string, double> metrics() const;
  /// Names of the topics the topology has written to.
  [[nodiscard]] std::vector<std::string> producedTopicNames() const;

  // Byte-level access, used by the typed topics.
  void pipeBytes(const std::string& topic, const std::optional<std::string>& key,
                 const std::optional<std::string>& value, int64_t timestamp, const Headers& headers);
  std::deque<ProducedBytes>& outputQueue(const std::string& topic);
  [[nodiscard]] size_t outputSize(const std::string& topic) const;

 private:
  void requireSerdes(const std::string& topic, bool hasKey, bool hasValue) const;
  void requireInputTopic(const std::string& topic) const;
  std::unique_ptr<internal::DriverImpl> impl_;
};

template <class K, class V>
void TestInputTopic<K, V>::pipeInput(const K& key, const V& value, int64_t timestamp,
                                     const Headers& headers) {
  driver_->pipeBytes(topic_, keySerde_->serialize(key), valueSerde_->serialize(value), timestamp,
                     headers);
}

template <class K, class V>
void TestInputTopic<K, V>::pipeNullKey(const V& value, int64_t timestamp) {
  driver_->pipeBytes(topic_, std::nullopt, valueSerde_->serialize(value), timestamp, {});
}

template <class K, class V>
TestRecord<K, V> TestOutputTopic<K, V>::readRecord() {
  auto& q = driver_->outputQueue(topic_);
  if (q.empty()) throw StreamsException("Output topic " + topic_ + " has no record to read");
  ProducedBytes b = std::move(q.front());
  q.pop_front();
  TestRecord<K, V> r;
  r.key = keySerde_->deserialize(b.key ? std::optional<std::string_view>(*b.key) : std::nullopt);
  r.value = valueSerde_->deserialize(b.value ? std::optional<std::string_view>(*b.value) : std::nullopt);
  r.timestamp = b.timestamp;
  r.headers = std::move(b.headers);
  return r;
}

template <class K, class V>
bool TestOutputTopic<K, V>::isEmpty() const {
  return driver_->outputSize(topic_) == 0;
}

template <class K, class V>
size_t TestOutputTopic<K, V>::getQueueSize() const {
  return driver_->outputSize(topic_);
}

}  // namespace kstreams
