#include <algorithm>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(TimeWindowsTest, TumblingWindowsCoverEachTimestampOnce) {
  auto w = TimeWindows::ofSizeWithNoGrace(1000ms);
  EXPECT_THAT(w.windowsFor(0), ElementsAre(Window{0, 1000}));
  EXPECT_THAT(w.windowsFor(999), ElementsAre(Window{0, 1000}));
  EXPECT_THAT(w.windowsFor(1000), ElementsAre(Window{1000, 2000}));
}

TEST(TimeWindowsTest, HoppingWindowsCoverEachTimestampSizeOverAdvanceTimes) {
  auto w = TimeWindows::ofSizeWithNoGrace(1000ms).advanceBy(500ms);
  EXPECT_THAT(w.windowsFor(1200), ElementsAre(Window{500, 1500}, Window{1000, 2000}));
  EXPECT_THAT(w.windowsFor(100), ElementsAre(Window{0, 1000}));  // no negative starts
}

TEST(TimeWindowsTest, InvalidSizesAreRejectedWithAMessage) {
  EXPECT_THROW(TimeWindows::ofSizeWithNoGrace(0ms), ConfigException);
  EXPECT_THROW(TimeWindows::ofSizeAndGrace(10ms, -1ms), ConfigException);
  EXPECT_THROW((void)TimeWindows::ofSizeWithNoGrace(10ms).advanceBy(11ms), ConfigException);
  EXPECT_THROW((void)TimeWindows::ofSizeWithNoGrace(10ms).advanceBy(0ms), ConfigException);
}

TEST(WindowedSerdeTest, TimeWindowedKeyIsKeyBytesThenBigEndianStart) {
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000);
  auto bytes = serde->serialize(Windowed<std::string>{"ab", Window{0x0102, 0x0102 + 1000}});
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, std::string("ab\0\0\0\0\0\0\x01\x02", 10));
  auto back = serde->deserialize(std::string_view(*bytes));
  EXPECT_EQ(back.key, "ab");
  EXPECT_EQ(back.window, (Window{0x0102, 0x0102 + 1000}));
}

struct Out {
  std::string key;
  int64_t start;
  int64_t count;
  bool operator==(const Out&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Out& o) {
  return os << o.key << "@" << o.start << "=" << o.count;
}

std::vector<Out> read(TestOutputTopic<Windowed<std::string>, int64_t>& out) {
  std::vector<Out> v;
  for (const auto& r : out.readRecordsToList()) v.push_back(Out{r.key.key, r.key.window.start, r.value});
  return v;
}

Topology windowedCount(TimeWindows windows, StoreType type) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(windows)
      .count(MaterializedWith<std::string, int64_t>(Materialized::as("counts")).withStoreType(type))
      .toStream()
      .to("out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), windows.sizeMs()),
                                Serdes::Int64()));
  return builder.build();
}

class WindowedCountTest : public ::testing::TestWithParam<StoreType> {};

TEST_P(WindowedCountTest, CountsInOrderAndOutOfOrderRecordsWithinGraceAndDropsLaterOnes) {
  TopologyTestDriver driver(windowedCount(TimeWindows::ofSizeAndGrace(1000ms, 500ms), GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000), Serdes::Int64());
  in.pipeInput("a", "x", 100);
  in.pipeInput("a", "x", 900);
  in.pipeInput("a", "x", 1100);  // window [1000,2000); stream time 1100
  in.pipeInput("a", "x", 400);   // out of order, [0,1000) closes at 1000+500 > 1100: counted
  in.pipeInput("b", "x", 1700);  // stream time 1700: [0,1000) closed (1000 + 500 <= 1700)
  in.pipeInput("a", "x", 500);   // beyond grace: dropped
  EXPECT_THAT(read(out), ElementsAre(Out{"a", 0, 1}, Out{"a", 0, 2}, Out{"a", 1000, 1}, Out{"a", 0, 3},
                                     Out{"b", 1000, 1}));
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 1);
}

TEST_P(WindowedCountTest, HoppingWindowsCountARecordInEveryWindowItFallsIn) {
  TopologyTestDriver driver(windowedCount(TimeWindows::ofSizeWithNoGrace(1000ms).advanceBy(500ms), GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000), Serdes::Int64());
  in.pipeInput("k", "x", 600);
  in.pipeInput("k", "x", 1200);
  EXPECT_THAT(read(out), ElementsAre(Out{"k", 0, 1}, Out{"k", 500, 1}, Out{"k", 500, 2}, Out{"k", 1000, 1}));
}

