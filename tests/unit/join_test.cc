// Joins (stream-stream windowed, stream-table, table-table) through the
// TopologyTestDriver, and the co-partitioning rule of their inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/internal_topics.h"

namespace kstreams {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

using OptString = std::optional<std::string>;
using Rec = TestRecord<std::string, std::string>;

Properties config(bool cached) {
  Properties p = {{"application.id", "join-app"}};
  if (!cached) p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "0";
  return p;
}

std::string show(const std::optional<std::string>& v) { return v ? *v : "null"; }

auto innerJoiner = [](const std::string& l, const std::string& r) { return l + "+" + r; };
auto leftJoiner = [](const std::string& l, const std::optional<std::string>& r) { return l + "+" + show(r); };
auto outerJoiner = [](const std::optional<std::string>& l, const std::optional<std::string>& r) {
  return show(l) + "+" + show(r);
};

// One stream-stream join of topics "left" and "right" written to "out".
struct StreamJoinFixture {
  template <class Build>
  explicit StreamJoinFixture(Build build, StoreType type = StoreType::ROCKS_DB) {
    StreamsBuilder builder;
    auto left = builder.stream<std::string, std::string>("left");
    auto right = builder.stream<std::string, std::string>("right");
    build(left, right, type).to("out");
    driver = std::make_unique<TopologyTestDriver>(builder.build(), config(true));
    l = std::make_unique<TestInputTopic<std::string, std::string>>(
        driver->createInputTopic<std::string, std::string>("left"));
    r = std::make_unique<TestInputTopic<std::string, std::string>>(
        driver->createInputTopic<std::string, std::string>("right"));
    out = std::make_unique<TestOutputTopic<std::string, std::string>>(
        driver->createOutputTopic<std::string, std::string>("out"));
  }
  std::vector<Rec> read() {
    auto records = out->readRecordsToList();
    for (auto& rec : records) rec.headers = {};
    return records;
  }
  std::unique_ptr<TopologyTestDriver> driver;
  std::unique_ptr<TestInputTopic<std::string, std::string>> l;
  std::unique_ptr<TestInputTopic<std::string, std::string>> r;
  std::unique_ptr<TestOutputTopic<std::string, std::string>> out;
};

class StreamStreamJoinTest : public ::testing::TestWithParam<StoreType> {};

TEST_P(StreamStreamJoinTest, InnerJoinPairsRecordsWithinTheWindowAndTakesTheLaterTimestamp) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.join(right, innerJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(100ms),
                         StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.l->pipeInput("k1", "a1", 1000);
  EXPECT_TRUE(f.read().empty());
  f.r->pipeInput("k1", "b1", 1050);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k1", "a1+b1", 1050, {}}));
  f.r->pipeInput("k1", "b2", 1200);  // 200 ms after a1: outside the window
  EXPECT_TRUE(f.read().empty());
  f.l->pipeInput("k1", "a2", 1150);  // within 100 ms of both b1 and b2
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k1", "a2+b1", 1150, {}}, Rec{"k1", "a2+b2", 1200, {}}));
  f.r->pipeInput("k2", "x", 1150);  // another key: no partner
  EXPECT_TRUE(f.read().empty());
}

TEST_P(StreamStreamJoinTest, OutOfOrderRecordsJoinAndDuplicatesAreAllKept) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.join(right, innerJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(100ms),
                         StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.l->pipeInput("k", "a", 1000);
  f.l->pipeInput("k", "a", 1000);
  f.r->pipeInput("k", "b", 950);  // earlier than both a's, within the window
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "a+b", 1000, {}}, Rec{"k", "a+b", 1000, {}}));
  f.r->pipeInput("k", "c", 880);  // 120 ms before: outside
  EXPECT_TRUE(f.read().empty());
}

