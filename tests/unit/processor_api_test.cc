#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Counts records per key in a store and forwards the running count.
class CountingProcessor final : public Processor<std::string, std::string, std::string, int64_t> {
 public:
  void init(ProcessorContext<std::string, int64_t>& context) override {
    Processor::init(context);
    store_ = &context.getStateStore<std::string, int64_t>("counts");
  }
  void process(const Record<std::string, std::string>& record) override {
    const int64_t next = store_->get(record.key()).value_or(0) + 1;
    store_->put(record.key(), next);
    context().forward(record.withValue(next));
  }

 private:
  KeyValueStore<std::string, int64_t>* store_ = nullptr;
};

Topology countingTopology(StoreType type) {
  Topology t;
  auto supplier = type == StoreType::ROCKS_DB ? Stores::persistentKeyValueStore("counts")
                                              : Stores::inMemoryKeyValueStore("counts");
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("Count", [] { return std::make_unique<CountingProcessor>(); }, {"Source"})
      .addStateStore(Stores::keyValueStoreBuilder(supplier, Serdes::String(), Serdes::Int64()), {"Count"})
      .addSink<std::string, int64_t>("Sink", "out", {"Count"});
  return t;
}

TEST(ProcessorApiTest, ProcessorCountsInAStoreAndForwards) {
  for (auto type : {StoreType::ROCKS_DB, StoreType::IN_MEMORY}) {
    TopologyTestDriver driver(countingTopology(type));
    auto in = driver.createInputTopic<std::string, std::string>("in");
    auto out = driver.createOutputTopic<std::string, int64_t>("out");
    in.pipeInput("a", "x", 10);
    in.pipeInput("b", "y", 20);
    in.pipeInput("a", "z", 30);
    auto records = out.readRecordsToList();
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].key, "a");
    EXPECT_EQ(records[0].value, 1);
    EXPECT_EQ(records[2].value, 2);
    EXPECT_EQ(records[2].timestamp, 30);
  }
}

TEST(ProcessorApiTest, DescribeShowsTheStoreOnTheProcessor) {
  auto text = countingTopology(StoreType::ROCKS_DB).describe().toString();
  EXPECT_THAT(text, HasSubstr("Processor: Count (stores: [counts])"));
  EXPECT_THAT(text, HasSubstr("Source: Source (topics: [in])"));
}

// Sums values and emits the total per key on stream-time punctuation.
class SumOnPunctuate final : public Processor<std::string, int64_t, std::string, int64_t> {
 public:
  void init(ProcessorContext<std::string, int64_t>& context) override {
    Processor::init(context);
    store_ = &context.getStateStore<std::string, int64_t>("sums");
    context.schedule(std::chrono::milliseconds(100), PunctuationType::STREAM_TIME, [this](int64_t ts) {
      auto it = store_->all();
      while (it->hasNext()) {
        auto kv = it->next();
        this->context().forward(Record<std::string, int64_t>(kv.key, kv.value, ts));
      }
    });
  }
  void process(const Record<std::string, int64_t>& record) override {
    store_->put(record.key(), store_->get(record.key()).value_or(0) + record.value());
  }

 private:
  KeyValueStore<std::string, int64_t>* store_ = nullptr;
};

TEST(ProcessorApiTest, StreamTimePunctuationFiresWhenStreamTimeAdvances) {
  StreamsBuilder builder;
  builder.addStateStore(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("sums"), Serdes::String(),
                                                     Serdes::Int64()));
  builder.stream<std::string, int64_t>("in")
      .process([] { return std::make_unique<SumOnPunctuate>(); }, {"sums"})
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  // As in Kafka Streams, a stream-time punctuation is due from time 0 and runs
  // after the record that makes stream time reach it has been processed.
  in.pipeInput("k", 5, 0);
  auto first = out.readRecordsToList();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].value, 5);
  EXPECT_EQ(first[0].timestamp, 0);
  in.pipeInput("k", 7, 50);  // next punctuation at 100
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("k", 1, 100);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, 13);
  EXPECT_EQ(records[0].timestamp, 100);
}

class WallClockTicker final : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    Processor::init(context);
    handle_ = context.schedule(std::chrono::milliseconds(1000), PunctuationType::WALL_CLOCK_TIME, [this](int64_t ts) {
      this->context().forward(Record<std::string, std::string>("tick", std::to_string(ts), ts));
      if (++ticks_ == 2) handle_->cancel();
    });
  }
  void process(const Record<std::string, std::string>&) override {}

 private:
  std::shared_ptr<Cancellable> handle_;
  int ticks_ = 0;
};

TEST(ProcessorApiTest, WallClockPunctuationFollowsTheDriverClockAndCanBeCancelled) {
  Topology t;
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("Tick", [] { return std::make_unique<WallClockTicker>(); }, {"Source"})
      .addSink<std::string, std::string>("Sink", "out", {"Tick"});
  TopologyTestDriver driver(t, {}, 5000);
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  driver.advanceWallClockTime(std::chrono::milliseconds(999));
  EXPECT_TRUE(out.isEmpty());
  driver.advanceWallClockTime(std::chrono::milliseconds(1));
  driver.advanceWallClockTime(std::chrono::milliseconds(1000));
  driver.advanceWallClockTime(std::chrono::milliseconds(1000));  // cancelled after two ticks
  EXPECT_THAT(out.readValuesToList(), ElementsAre("6000", "7000"));
}

class IntToString final : public Processor<std::string, int32_t, std::string, std::string> {
 public:
  void process(const Record<std::string, int32_t>& r) override { context().forward(r.withValue(std::to_string(r.value()))); }
};

TEST(ProcessorApiTest, MismatchedTypesBetweenParentAndChildFailWithTheNodeNames) {
  Topology t;
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("Convert", [] { return std::make_unique<IntToString>(); }, {"Source"})
      .addSink<std::string, std::string>("Sink", "out", {"Convert"});
  try {
    (void)t.describe();
    FAIL() << "expected TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("Convert"));
    EXPECT_THAT(e.what(), HasSubstr("Source"));
  }
}

TEST(ProcessorApiTest, AddProcessorWithAnUnknownParentThrowsAtOnce) {
  Topology t;
  t.addSource<std::string, std::string>("Source", {"in"});
  EXPECT_THROW(t.addProcessor("P", [] { return std::make_unique<CountingProcessor>(); }, {"Nope"}),
               TopologyException);
}

class WrongTypes final : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    Processor::init(context);
    (void)context.getStateStore<std::string, std::string>("counts");  // built with Int64 values
  }
  void process(const Record<std::string, std::string>&) override {}
};

TEST(ProcessorApiTest, GetStateStoreWithOtherTypesThanTheStoreThrows) {
  Topology t;
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("P", [] { return std::make_unique<WrongTypes>(); }, {"Source"})
      .addStateStore(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"), Serdes::String(),
                                                  Serdes::Int64()),
                     {"P"});
  EXPECT_THROW(TopologyTestDriver driver(t), StreamsException);
}

}  // namespace
}  // namespace kstreams