TEST_P(WindowedCountTest, ResultTimestampIsTheLatestRecordOfTheWindow) {
  TopologyTestDriver driver(windowedCount(TimeWindows::ofSizeAndGrace(1000ms, 1000ms), GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000), Serdes::Int64());
  in.pipeInput("k", "x", 700);
  in.pipeInput("k", "x", 300);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].value, 2);
  EXPECT_EQ(records[1].timestamp, 700);
}

INSTANTIATE_TEST_SUITE_P(StoreTypes, WindowedCountTest, ::testing::Values(StoreType::ROCKS_DB, StoreType::IN_MEMORY),
                         [](const auto& info) { return info.param == StoreType::ROCKS_DB ? "RocksDB" : "InMemory"; });

TEST(WindowedAggregationTest, ReduceAndAggregateKeepOneValuePerKeyAndWindow) {
  StreamsBuilder builder;
  auto grouped = builder.stream<std::string, int64_t>("in").groupByKey();
  auto windows = TimeWindows::ofSizeWithNoGrace(1000ms);
  grouped.windowedBy(windows)
      .reduce([](int64_t a, int64_t b) { return std::max(a, b); }, Materialized::as("max"))
      .toStream()
      .to("max-out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000),
                                    Serdes::Int64()));
  grouped.windowedBy(windows)
      .aggregate([] { return std::string(); },
                 [](const std::string&, int64_t v, const std::string& agg) { return agg + std::to_string(v) + ";"; },
                 Materialized::as("concat"))
      .toStream()
      .to("concat-out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000),
                                       Serdes::String()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000);
  auto maxOut = driver.createOutputTopic<Windowed<std::string>, int64_t>("max-out", serde, Serdes::Int64());
  auto concatOut = driver.createOutputTopic<Windowed<std::string>, std::string>("concat-out", serde, Serdes::String());
  in.pipeInput("k", 5, 10);
  in.pipeInput("k", 9, 20);
  in.pipeInput("k", 7, 30);
  in.pipeInput("k", 1, 1010);
  EXPECT_THAT(maxOut.readValuesToList(), ElementsAre(5, 9, 9, 1));
  EXPECT_THAT(concatOut.readValuesToList(), ElementsAre("5;", "5;9;", "5;9;7;", "1;"));
}

TEST(WindowedAggregationTest, RetentionShorterThanSizePlusGraceFailsTheBuild) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(1000ms, 500ms))
      .count(MaterializedWith<std::string, int64_t>(Materialized::as("c")).withRetention(1200ms));
  try {
    builder.build();
    FAIL() << "expected TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("withRetention"));
  }
}

TEST(WindowedAggregationTest, WindowStoreWritesItsChangelog) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeWithNoGrace(1000ms))
      .count(Materialized::as("wc"));
  TopologyTestDriver driver(builder.build(), {{"application.id", "win"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 1500);
  auto changelog = driver.createOutputTopic<std::string, std::string>("win-wc-changelog");
  auto r = changelog.readRecord();
  // Kafka Streams' window store key: key bytes, 8-byte window start, 4-byte sequence number.
  EXPECT_EQ(r.key, std::string("a\0\0\0\0\0\0\x03\xe8\0\0\0\0", 13));
}

}  // namespace
}  // namespace kstreams

namespace kstreams {
namespace {

Topology suppressedCount(int64_t graceMs, BufferConfig buffer) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(1000), std::chrono::milliseconds(graceMs)))
      .count(Materialized::as("counts"))
      .suppress(Suppressed::untilWindowCloses(buffer))
      .toStream()
      .to("out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000),
                                Serdes::Int64()));
  return builder.build();
}

