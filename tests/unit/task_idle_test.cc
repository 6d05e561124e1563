// StreamTask's time keeping: when a task with several input partitions may
// process (max.task.idle.ms), and partition time committed with offsets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>

#include <string>
#include <vector>

#include "src/stream_task.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr PartitionReadiness kBuffered{true, -1};
constexpr PartitionReadiness kEmptyUnknownLag{false, -1};
constexpr PartitionReadiness kEmptyLagging{false, 3};
constexpr PartitionReadiness kEmptyCaughtUp{false, 0};

TEST(ReadyToProcessTest, AllPartitionsBufferedIsReady) {
  std::vector<int64_t> deadlines;
  bool enforced = true;
  EXPECT_TRUE(readyToProcess(0, 1000, {kBuffered, kBuffered}, deadlines, &enforced));
  EXPECT_FALSE(enforced);
}

TEST(ReadyToProcessTest, AnEmptyPartitionWithRecordsOnTheBrokerOrUnknownLagIsWaitedFor) {
  for (int64_t idle : {0, 100}) {
    std::vector<int64_t> deadlines;
    EXPECT_FALSE(readyToProcess(idle, 1000, {kBuffered, kEmptyLagging}, deadlines)) << idle;
    EXPECT_FALSE(readyToProcess(idle, 1000, {kBuffered, kEmptyUnknownLag}, deadlines)) << idle;
    // However long: the records are fetched eventually (Kafka Streams' rule).
    EXPECT_FALSE(readyToProcess(idle, 1000000, {kBuffered, kEmptyLagging}, deadlines)) << idle;
  }
}

TEST(ReadyToProcessTest, WithZeroIdleACaughtUpEmptyPartitionDoesNotHoldProcessingBack) {
  std::vector<int64_t> deadlines;
  bool enforced = false;
  EXPECT_TRUE(readyToProcess(0, 1000, {kBuffered, kEmptyCaughtUp}, deadlines, &enforced));
  EXPECT_TRUE(enforced);
}

TEST(ReadyToProcessTest, ACaughtUpEmptyPartitionIsWaitedForUpToMaxTaskIdleFromWhenItWasFirstSeen) {
  std::vector<int64_t> deadlines;
  EXPECT_FALSE(readyToProcess(100, 1000, {kBuffered, kEmptyCaughtUp}, deadlines));
  EXPECT_THAT(deadlines, ElementsAre(-1, 1100));
  EXPECT_FALSE(readyToProcess(100, 1099, {kBuffered, kEmptyCaughtUp}, deadlines));
  bool enforced = false;
  EXPECT_TRUE(readyToProcess(100, 1100, {kBuffered, kEmptyCaughtUp}, deadlines, &enforced));
  EXPECT_TRUE(enforced);
}

TEST(ReadyToProcessTest, RecordsArrivingForTheWaitedPartitionResetItsDeadline) {
  std::vector<int64_t> deadlines;
  EXPECT_FALSE(readyToProcess(100, 1000, {kBuffered, kEmptyCaughtUp}, deadlines));
  EXPECT_TRUE(readyToProcess(100, 1050, {kBuffered, kBuffered}, deadlines));
  EXPECT_THAT(deadlines, ElementsAre(-1, -1));
  // Empty again at 1080: a new wait of 100 ms.
  EXPECT_FALSE(readyToProcess(100, 1080, {kBuffered, kEmptyCaughtUp}, deadlines));
  EXPECT_FALSE(readyToProcess(100, 1150, {kBuffered, kEmptyCaughtUp}, deadlines));
  EXPECT_TRUE(readyToProcess(100, 1180, {kBuffered, kEmptyCaughtUp}, deadlines));
}

TEST(ReadyToProcessTest, NothingBufferedIsNeverReady) {
  std::vector<int64_t> deadlines;
  EXPECT_FALSE(readyToProcess(0, 1000, {kEmptyCaughtUp, kEmptyCaughtUp}, deadlines));
  EXPECT_FALSE(readyToProcess(-1, 1000, {kEmptyCaughtUp, kEmptyCaughtUp}, deadlines));
}

TEST(ReadyToProcessTest, MinusOneProcessesWhateverIsBuffered) {
  std::vector<int64_t> deadlines;
  EXPECT_TRUE(readyToProcess(-1, 1000, {kBuffered, kEmptyLagging}, deadlines));
  EXPECT_TRUE(readyToProcess(-1, 1000, {kEmptyUnknownLag, kBuffered}, deadlines));
}

TEST(MaxTaskIdleConfigTest, DefaultsToZeroAndRejectsValuesBelowMinusOne) {
  EXPECT_EQ(parseConfig({}, true).maxTaskIdleMs, 0);
  EXPECT_EQ(parseConfig({{"max.task.idle.ms", "-1"}}, true).maxTaskIdleMs, -1);
  EXPECT_EQ(parseConfig({{"max.task.idle.ms", "250"}}, true).maxTaskIdleMs, 250);
  try {
    parseConfig({{"max.task.idle.ms", "-2"}}, true);
    FAIL() << "expected ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_THAT(e.what(), HasSubstr("max.task.idle.ms"));
    EXPECT_THAT(e.what(), HasSubstr("-1 to never wait"));
  }
}

// A StreamTask reading two topics (a merge) asks readyToProcess with the lag of
// each empty partition: its high watermark minus the offset after the last
// record received (or the end-of-partition offset).
class TwoInputTaskTest : public ::testing::Test {
 protected:
  struct Collector final : RecordCollector {
    std::vector<std::string> values;
    void send(const std::string&, int32_t, const char*, size_t, const char* value, size_t valueSize, int64_t,
              const Headers*, int64_t*, bool) override {
      values.emplace_back(value, valueSize);
    }
    int32_t partitionsFor(const std::string&) override { return 1; }
  };