TEST_P(StreamStreamJoinTest, AsymmetricWindowsLookOnlyForward) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.join(right, innerJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(0ms).after(100ms),
                         StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.l->pipeInput("k", "a", 1000);
  f.r->pipeInput("k", "early", 990);  // before the left record: outside [1000, 1100]
  EXPECT_TRUE(f.read().empty());
  f.r->pipeInput("k", "b", 1100);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "a+b", 1100, {}}));
  f.l->pipeInput("k", "late-left", 1101);  // b is 1 ms earlier: outside [1101, 1201]
  EXPECT_TRUE(f.read().empty());
}

TEST_P(StreamStreamJoinTest, RecordsBeyondGraceFindNothingAndWithinGraceStillJoin) {
  for (int64_t grace : {0, 2000}) {
    SCOPED_TRACE("grace " + std::to_string(grace));
    StreamJoinFixture f(
        [grace](auto& left, auto& right, StoreType type) {
          return left.join(right, innerJoiner,
                           JoinWindows::ofTimeDifferenceAndGrace(100ms, std::chrono::milliseconds(grace)),
                           StreamJoined::withStoreName("j").withStoreType(type));
        },
        GetParam());
    f.l->pipeInput("k", "a", 1000);
    f.l->pipeInput("other", "x", 3000);  // stream time moves 2 s on
    f.r->pipeInput("k", "late", 1000);
    if (grace == 0) {
      EXPECT_TRUE(f.read().empty());
    } else {
      EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "a+late", 1000, {}}));
    }
  }
}

TEST_P(StreamStreamJoinTest, LeftJoinEmitsUnmatchedRecordsOnlyWhenTheirWindowCloses) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.leftJoin(right, leftJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(100ms),
                             StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.l->pipeInput("k", "a", 1000);
  EXPECT_TRUE(f.read().empty()) << "no early null result";
  f.l->pipeInput("o", "z", 1200);  // closes a's window (1000 + 100 < 1200)
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "a+null", 1000, {}}));
  f.l->pipeInput("k2", "c", 1300);
  f.r->pipeInput("k2", "d", 1350);  // closes z's window; c finds its partner
  EXPECT_THAT(f.read(), ElementsAre(Rec{"o", "z+null", 1200, {}}, Rec{"k2", "c+d", 1350, {}}));
  f.r->pipeInput("k3", "only-right", 1360);  // right records of a left join alone emit nothing
  f.l->pipeInput("o2", "t", 2000);
  EXPECT_TRUE(f.read().empty()) << "c was matched, so it is not emitted again";
  f.l->pipeInput("k4", "late", 1500);  // its window closed long ago: emitted at once
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k4", "late+null", 1500, {}}));
}

TEST_P(StreamStreamJoinTest, OuterJoinEmitsUnmatchedRecordsOfBothSides) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.outerJoin(right, outerJoiner, JoinWindows::ofTimeDifferenceAndGrace(100ms, 50ms),
                              StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.r->pipeInput("k", "b", 1000);
  f.l->pipeInput("m", "a", 1010);
  f.r->pipeInput("m", "c", 1020);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"m", "a+c", 1020, {}}));
  f.l->pipeInput("x", "y", 1150);  // b's window closes at 1100 + 50 grace: still open
  EXPECT_TRUE(f.read().empty());
  f.l->pipeInput("x2", "y2", 1151);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "null+b", 1000, {}}));
  f.r->pipeInput("z", "w", 1400);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"x", "y+null", 1150, {}}, Rec{"x2", "y2+null", 1151, {}}));
}