TEST(SuppressTest, UntilWindowClosesEmitsExactlyOneFinalResultPerWindow) {
  TopologyTestDriver driver(suppressedCount(500, BufferConfig::unbounded()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000), Serdes::Int64());
  in.pipeInput("a", "x", 100);
  in.pipeInput("a", "x", 200);
  in.pipeInput("b", "x", 300);
  in.pipeInput("a", "x", 1400);  // stream time 1400 < 1000 + 500: nothing final yet
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("a", "x", 900);   // late but within grace: counted into [0,1000)
  in.pipeInput("c", "x", 1500);  // stream time reaches 1500: [0,1000) closes
  EXPECT_THAT(read(out), ElementsAre(Out{"a", 0, 3}, Out{"b", 0, 1}));
  in.pipeInput("c", "x", 2600);  // [1000,2000) closes at 2500
  EXPECT_THAT(read(out), ElementsAre(Out{"a", 1000, 1}, Out{"c", 1000, 1}));
}

TEST(SuppressTest, AFullBufferThatMustNotEmitEarlyStopsProcessingWithAMessage) {
  TopologyTestDriver driver(suppressedCount(0, BufferConfig::maxRecordsOf(1).shutDownWhenFull()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 100);
  try {
    in.pipeInput("b", "x", 200);
    FAIL() << "expected the full buffer to stop processing";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("suppression buffer"));
  }
}

TEST(SuppressTest, UntilWindowClosesOnATableThatIsNotWindowedFailsTheBuild) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").groupByKey().count().suppress(
      Suppressed::untilWindowCloses(BufferConfig::unbounded()));
  EXPECT_THROW(builder.build(), TopologyException);
}

TEST(SuppressTest, UntilTimeLimitEmitsTheLatestValuePerKeyAfterTheLimit) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count()
      .suppress(Suppressed::untilTimeLimit(std::chrono::milliseconds(100), BufferConfig::unbounded()))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "x", 0);
  in.pipeInput("a", "x", 50);
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("b", "x", 100);  // a's limit (0 + 100) reached
  EXPECT_THAT(out.readKeyValuesToList(), ElementsAre(KeyValue<std::string, int64_t>{"a", 2}));
}

}  // namespace
}  // namespace kstreams

namespace kstreams {
namespace {

struct SessionOut {
  std::string key;
  int64_t start;
  int64_t end;
  std::optional<int64_t> count;
  bool operator==(const SessionOut&) const = default;
};
std::ostream& operator<<(std::ostream& os, const SessionOut& o) {
  return os << o.key << "[" << o.start << "," << o.end << "]=" << (o.count ? std::to_string(*o.count) : "null");
}

class SessionCountTest : public ::testing::TestWithParam<StoreType> {
 protected:
  std::vector<SessionOut> run(const std::vector<std::pair<std::string, int64_t>>& input, int64_t gapMs, int64_t graceMs) {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .groupByKey()
        .windowedBy(SessionWindows::ofInactivityGapAndGrace(std::chrono::milliseconds(gapMs),
                                                            std::chrono::milliseconds(graceMs)))
        .count(MaterializedWith<std::string, int64_t>(Materialized::as("sessions")).withStoreType(GetParam()))
        .toStream()
        .to("out", Produced::with(WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()),
                                  Serdes::Int64()));
    TopologyTestDriver driver(builder.build());
    auto in = driver.createInputTopic<std::string, std::string>("in");
    auto out = driver.createOutputTopic<Windowed<std::string>, std::optional<int64_t>>(
        "out", WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()),
        Serdes::Nullable(Serdes::Int64()));
    for (const auto& [key, ts] : input) in.pipeInput(key, "x", ts);
    std::vector<SessionOut> result;
    for (const auto& r : out.readRecordsToList()) {
      result.push_back(SessionOut{r.key.key, r.key.window.start, r.key.window.end, r.value});
    }
    dropped_ = driver.metrics().at("dropped-records-total");
    return result;
  }
  double dropped_ = 0;
};

TEST_P(SessionCountTest, RecordsWithinTheGapShareASessionAndOthersStartNewOnes) {
  EXPECT_THAT(run({{"a", 0}, {"a", 50}, {"a", 300}, {"b", 20}}, 100, 1000),
              ElementsAre(SessionOut{"a", 0, 0, 1}, SessionOut{"a", 0, 0, std::nullopt}, SessionOut{"a", 0, 50, 2},
                          SessionOut{"a", 300, 300, 1}, SessionOut{"b", 20, 20, 1}));
}

TEST_P(SessionCountTest, ARecordBetweenTwoSessionsMergesThem) {
  auto out = run({{"a", 0}, {"a", 200}, {"a", 100}}, 100, 1000);
  EXPECT_THAT(out, ElementsAre(SessionOut{"a", 0, 0, 1}, SessionOut{"a", 200, 200, 1}, SessionOut{"a", 0, 0, std::nullopt},
                               SessionOut{"a", 200, 200, std::nullopt}, SessionOut{"a", 0, 200, 3}));
}