  explicit TwoInputTaskTest(int64_t idleMs = 0) {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("left")
        .merge(builder.stream<std::string, std::string>("right"))
        .to("out");
    topology_ = std::make_unique<Topology>(builder.build());
    config_ = parseConfig({{"max.task.idle.ms", std::to_string(idleMs)}}, true);
    task_ = std::make_unique<StreamTask>(TaskId{0, 0}, topology_->definition(),
                                         std::vector<std::string>{"left", "right"},
                                         TaskEnv{config_, collector_, metrics_, StateServices{}, [] { return 0; }});
    task_->initializeTopology();
  }
  ~TwoInputTaskTest() override { task_->close(false); }

  void add(const std::string& topic, int64_t offset, const std::string& value, int64_t timestamp) {
    auto owned = std::make_shared<OwnedRecord>();
    owned->topic = topic;
    owned->value = value;
    StampedRecord r;
    r.raw.topic = owned->topic;
    r.raw.offset = offset;
    r.raw.timestamp = timestamp;
    r.raw.value = owned->value->data();
    r.raw.valueSize = owned->value->size();
    r.owned = std::move(owned);
    task_->addRecord(task_->queueIndex(topic), std::move(r));
  }
  /// Processes while the task is ready, with these high watermarks.
  void run(int64_t now, int64_t leftHigh, int64_t rightHigh) {
    auto high = [&](int queue) { return task_->queueTopic(queue) == "left" ? leftHigh : rightHigh; };
    while (task_->readyToProcess(now, high) && task_->process()) {
    }
  }

  std::unique_ptr<Topology> topology_;
  StreamsConfigValues config_;
  Collector collector_;
  Metrics metrics_;
  std::unique_ptr<StreamTask> task_;
};

TEST_F(TwoInputTaskTest, WaitsForTheLaggingPartitionThenProcessesInTimestampOrder) {
  add("left", 0, "l@30", 30);
  add("left", 1, "l@40", 40);
  run(0, 2, 1);  // right: nothing received yet, lag unknown
  EXPECT_TRUE(collector_.values.empty());
  add("right", 0, "r@10", 10);
  run(0, 2, 2);  // right has one more on the broker
  EXPECT_THAT(collector_.values, ElementsAre("r@10"));
  add("right", 1, "r@35", 35);
  run(0, 2, 2);
  // left is empty and caught up (received up to its high watermark): no wait at 0.
  EXPECT_THAT(collector_.values, ElementsAre("r@10", "l@30", "r@35", "l@40"));
}

TEST_F(TwoInputTaskTest, AnEndOfPartitionMakesAnEmptyPartitionCaughtUp) {
  add("left", 5, "l@30", 30);
  run(0, 6, 0);
  EXPECT_TRUE(collector_.values.empty());  // right: nothing known yet
  task_->partitionEnd(task_->queueIndex("right"), 0);
  run(0, 6, 0);
  EXPECT_THAT(collector_.values, ElementsAre("l@30"));
}

class TwoInputTaskIdleTest : public TwoInputTaskTest {
 protected:
  TwoInputTaskIdleTest() : TwoInputTaskTest(100) {}
};

TEST_F(TwoInputTaskIdleTest, WaitsMaxTaskIdleForACaughtUpEmptyPartition) {
  add("left", 0, "l@30", 30);
  task_->partitionEnd(task_->queueIndex("right"), 0);
  run(1000, 1, 0);
  run(1099, 1, 0);
  EXPECT_TRUE(collector_.values.empty());
  run(1100, 1, 0);
  EXPECT_THAT(collector_.values, ElementsAre("l@30"));
}

// Committed offset metadata: Kafka Streams' TopicPartitionMetadata, so that
// either library reads the other's partition time.
TEST(PartitionTimeMetadataTest, EncodesVersionTwoAndTheTimeInBase64AsKafkaStreams) {
  EXPECT_EQ(encodePartitionTime(1700000000123), "AgAAAYvP5Wh7");
  EXPECT_EQ(decodePartitionTime("AgAAAYvP5Wh7"), 1700000000123);
}

TEST(PartitionTimeMetadataTest, ReadsVersionOneAndIgnoresProcessorMetadataAfterTheTime) {
  EXPECT_EQ(decodePartitionTime("AQAAAAAAAAAq"), 42);
  EXPECT_EQ(decodePartitionTime("AgAAAAAAAAAqAAAAAXh5eg=="), 42);
}

TEST(PartitionTimeMetadataTest, EmptyForeignOrUnknownVersionsGiveUnknownTime) {
  EXPECT_EQ(decodePartitionTime(""), -1);
  EXPECT_EQ(decodePartitionTime("AwAAAAAAAAAq"), -1);    // version 3
  EXPECT_EQ(decodePartitionTime("written by a tool"), -1);  // not base64
  EXPECT_EQ(decodePartitionTime("AgAA"), -1);               // too short
}

TEST_F(TwoInputTaskTest, CommittedPartitionTimeRestoresStreamTimeAndIsCommittedAgain) {
  task_->initializePartitionTime(task_->queueIndex("left"), 500);
  EXPECT_EQ(task_->streamTime(), 500);
  add("right", 0, "r@100", 100);
  add("left", 0, "l@600", 600);
  run(0, 1, 1);
  EXPECT_EQ(task_->streamTime(), 600);
  auto offsets = task_->takeCommittableOffsets();
  ASSERT_EQ(offsets.size(), 2u);
  for (const auto& o : offsets) {
    EXPECT_EQ(o.offset, 1);
    EXPECT_EQ(o.partitionTime, o.topic == "left" ? 600 : 100);
  }
}

}  // namespace
}  // namespace kstreams::internal
