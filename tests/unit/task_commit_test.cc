// A stateful task's commit steps: caches flush at every commit, stores are
// flushed and checkpointed only once more than 10,000 changelog records have
// accumulated since the last checkpoint (Kafka Streams' rule), and always on a
// clean close.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/stream_task.h"
#include "statestores/checkpoint.h"
#include "tests/statestores/store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr const char* kChangelog = "commit-test-counts-changelog";

class TaskCommitTest : public ::testing::Test {
 protected:
  /// Acknowledges every record at once, with consecutive offsets per topic.
  struct Collector final : RecordCollector {
    std::map<std::string, int64_t> sent;
    void send(const std::string& topic, int32_t, const char*, size_t, const char*, size_t, int64_t, const Headers*,
              int64_t* ackedOffset, bool) override {
      const int64_t offset = sent[topic]++;
      if (ackedOffset != nullptr && offset > *ackedOffset) *ackedOffset = offset;
    }
    int32_t partitionsFor(const std::string&) override { return 1; }
  };

  TaskCommitTest() {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .groupByKey()
        .count(MaterializedWith<std::string, int64_t>(Materialized::as("counts")).withStoreType(StoreType::ROCKS_DB))
        .toStream()
        .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
    topology_ = std::make_unique<Topology>(builder.build());
    config_ = parseConfig({{"application.id", "commit-test"}, {"state.dir", dir_.path()}}, true);
    directory_ = std::make_unique<StateDirectory>(dir_.path(), config_.applicationId);
    rocksdb_ = std::make_unique<RocksDBResources>(config_.rocksdbMemoryBytes);
    cache_ = std::make_shared<CacheBudget>(static_cast<size_t>(config_.cacheMaxBytes));
    open();
  }
  ~TaskCommitTest() override {
    if (task_) task_->close(false);
  }

  void open() {
    task_ = std::make_unique<StreamTask>(
        TaskId{0, 0}, topology_->definition(), std::vector<std::string>{"in"},
        TaskEnv{config_, collector_, metrics_, StateServices{directory_.get(), rocksdb_.get(), cache_, nullptr}, [] { return 0; }});
    ASSERT_TRUE(task_->initializeStateStores());
    task_->initializeTopology();
  }

  /// Processes one record per key, `count` distinct keys from `first`.
  void processKeys(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      auto owned = std::make_shared<OwnedRecord>();
      owned->topic = "in";
      owned->key = "key-" + std::to_string(i);
      owned->value = "v";
      StampedRecord r;
      r.raw.topic = owned->topic;
      r.raw.offset = nextOffset_++;
      r.raw.timestamp = i;
      r.raw.key = owned->key->data();
      r.raw.keySize = owned->key->size();
      r.raw.value = owned->value->data();
      r.raw.valueSize = owned->value->size();
      r.owned = std::move(owned);
      task_->addRecord(0, std::move(r));
      ASSERT_TRUE(task_->process());
    }
  }

  /// The steps of StreamThread::commitAll for this one task (the collector
  /// acknowledges at once, so there is no producer flush to wait for).
  void commit() {
    task_->flushCaches();
    task_->maybeCheckpoint(false);
  }

  [[nodiscard]] CheckpointReadResult readCheckpoint() const {
    return Checkpoint::read(Checkpoint::path(directory_->taskDirectory("0_0")));
  }

  testing::TempDirectory dir_;
  std::unique_ptr<Topology> topology_;
  StreamsConfigValues config_;
  std::unique_ptr<StateDirectory> directory_;
  std::unique_ptr<RocksDBResources> rocksdb_;
  std::shared_ptr<CacheBudget> cache_;
  Collector collector_;
  Metrics metrics_;
  std::unique_ptr<StreamTask> task_;
  int64_t nextOffset_ = 0;
};

TEST_F(TaskCommitTest, EveryCommitFlushesTheCacheButWritesNoCheckpointBelowTheThreshold) {
  processKeys(0, 100);
  EXPECT_EQ(collector_.sent["out"], 0);  // held in the record cache
  commit();
  EXPECT_EQ(collector_.sent["out"], 100);
  EXPECT_EQ(collector_.sent[kChangelog], 100);
  EXPECT_EQ(task_->stateManager()->changelogRecordsSinceCheckpoint(), 100);
  EXPECT_EQ(readCheckpoint().status, CheckpointReadResult::Status::MISSING);
}

TEST_F(TaskCommitTest, ACommitPastTenThousandChangelogRecordsWritesTheCheckpoint) {
  processKeys(0, 6000);
  commit();
  EXPECT_EQ(readCheckpoint().status, CheckpointReadResult::Status::MISSING);
  processKeys(6000, 4000);
  commit();  // exactly 10,000: not more than the threshold
  EXPECT_EQ(readCheckpoint().status, CheckpointReadResult::Status::MISSING);
  processKeys(10000, 1);
  commit();
  const CheckpointReadResult checkpoint = readCheckpoint();
  ASSERT_EQ(checkpoint.status, CheckpointReadResult::Status::OK);
  ASSERT_THAT(checkpoint.entries, SizeIs(1));
  EXPECT_EQ(checkpoint.entries[0].store, "counts");
  EXPECT_EQ(checkpoint.entries[0].topic, kChangelog);
  EXPECT_EQ(checkpoint.entries[0].offset, 10001);
  EXPECT_EQ(task_->stateManager()->changelogRecordsSinceCheckpoint(), 0);

  // The next 10,000 do not move it.
  processKeys(0, 5000);
  commit();
  EXPECT_EQ(readCheckpoint().entries[0].offset, 10001);
  EXPECT_EQ(task_->stateManager()->changelogRecordsSinceCheckpoint(), 5000);
}

TEST_F(TaskCommitTest, ACleanCloseCheckpointsWhateverWasWrittenAndTheStoreReopensFromIt) {
  processKeys(0, 10);
  commit();
  EXPECT_EQ(readCheckpoint().status, CheckpointReadResult::Status::MISSING);
  task_->close(true);
  task_.reset();
  const CheckpointReadResult checkpoint = readCheckpoint();
  ASSERT_EQ(checkpoint.status, CheckpointReadResult::Status::OK);
  EXPECT_EQ(checkpoint.entries[0].offset, 10);

  // Reopened, the store is trusted from offset 10: restoring starts there.
  open();
  const auto& changelogs = task_->stateManager()->changelogs();
  ASSERT_THAT(changelogs, SizeIs(1));
  EXPECT_EQ(changelogs[0].startOffset, 10);
  EXPECT_EQ(task_->stateManager()->changelogRecordsSinceCheckpoint(), 0);
}

TEST_F(TaskCommitTest, AnEnforcedCheckpointIsWrittenBelowTheThreshold) {
  processKeys(0, 3);
  task_->flushCaches();
  task_->maybeCheckpoint(true);
  const CheckpointReadResult checkpoint = readCheckpoint();
  ASSERT_EQ(checkpoint.status, CheckpointReadResult::Status::OK);
  EXPECT_THAT(checkpoint.entries, SizeIs(1));
  EXPECT_EQ(checkpoint.entries[0].offset, 3);
}

}  // namespace
}  // namespace kstreams::internal