TEST_P(SessionCountTest, ARecordForASessionClosedBeyondGraceIsDropped) {
  auto out = run({{"a", 0}, {"b", 1000}, {"a", 10}}, 100, 50);  // stream time 1000: a's session closed at 50
  EXPECT_THAT(out, ElementsAre(SessionOut{"a", 0, 0, 1}, SessionOut{"b", 1000, 1000, 1}));
  EXPECT_EQ(dropped_, 1);
}

INSTANTIATE_TEST_SUITE_P(StoreTypes, SessionCountTest, ::testing::Values(StoreType::ROCKS_DB, StoreType::IN_MEMORY),
                         [](const auto& info) { return info.param == StoreType::ROCKS_DB ? "RocksDB" : "InMemory"; });

TEST(SessionWindowedSerdeTest, KeyThenBigEndianEndThenStart) {
  auto serde = WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String());
  auto bytes = serde->serialize(Windowed<std::string>{"k", Window{1, 2}});
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, std::string("k\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x01", 17));
  EXPECT_EQ(serde->deserialize(std::string_view(*bytes)).window, (Window{1, 2}));
}

TEST(SessionAggregateTest, AggregateMergesSessionsWithTheMerger) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapAndGrace(std::chrono::milliseconds(100), std::chrono::milliseconds(500)))
      .aggregate([] { return std::string(); },
                 [](const std::string&, const std::string& v, const std::string& agg) { return agg + v; },
                 [](const std::string&, const std::string& a, const std::string& b) { return a + "+" + b; },
                 Materialized::as("s"))
      .toStream()
      .filter([](const Windowed<std::string>&, const std::string& v) { return !v.empty(); })
      .to("out", Produced::with(WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()),
                                Serdes::String()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, std::string>(
      "out", WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()), Serdes::String());
  in.pipeInput("k", "x", 0);
  in.pipeInput("k", "y", 200);
  in.pipeInput("k", "z", 100);
  auto values = out.readValuesToList();
  ASSERT_FALSE(values.empty());
  EXPECT_EQ(values.back(), "+x+yz");
}

}  // namespace
}  // namespace kstreams

namespace kstreams {
namespace {

TEST(EmitStrategyTest, OnWindowCloseEmitsOnlyFinalResults) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(1000), std::chrono::milliseconds(100)))
      .emitStrategy(EmitStrategy::onWindowClose())
      .count()
      .toStream()
      .to("out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000),
                                Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000), Serdes::Int64());
  in.pipeInput("a", "x", 10);
  in.pipeInput("a", "x", 20);
  in.pipeInput("a", "x", 1050);
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("a", "x", 1100);  // [0,1000) closes at 1000 + 100
  EXPECT_THAT(read(out), ElementsAre(Out{"a", 0, 2}));
}

}  // namespace
}  // namespace kstreams

namespace kstreams {
namespace {

struct SlidingOut {
  std::string key;
  int64_t start;
  int64_t end;
  std::string value;
  int64_t timestamp;
  bool operator==(const SlidingOut&) const = default;
};
std::ostream& operator<<(std::ostream& os, const SlidingOut& o) {
  return os << o.key << "[" << o.start << "," << o.end << "]=" << o.value << "@" << o.timestamp;
}

/// Concatenates values per sliding window ("0" + "+v" per record, as Kafka
/// Streams' MockInitializer.STRING_INIT and MockAggregator.TOSTRING_ADDER).
class SlidingWindowTest : public ::testing::TestWithParam<StoreType> {
 protected:
  void build(SlidingWindows windows, EmitStrategy emit = EmitStrategy::onWindowUpdate()) {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .groupByKey()
        .windowedBy(windows)
        .emitStrategy(emit)
        .aggregate([] { return std::string("0"); },
                   [](const std::string&, const std::string& v, const std::string& agg) { return agg + "+" + v; },
                   MaterializedWith<std::string, std::string>(Materialized::as("sliding")).withStoreType(GetParam()))
        .toStream()
        .to("out", Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(),
                                                                                     windows.timeDifferenceMs()),
                                  Serdes::String()));
    driver_ = std::make_unique<TopologyTestDriver>(builder.build());
    in_ = std::make_unique<TestInputTopic<std::string, std::string>>(
        driver_->createInputTopic<std::string, std::string>("in"));
    out_ = std::make_unique<TestOutputTopic<Windowed<std::string>, std::string>>(
        driver_->createOutputTopic<Windowed<std::string>, std::string>(
            "out", WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), windows.timeDifferenceMs()),
            Serdes::String()));
  }
  std::vector<SlidingOut> pipe(const std::string& key, const std::string& value, int64_t ts) {
    in_->pipeInput(key, value, ts);
    std::vector<SlidingOut> result;
    for (const auto& r : out_->readRecordsToList()) {
      result.push_back(SlidingOut{r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp});
    }
    return result;
  }
  double dropped() const { return driver_->metrics().at("dropped-records-total"); }

  std::unique_ptr<TopologyTestDriver> driver_;
  std::unique_ptr<TestInputTopic<std::string, std::string>> in_;
  std::unique_ptr<TestOutputTopic<Windowed<std::string>, std::string>> out_;
};

