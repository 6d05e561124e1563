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

/// A collector whose deliveries all fail after message.timeout.ms.
class RecordCollectorTest : public ::testing::Test {
 protected:
  void output(const std::string& value) { send("out", value, nullptr); }
  void changelog(const std::string& value, bool afterOutputs = true) {
    collector_.send("app-store-changelog", 0, "k", 1, value.data(), value.size(), 1000, nullptr, &acked_,
                    afterOutputs);
  }
  size_t held() const { return collector_.heldChangelogRecords(); }

  /// Polls until no changelog record is held, for at most 10 s; returns the count left.
  size_t pollUntilReleased() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (held() > 0 && std::chrono::steady_clock::now() < deadline) {
      collector_.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return held();
  }

  const StreamsConfigValues config_ = unreachable();
  Metrics metrics_;
  ProducerCollector collector_{config_, metrics_, "collector-test-producer"};

 private:
  void send(const std::string& topic, const std::string& value, int64_t* ackedOffset) {
    collector_.send(topic, 0, "k", 1, value.data(), value.size(), 1000, nullptr, ackedOffset);
  }
  int64_t acked_ = -1;
};

TEST_F(RecordCollectorTest, ChangelogRecordWithNoOutputPendingIsSentAtOnce) {
  changelog("v1");
  EXPECT_EQ(held(), 0u);
}

TEST_F(RecordCollectorTest, ChangelogRecordWaitsForEarlierOutputRecords) {
  output("result");
  changelog("v1");
  changelog("v2");
  EXPECT_EQ(held(), 2u);
  collector_.poll();
  EXPECT_EQ(held(), 2u) << "released before the output record was done";
  // The output record's delivery fails after message.timeout.ms: done, so the
  // changelog records go to the producer.
  EXPECT_EQ(pollUntilReleased(), 0u);
}

TEST_F(RecordCollectorTest, LaterOutputRecordsDoNotHoldBackAnEarlierChangelogRecord) {
  output("first");
  changelog("v1");
  EXPECT_EQ(held(), 1u);
  EXPECT_EQ(pollUntilReleased(), 0u);
  // A second output is pending; a changelog record sent before it is not held.
  changelog("v2");
  output("second");
  EXPECT_EQ(held(), 0u);
  changelog("v3");
  EXPECT_EQ(held(), 1u);
}

TEST_F(RecordCollectorTest, ChangelogRecordOfAStoreWithoutEmitOnceStateIsNeverHeld) {
  output("result");
  changelog("arrival", /*afterOutputs=*/false);
  EXPECT_EQ(held(), 0u) << "sent at once although an output record is pending";
  changelog("v1");  // a store that needs the order still waits
  EXPECT_EQ(held(), 1u);
  changelog("arrival2", /*afterOutputs=*/false);
  EXPECT_EQ(held(), 1u);
  EXPECT_EQ(pollUntilReleased(), 0u);
}

TEST_F(RecordCollectorTest, FlushSendsHeldChangelogRecords) {
  output("result");
  changelog("v1");
  EXPECT_EQ(held(), 1u);
  collector_.flush();  // every delivery fails (logAndContinue): nothing held afterwards
  EXPECT_EQ(held(), 0u);
  EXPECT_EQ(metrics_.productionErrors.load(), 2u) << "the output and the changelog record both failed";
}

}  // namespace
}  // namespace kstreams::internal