TEST_P(StreamStreamJoinTest, JoinerMayTakeTheKey) {
  StreamJoinFixture f(
      [](auto& left, auto& right, StoreType type) {
        return left.join(
            right, [](const std::string& k, const std::string& a, const std::string& b) { return k + ":" + a + b; },
            JoinWindows::ofTimeDifferenceWithNoGrace(10ms), StreamJoined::withStoreName("j").withStoreType(type));
      },
      GetParam());
  f.l->pipeInput("k", "a", 5);
  f.r->pipeInput("k", "b", 6);
  EXPECT_THAT(f.read(), ElementsAre(Rec{"k", "k:ab", 6, {}}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StreamStreamJoinTest, ::testing::Values(StoreType::ROCKS_DB, StoreType::IN_MEMORY),
                         [](const auto& info) { return info.param == StoreType::ROCKS_DB ? "RocksDB" : "InMemory"; });

TEST(StreamStreamJoinTopologyTest, StoresAreNamedLikeKafkaStreamsAndRepartitionedKeysGetTopics) {
  StreamsBuilder builder;
  auto left = builder.stream<std::string, std::string>("left").selectKey(
      [](const std::string&, const std::string& v) { return v; });
  auto right = builder.stream<std::string, std::string>("right");
  left.leftJoin(right, leftJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(1s), StreamJoined::as("orders"))
      .to("out");
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("orders-left-repartition"));
  EXPECT_THAT(text, HasSubstr("orders-this-join"));
  EXPECT_THAT(text, HasSubstr("orders-other-join"));
  EXPECT_THAT(text, HasSubstr("KSTREAM-OUTERSHARED-"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("orders-right-repartition")));
}

TEST(StreamStreamJoinTopologyTest, RepartitionedJoinGivesTheSameResults) {
  StreamsBuilder builder;
  // The left key is in the value ("key|value"): selectKey moves it to the key.
  auto left = builder.stream<std::string, std::string>("left").map([](const std::string&, const std::string& v) {
    return KeyValue<std::string, std::string>{v.substr(0, v.find('|')), v.substr(v.find('|') + 1)};
  });
  auto right = builder.stream<std::string, std::string>("right");
  left.join(right, innerJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(100ms)).to("out");
  TopologyTestDriver driver(builder.build(), config(true));
  auto l = driver.createInputTopic<std::string, std::string>("left");
  auto r = driver.createInputTopic<std::string, std::string>("right");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  l.pipeInput("ignored", "k|a", 100);
  r.pipeInput("k", "b", 150);
  EXPECT_THAT(out.readKeyValuesToList(), ElementsAre(KeyValue<std::string, std::string>{"k", "a+b"}));
}

TEST(JoinWindowsTest, RejectsNegativeSizesWithAClearMessage) {
  EXPECT_THROW(JoinWindows::ofTimeDifferenceWithNoGrace(-1ms), ConfigException);
  EXPECT_THROW(JoinWindows::ofTimeDifferenceAndGrace(1ms, -1ms), ConfigException);
  EXPECT_THROW((void)JoinWindows::ofTimeDifferenceWithNoGrace(10ms).before(-20ms), ConfigException);
  const auto w = JoinWindows::ofTimeDifferenceWithNoGrace(10ms).before(-5ms);
  EXPECT_EQ(w.sizeMs(), 5);
}

// ---------------------------------------------------------------- stream-table

class StreamTableJoinTest : public ::testing::TestWithParam<bool> {};

TEST_P(StreamTableJoinTest, InnerJoinLooksUpTheCurrentRowAndTableUpdatesEmitNothing) {
  StreamsBuilder builder;
  auto table = builder.table<std::string, std::string>("profiles");
  builder.stream<std::string, std::string>("clicks")
      .join(table, [](const std::string& click, const std::string& profile) { return click + "/" + profile; })
      .to("out");
  TopologyTestDriver driver(builder.build(), config(GetParam()));
  auto clicks = driver.createInputTopic<std::string, std::string>("clicks");
  auto profiles = driver.createInputTopic<std::string, OptString>("profiles", Serdes::String(),
                                                                   Serdes::Nullable(Serdes::String()));
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  clicks.pipeInput("u1", "c1", 10);  // no profile yet
  profiles.pipeInput("u1", std::string("gold"), 20);
  EXPECT_TRUE(out.isEmpty()) << "a table update emits nothing";
  clicks.pipeInput("u1", "c2", 30);
  profiles.pipeInput("u1", std::string("silver"), 40);
  clicks.pipeInput("u1", "c3", 50);
  profiles.pipeInput("u1", std::nullopt, 60);  // tombstone
  clicks.pipeInput("u1", "c4", 70);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "c2/gold");
  EXPECT_EQ(records[0].timestamp, 30);
  EXPECT_EQ(records[1].value, "c3/silver");
}