TEST(SlidingWindowsTest, NegativeTimeDifferenceOrGraceIsRejectedWithAMessage) {
  try {
    (void)SlidingWindows::ofTimeDifferenceWithNoGrace(-1ms);
    FAIL() << "expected ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_THAT(e.what(), HasSubstr("time difference must not be negative"));
  }
  EXPECT_THROW((void)SlidingWindows::ofTimeDifferenceAndGrace(10ms, -1ms), ConfigException);
  EXPECT_EQ(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 5ms).timeDifferenceMs(), 10);
  EXPECT_EQ(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 5ms).gracePeriodMs(), 5);
}

// Kafka Streams' KStreamSlidingWindowAggregateTest.testAggregateSmallInput: the
// same input gives the same final window contents, and every update in order.
TEST_P(SlidingWindowTest, InOrderRecordsCreateLeftAndRightWindowsAsKafkaStreamsDoes) {
  build(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 50ms));
  EXPECT_THAT(pipe("A", "1", 10), ElementsAre(SlidingOut{"A", 0, 10, "0+1", 10}));
  EXPECT_THAT(pipe("A", "2", 15),
              ElementsAre(SlidingOut{"A", 11, 21, "0+2", 15}, SlidingOut{"A", 5, 15, "0+1+2", 15}));
  EXPECT_THAT(pipe("A", "3", 20),
              ElementsAre(SlidingOut{"A", 11, 21, "0+2+3", 20}, SlidingOut{"A", 16, 26, "0+3", 20},
                          SlidingOut{"A", 10, 20, "0+1+2+3", 20}));
  EXPECT_THAT(pipe("A", "4", 22),
              ElementsAre(SlidingOut{"A", 16, 26, "0+3+4", 22}, SlidingOut{"A", 21, 31, "0+4", 22},
                          SlidingOut{"A", 12, 22, "0+2+3+4", 22}));
  EXPECT_THAT(pipe("A", "5", 30),
              ElementsAre(SlidingOut{"A", 21, 31, "0+4+5", 30}, SlidingOut{"A", 23, 33, "0+5", 30},
                          SlidingOut{"A", 20, 30, "0+3+4+5", 30}));
  EXPECT_EQ(dropped(), 0);
}

TEST_P(SlidingWindowTest, OutOfOrderRecordsUpdateTheWindowsTheyFallInAndCreateTheirOwn) {
  build(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 100ms));
  EXPECT_THAT(pipe("A", "a", 10), ElementsAre(SlidingOut{"A", 0, 10, "0+a", 10}));
  EXPECT_THAT(pipe("A", "b", 30), ElementsAre(SlidingOut{"A", 20, 30, "0+b", 30}));
  // 15 falls in the right window of 10, which now holds a record.
  EXPECT_THAT(pipe("A", "c", 15),
              ElementsAre(SlidingOut{"A", 11, 21, "0+c", 15}, SlidingOut{"A", 5, 15, "0+a+c", 15}));
  // 25 joins [20,30]; the right window of 15 appears; its own left window holds 15
  // and 25; its right window holds 30.
  EXPECT_THAT(pipe("A", "d", 25),
              ElementsAre(SlidingOut{"A", 20, 30, "0+b+d", 30}, SlidingOut{"A", 16, 26, "0+d", 25},
                          SlidingOut{"A", 15, 25, "0+c+d", 25}, SlidingOut{"A", 26, 36, "0+b", 30}));
  // Another key has its own windows.
  EXPECT_THAT(pipe("B", "x", 15), ElementsAre(SlidingOut{"B", 5, 15, "0+x", 15}));
}

