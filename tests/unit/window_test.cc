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