TEST_P(StreamTableJoinTest, LeftJoinEmitsEveryRecordIncludingNullKeys) {
  StreamsBuilder builder;
  auto table = builder.table<std::string, std::string>("profiles");
  builder.stream<std::string, std::string>("clicks")
      .leftJoin(table, [](const std::string& click, const std::optional<std::string>& p) { return click + "/" + show(p); })
      .to("out");
  TopologyTestDriver driver(builder.build(), config(GetParam()));
  auto clicks = driver.createInputTopic<OptString, std::string>("clicks", Serdes::Nullable(Serdes::String()),
                                                                 Serdes::String());
  auto profiles = driver.createInputTopic<std::string, std::string>("profiles");
  auto out = driver.createOutputTopic<OptString, std::string>("out", Serdes::Nullable(Serdes::String()),
                                                               Serdes::String());
  clicks.pipeInput(std::string("u1"), "c1", 10);
  profiles.pipeInput("u1", "gold", 20);
  clicks.pipeInput(std::string("u1"), "c2", 30);
  clicks.pipeInput(std::nullopt, "c3", 40);  // a null key never matches, but a left join keeps it
  auto kvs = out.readKeyValuesToList();
  ASSERT_EQ(kvs.size(), 3u);
  EXPECT_EQ(kvs[0], (KeyValue<OptString, std::string>{std::string("u1"), "c1/null"}));
  EXPECT_EQ(kvs[1], (KeyValue<OptString, std::string>{std::string("u1"), "c2/gold"}));
  EXPECT_EQ(kvs[2], (KeyValue<OptString, std::string>{std::nullopt, "c3/null"}));
}

TEST_P(StreamTableJoinTest, TableWithoutAStoreIsMaterializedAndRekeyedStreamIsRepartitioned) {
  StreamsBuilder builder;
  auto table = builder.table<std::string, std::string>("profiles").filter(
      [](const std::string&, const std::string& v) { return v != "banned"; });
  builder.stream<std::string, std::string>("clicks")
      .selectKey([](const std::string&, const std::string& v) { return v.substr(0, v.find(':')); })
      .join(table, [](const std::string& click, const std::string& profile) { return click + "/" + profile; })
      .to("out");
  auto topology = builder.build();
  EXPECT_THAT(topology.describe().toString(), HasSubstr("-repartition"));
  TopologyTestDriver driver(std::move(topology), config(GetParam()));
  auto clicks = driver.createInputTopic<std::string, std::string>("clicks");
  auto profiles = driver.createInputTopic<std::string, std::string>("profiles");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  profiles.pipeInput("u1", "gold", 1);
  profiles.pipeInput("u2", "banned", 2);
  clicks.pipeInput("x", "u1:home", 3);
  clicks.pipeInput("y", "u2:cart", 4);  // u2 is filtered out of the table
  profiles.pipeInput("u1", "banned", 5);
  clicks.pipeInput("z", "u1:again", 6);  // u1 was deleted by the filter
  EXPECT_THAT(out.readKeyValuesToList(), ElementsAre(KeyValue<std::string, std::string>{"u1", "u1:home/gold"}));
}