TEST_P(SlidingWindowTest, RecordsEarlierThanTheTimeDifferenceShareTheFirstWindow) {
  build(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 100ms));
  EXPECT_THAT(pipe("A", "a", 3), ElementsAre(SlidingOut{"A", 0, 10, "0+a", 3}));
  EXPECT_THAT(pipe("A", "b", 8),
              ElementsAre(SlidingOut{"A", 4, 14, "0+b", 8}, SlidingOut{"A", 0, 10, "0+a+b", 8}));
  EXPECT_THAT(pipe("A", "c", 15),
              ElementsAre(SlidingOut{"A", 9, 19, "0+c", 15}, SlidingOut{"A", 5, 15, "0+b+c", 15}));
  // Out of order and early: its right window [2,12] holds 3 and 8.
  EXPECT_THAT(pipe("A", "d", 1),
              ElementsAre(SlidingOut{"A", 2, 12, "0+a+b", 8}, SlidingOut{"A", 0, 10, "0+a+b+d", 8}));
}

TEST_P(SlidingWindowTest, LateRecordsUpdateOpenWindowsOnlyAndRecordsBeyondGraceAreDropped) {
  build(SlidingWindows::ofTimeDifferenceAndGrace(10ms, 5ms));
  EXPECT_THAT(pipe("A", "x", 100), ElementsAre(SlidingOut{"A", 90, 100, "0+x", 100}));
  EXPECT_THAT(pipe("A", "y", 120), ElementsAre(SlidingOut{"A", 110, 120, "0+y", 120}));
  // Stream time 120, windows ending before 115 are closed. 116 is within grace.
  EXPECT_THAT(pipe("A", "w", 116),
              ElementsAre(SlidingOut{"A", 110, 120, "0+y+w", 120}, SlidingOut{"A", 106, 116, "0+w", 116},
                          SlidingOut{"A", 117, 127, "0+y", 120}));
  EXPECT_EQ(dropped(), 0);
  // 104: even its right window [105,115] has closed: dropped.
  EXPECT_THAT(pipe("A", "z", 104), ElementsAre());
  EXPECT_EQ(dropped(), 1);
  // 108: [106,116] and its new right window are open; its own left window
  // [98,108] has closed (a drop). [90,100] has left the store (retention 2 x 10 +
  // 5 ms behind the newest window start, 117), so 100 is not seen as the previous
  // record.
  EXPECT_THAT(pipe("A", "q", 108),
              ElementsAre(SlidingOut{"A", 106, 116, "0+w+q", 116}, SlidingOut{"A", 109, 119, "0+w", 116}));
  EXPECT_EQ(dropped(), 2);
}

TEST_P(SlidingWindowTest, OnWindowCloseEmitsEachWindowOnceAfterItsInclusiveEndPlusGrace) {
  build(SlidingWindows::ofTimeDifferenceWithNoGrace(10ms), EmitStrategy::onWindowClose());
  EXPECT_THAT(pipe("A", "a", 10), ElementsAre());
  EXPECT_THAT(pipe("A", "b", 10), ElementsAre());  // stream time 10: [0,10] still takes records at 10
  EXPECT_THAT(pipe("A", "c", 15), ElementsAre(SlidingOut{"A", 0, 10, "0+a+b", 10}));
  EXPECT_THAT(pipe("A", "d", 30),
              ElementsAre(SlidingOut{"A", 5, 15, "0+a+b+c", 15}, SlidingOut{"A", 11, 21, "0+c", 15}));
  EXPECT_THAT(pipe("A", "e", 31), ElementsAre(SlidingOut{"A", 20, 30, "0+d", 30}));
}

INSTANTIATE_TEST_SUITE_P(StoreTypes, SlidingWindowTest, ::testing::Values(StoreType::ROCKS_DB, StoreType::IN_MEMORY),
                         [](const auto& info) { return info.param == StoreType::ROCKS_DB ? "RocksDB" : "InMemory"; });

