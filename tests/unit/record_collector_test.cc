// ProducerCollector's ordering rule: a changelog record is handed to the producer
// only after every output record sent before it is done. Nothing listens on the
// bootstrap port, so an output record is done only when its delivery fails
// (message.timeout.ms); no broker is needed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "src/kafka_clients.h"
#include "src/metrics.h"
#include "src/streams_config.h"

namespace kstreams::internal {
namespace {

StreamsConfigValues unreachable() {
  StreamsConfigValues c;
  c.applicationId = "collector-test";
  c.bootstrapServers = "127.0.0.1:1";
  c.clientId = "collector-test";
  c.productionHandler = HandlerResponse::CONTINUE;  // failed deliveries are dropped and counted
  c.producer = {{"message.timeout.ms", "300"}, {"log_level", "0"}};
  return c;
}

void send(ProducerCollector& collector, const std::string& topic, const std::string& value,
          int64_t* ackedOffset = nullptr) {
  collector.send(topic, 0, "k", 1, value.data(), value.size(), 1000, nullptr, ackedOffset);
}

/// Polls until no changelog record is held, for at most 10 s; returns the count left.
size_t pollUntilReleased(ProducerCollector& collector) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (collector.heldChangelogRecords() > 0 && std::chrono::steady_clock::now() < deadline) {
    collector.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return collector.heldChangelogRecords();
}

TEST(RecordCollectorTest, ChangelogRecordWithNoOutputPendingIsSentAtOnce) {
  const auto config = unreachable();
  Metrics metrics;
  ProducerCollector collector(config, metrics, "collector-test-producer");
  int64_t acked = -1;
  send(collector, "app-store-changelog", "v1", &acked);
  EXPECT_EQ(collector.heldChangelogRecords(), 0u);
}

TEST(RecordCollectorTest, ChangelogRecordWaitsForEarlierOutputRecords) {
  const auto config = unreachable();
  Metrics metrics;
  ProducerCollector collector(config, metrics, "collector-test-producer");
  int64_t acked = -1;
  send(collector, "out", "result");
  send(collector, "app-store-changelog", "v1", &acked);
  send(collector, "app-store-changelog", "v2", &acked);
  EXPECT_EQ(collector.heldChangelogRecords(), 2u);
  collector.poll();
  EXPECT_EQ(collector.heldChangelogRecords(), 2u) << "released before the output record was done";
  // The output record's delivery fails after message.timeout.ms: done, so the
  // changelog records go to the producer.
  EXPECT_EQ(pollUntilReleased(collector), 0u);
}

TEST(RecordCollectorTest, LaterOutputRecordsDoNotHoldBackAnEarlierChangelogRecord) {
  const auto config = unreachable();
  Metrics metrics;
  ProducerCollector collector(config, metrics, "collector-test-producer");
  int64_t acked = -1;
  send(collector, "out", "first");
  send(collector, "app-store-changelog", "v1", &acked);
  EXPECT_EQ(collector.heldChangelogRecords(), 1u);
  EXPECT_EQ(pollUntilReleased(collector), 0u);
  // A second output is pending; a changelog record sent before it is not held.
  send(collector, "app-store-changelog", "v2", &acked);
  send(collector, "out", "second");
  EXPECT_EQ(collector.heldChangelogRecords(), 0u);
  send(collector, "app-store-changelog", "v3", &acked);
  EXPECT_EQ(collector.heldChangelogRecords(), 1u);
}

TEST(RecordCollectorTest, FlushSendsHeldChangelogRecords) {
  const auto config = unreachable();
  Metrics metrics;
  ProducerCollector collector(config, metrics, "collector-test-producer");
  int64_t acked = -1;
  send(collector, "out", "result");
  send(collector, "app-store-changelog", "v1", &acked);
  EXPECT_EQ(collector.heldChangelogRecords(), 1u);
  collector.flush();  // every delivery fails (logAndContinue): nothing held afterwards
  EXPECT_EQ(collector.heldChangelogRecords(), 0u);
  EXPECT_EQ(metrics.productionErrors.load(), 2u) << "the output and the changelog record both failed";
}

}  // namespace
}  // namespace kstreams::internal