INSTANTIATE_TEST_SUITE_P(Caching, StreamTableJoinTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Cached" : "Uncached"; });

// ---------------------------------------------------------------- table-table

class TableTableJoinTest : public ::testing::TestWithParam<bool> {
 protected:
  // Joins tables "l" and "r"; every change of the result goes to "out" (a
  // deleted row as a null value).
  template <class Join>
  void run(Join join, const std::vector<std::pair<char, std::pair<std::string, OptString>>>& inputs,
           const std::vector<KeyValue<std::string, OptString>>& expected) {
    StreamsBuilder builder;
    auto l = builder.table<std::string, std::string>("l");
    auto r = builder.table<std::string, std::string>("r");
    join(l, r).toStream().to("out", Produced::with(Serdes::String(), Serdes::String()));
    TopologyTestDriver driver(builder.build(), config(GetParam()));
    auto li = driver.createInputTopic<std::string, OptString>("l", Serdes::String(), Serdes::Nullable(Serdes::String()));
    auto ri = driver.createInputTopic<std::string, OptString>("r", Serdes::String(), Serdes::Nullable(Serdes::String()));
    auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(),
                                                                 Serdes::Nullable(Serdes::String()));
    int64_t ts = 0;
    for (const auto& [side, kv] : inputs) (side == 'l' ? li : ri).pipeInput(kv.first, kv.second, ts += 10);
    // The driver commits (and so flushes caches) after every input record.
    EXPECT_EQ(out.readKeyValuesToList(), expected);
  }
};

TEST_P(TableTableJoinTest, InnerJoinRowExistsWhileBothSidesHaveTheKey) {
  run([](auto& l, auto& r) { return l.join(r, innerJoiner); },
      {{'l', {"k", "a"}}, {'r', {"k", "x"}}, {'l', {"k", "b"}}, {'r', {"k", std::nullopt}}, {'l', {"k", std::nullopt}}},
      {{"k", "a+x"}, {"k", "b+x"}, {"k", std::nullopt}});
}

TEST_P(TableTableJoinTest, LeftJoinKeepsEveryLeftRow) {
  run([](auto& l, auto& r) { return l.leftJoin(r, leftJoiner); },
      {{'l', {"k", "a"}}, {'r', {"k", "x"}}, {'r', {"k", std::nullopt}}, {'r', {"j", "y"}}, {'l', {"k", std::nullopt}}},
      {{"k", "a+null"}, {"k", "a+x"}, {"k", "a+null"}, {"k", std::nullopt}});
}

TEST_P(TableTableJoinTest, OuterJoinKeepsRowsOfEitherSide) {
  run([](auto& l, auto& r) { return l.outerJoin(r, outerJoiner); },
      {{'r', {"k", "x"}}, {'l', {"k", "a"}}, {'l', {"k", std::nullopt}}, {'r', {"k", std::nullopt}}},
      {{"k", "null+x"}, {"k", "a+x"}, {"k", "null+x"}, {"k", std::nullopt}});
}