TEST(SlidingWindowedAggregationTest, CountAndReduceKeepOneValuePerKeyAndWindow) {
  StreamsBuilder builder;
  auto windowed = builder.stream<std::string, int64_t>("in").groupByKey().windowedBy(
      SlidingWindows::ofTimeDifferenceWithNoGrace(100ms));
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 100);
  windowed.count(Materialized::as("count")).toStream().to("count-out", Produced::with(serde, Serdes::Int64()));
  windowed.reduce([](int64_t a, int64_t b) { return std::max(a, b); }, Materialized::as("max"))
      .toStream()
      .to("max-out", Produced::with(serde, Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto countOut = driver.createOutputTopic<Windowed<std::string>, int64_t>("count-out", serde, Serdes::Int64());
  auto maxOut = driver.createOutputTopic<Windowed<std::string>, int64_t>("max-out", serde, Serdes::Int64());
  in.pipeInput("k", 5, 1000);
  in.pipeInput("k", 9, 1050);
  in.pipeInput("k", 7, 1200);
  std::vector<std::tuple<int64_t, int64_t, int64_t>> counts;
  for (const auto& r : countOut.readRecordsToList()) counts.emplace_back(r.key.window.start, r.key.window.end, r.value);
  // 1000: [900,1000]; 1050: [1001,1101], [950,1050]; 1200: its left window [1100,1200]
  // alone (1050's right window ends at 1101 and holds only 1050).
  EXPECT_THAT(counts, ElementsAre(std::tuple{900, 1000, 1}, std::tuple{1001, 1101, 1}, std::tuple{950, 1050, 2},
                                  std::tuple{1100, 1200, 1}));
  EXPECT_THAT(maxOut.readValuesToList(), ElementsAre(5, 9, 9, 7));
}

TEST(SlidingWindowedAggregationTest, RetentionShorterThanTwiceTheDifferencePlusGraceFailsTheBuild) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(1000ms, 500ms))
      .count(MaterializedWith<std::string, int64_t>(Materialized::as("c")).withRetention(2499ms));
  try {
    builder.build();
    FAIL() << "expected TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("2 x time difference + grace (2500 ms)"));
  }
}

}  // namespace
}  // namespace kstreams

namespace kstreams {
namespace {

// Every window, once all records are in, holds exactly the records of
// [start, start + d]; windows exist for every record's left window ([0, d] for
// records before d) and for every non-empty right window. Out-of-order input,
// repeated timestamps, no drops (grace covers the whole input).
TEST(SlidingWindowedAggregationTest, FinalWindowsMatchTheDefinitionForShuffledInput) {
  const int64_t d = 10;
  StreamsBuilder builder;
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), d);
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::milliseconds(d), 1000ms))
      .aggregate([] { return std::string(); },
                 [](const std::string&, const std::string& v, const std::string& agg) { return agg + v + ","; },
                 Materialized::as("all"))
      .toStream()
      .to("out", Produced::with(serde, Serdes::String()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<Windowed<std::string>, std::string>("out", serde, Serdes::String());
  std::vector<int64_t> times;
  uint32_t seed = 12345;
  for (int i = 0; i < 80; ++i) {
    seed = seed * 1103515245u + 12345u;
    times.push_back(static_cast<int64_t>((seed >> 8) % 120));
    in.pipeInput("k", std::to_string(i), times.back());
  }
  std::map<int64_t, std::vector<int>> actual;
  for (const auto& r : out.readRecordsToList()) {
    std::vector<int> ids;
    std::stringstream ss(r.value);
    for (std::string id; std::getline(ss, id, ',');) ids.push_back(std::stoi(id));
    std::sort(ids.begin(), ids.end());
    actual[r.key.window.start] = ids;
  }
  auto contents = [&](int64_t start) {
    std::vector<int> ids;
    for (size_t i = 0; i < times.size(); ++i) {
      if (times[i] >= start && times[i] <= start + d) ids.push_back(static_cast<int>(i));
    }
    return ids;
  };
  std::map<int64_t, std::vector<int>> expected;
  for (int64_t t : times) {
    const int64_t left = t < d ? 0 : t - d;
    expected[left] = contents(left);
    if (auto right = contents(t + 1); !right.empty()) expected[t + 1] = right;
  }
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 0);
}

}  // namespace
}  // namespace kstreams