INSTANTIATE_TEST_SUITE_P(Caching, TableTableJoinTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Cached" : "Uncached"; });

TEST(TableTableJoinReaggregationTest, GroupByOverAJoinTakesOldValuesOut) {
  for (bool cached : {false, true}) {
    SCOPED_TRACE(cached ? "cached" : "uncached");
    StreamsBuilder builder;
    auto regions = builder.table<std::string, std::string>("regions");  // user -> region
    auto tiers = builder.table<std::string, std::string>("tiers");      // user -> tier
    regions
        .join(tiers, [](const std::string& region, const std::string& tier) { return region + "/" + tier; },
              Named::as("user-segment"), Materialized::as("segments"))
        .groupBy([](const std::string& user, const std::string& segment) {
          return KeyValue<std::string, std::string>{segment, user};
        })
        .count(Materialized::as("segment-counts"))
        .toStream()
        .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
    TopologyTestDriver driver(builder.build(), config(cached));
    auto r = driver.createInputTopic<std::string, std::string>("regions");
    auto t = driver.createInputTopic<std::string, OptString>("tiers", Serdes::String(),
                                                              Serdes::Nullable(Serdes::String()));
    auto out = driver.createOutputTopic<std::string, int64_t>("out", Serdes::String(), Serdes::Int64());
    r.pipeInput("u1", "eu", 1);
    r.pipeInput("u2", "eu", 2);
    t.pipeInput("u1", std::string("gold"), 3);
    t.pipeInput("u2", std::string("gold"), 4);
    t.pipeInput("u1", std::string("free"), 5);  // u1 moves from eu/gold to eu/free
    r.pipeInput("u2", "us", 6);                 // u2 moves from eu/gold to us/gold
    t.pipeInput("u2", std::nullopt, 7);         // u2 leaves the join
    EXPECT_THAT(out.readKeyValuesToMap(),
                ElementsAre(Pair("eu/free", 1), Pair("eu/gold", 0), Pair("us/gold", 0)));
  }
}

// ---------------------------------------------------------------- co-partitioning

TEST(CopartitioningTest, JoinInputsWithDifferentPartitionCountsFailNamingTopicsAndCounts) {
  StreamsBuilder builder;
  auto table = builder.table<std::string, std::string>("profiles");
  builder.stream<std::string, std::string>("clicks").join(table, innerJoiner).to("out");
  auto topology = builder.build();
  std::map<std::string, int32_t> planned;
  try {
    internal::enforceCopartitioning(topology.definition(), {{"clicks", 4}, {"profiles", 8}}, planned);
    FAIL() << "expected a TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("clicks (4)"));
    EXPECT_THAT(e.what(), HasSubstr("profiles (8)"));
    EXPECT_THAT(e.what(), HasSubstr("same number of partitions"));
  }
  EXPECT_NO_THROW(internal::enforceCopartitioning(topology.definition(), {{"clicks", 4}, {"profiles", 4}}, planned));
}

TEST(StreamStreamJoinStoresTest, OnlyTheOuterJoinsSharedStoreWaitsForOutputsBeforeItsChangelog) {
  StreamsBuilder builder;
  auto left = builder.stream<std::string, std::string>("left");
  auto right = builder.stream<std::string, std::string>("right");
  left.outerJoin(right, outerJoiner, JoinWindows::ofTimeDifferenceWithNoGrace(100ms),
                 StreamJoined::withStoreName("j"))
      .to("out");
  auto topology = builder.build();
  const auto& stores = topology.definition().stores;
  ASSERT_EQ(stores.size(), 3u);
  // The window stores only record arrivals: reprocessing the input emits a lost
  // output again. The shared store remembers which records were emitted unmatched.
  EXPECT_FALSE(stores.at("j-this-join-store").changelogAfterOutputs);
  EXPECT_FALSE(stores.at("j-other-join-store").changelogAfterOutputs);
  EXPECT_TRUE(stores.at("j-outer-shared-join-store").changelogAfterOutputs);
}

TEST(CopartitioningTest, RepartitionTopicOfAJoinTakesTheOtherSidesPartitionCount) {
  StreamsBuilder builder;
  auto table = builder.table<std::string, std::string>("profiles");
  builder.stream<std::string, std::string>("clicks")
      .selectKey([](const std::string&, const std::string& v) { return v; }, Named::as("by-user"))
      .join(table, innerJoiner)
      .to("out");
  auto topology = builder.build();
  const auto& def = topology.definition();
  ASSERT_EQ(def.internalTopics.size(), 1u);
  const std::string topic = def.internalTopics.begin()->first;
  EXPECT_EQ(topic, "by-user-repartition");
  // The clicks topic has 2 partitions, so the repartition topic would get 2;
  // the table it joins has 6.
  std::map<std::string, int32_t> planned{{topic, 2}};
  internal::enforceCopartitioning(def, {{"clicks", 2}, {"profiles", 6}}, planned);
  EXPECT_EQ(planned[topic], 6);
}

}  // namespace
}  // namespace kstreams
