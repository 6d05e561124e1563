// KTable (builder.table, filter, mapValues, toStream) and KGroupedTable
// re-aggregation (count, reduce, aggregate with a subtractor), specified through
// the TopologyTestDriver (no broker).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using OptString = std::optional<std::string>;
using OptInt64 = std::optional<int64_t>;

const Properties kAppConfig = {{"application.id", "table-app"}};

Properties uncachedConfig() {
  Properties p = kAppConfig;
  p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "0";
  return p;
}

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

SerdePtr<OptString> nullableString() { return Serdes::Nullable(Serdes::String()); }
SerdePtr<OptInt64> nullableInt64() { return Serdes::Nullable(Serdes::Int64()); }

/// "eu:10" -> {"eu", 10}
std::pair<std::string, int64_t> regionAndAmount(const std::string& v) {
  const auto colon = v.find(':');
  return {v.substr(0, colon), std::stoll(v.substr(colon + 1))};
}

// ---------------------------------------------------------------- builder.table

TEST(KTableTest, TableEmitsEachUpdateAndEndsWithTheLatestValuePerKey) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in").toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("a", "1", 10);
  in.pipeInput("b", "2", 20);
  in.pipeInput("a", "3", 30);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], (TestRecord<std::string, std::string>{"a", "1", 10, {}}));
  EXPECT_EQ(records[1], (TestRecord<std::string, std::string>{"b", "2", 20, {}}));
  EXPECT_EQ(records[2], (TestRecord<std::string, std::string>{"a", "3", 30, {}}));

  in.pipeInput("b", "4");
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("b", "4")));
}

TEST(KTableTest, TombstoneDeletesTheKeyAndToStreamEmitsANullValue) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in").toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  // The table is typed std::string; the tombstone comes from the input topic's Nullable serde.
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("a", "x", 1);
  in.pipeInput("a", std::nullopt, 2);
  in.pipeInput("a", "y", 3);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, OptString("x"));
  EXPECT_EQ(records[1].key, "a");
  EXPECT_EQ(records[1].value, std::nullopt);
  EXPECT_EQ(records[1].timestamp, 2);
  EXPECT_EQ(records[2].value, OptString("y"));
}

TEST(KTableTest, TombstoneIsWrittenAsNullNotAsAnEmptyValue) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in").toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), nullableString());
  in.pipeInput("a", "x");
  in.pipeInput("a", std::nullopt);
  auto& q = driver.outputQueue("out");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].value, OptString("x"));
  EXPECT_EQ(q[1].value, std::nullopt);
}

TEST(KTableTest, TombstoneForAKeyTheTableDoesNotHaveEmitsNothing) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in").toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("ghost", std::nullopt);
  in.pipeInput("a", "x");
  in.pipeInput("a", std::nullopt);
  in.pipeInput("a", std::nullopt);  // already deleted
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", OptString("x")), Pair("a", OptString())));
}

TEST(KTableTest, TableSkipsRecordsWithANullKeyAndCountsThemAsDropped) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in").toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("no key");
  in.pipeInput("a", "x");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", "x")));
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 1);
}

TEST(KTableTest, TableWithMaterializedAsWritesTheNamedChangelog) {
  StreamsBuilder builder;
  auto table = builder.table("in", Consumed::with(Serdes::String(), Serdes::Int64()),
                             MaterializedWith<std::string, int64_t>(Materialized::as("prices")));
  EXPECT_EQ(table.queryableStoreName(), "prices");
  table.toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptInt64>("in", Serdes::String(), nullableInt64());
  in.pipeInput("apple", 3);
  in.pipeInput("pear", 5);
  in.pipeInput("apple", 4);
  in.pipeInput("pear", std::nullopt);
  EXPECT_THAT(driver.producedTopicNames(), UnorderedElementsAre("table-app-prices-changelog", "out"));
  auto changelog =
      driver.createOutputTopic<std::string, OptInt64>("table-app-prices-changelog", Serdes::String(), nullableInt64());
  EXPECT_THAT(changelog.readKeyValuesToMap(), UnorderedElementsAre(Pair("apple", OptInt64(4)), Pair("pear", OptInt64())));
}

// ---------------------------------------------------------------- filter

TEST(KTableTest, FilterEmitsADeleteWhenARowStopsMatching) {
  StreamsBuilder builder;
  auto filtered = builder.table("in", Consumed::with(Serdes::String(), Serdes::Int64()))
                      .filter([](const std::string&, int64_t v) { return v > 10; });
  EXPECT_EQ(filtered.queryableStoreName(), "");
  filtered.toStream().to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, OptInt64>("out", Serdes::String(), nullableInt64());
  in.pipeInput("a", 20);
  in.pipeInput("a", 30);
  in.pipeInput("a", 5);  // stops matching
  in.pipeInput("a", 50);  // matches again
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", OptInt64(20)), Pair("a", OptInt64(30)),
                                                            Pair("a", OptInt64()), Pair("a", OptInt64(50))));
}

TEST(KTableTest, FilterEmitsNothingForARowThatNeverMatched) {
  StreamsBuilder builder;
  builder.table("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .filter([](const std::string&, int64_t v) { return v > 10; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptInt64>("in", Serdes::String(), nullableInt64());
  auto out = driver.createOutputTopic<std::string, OptInt64>("out", Serdes::String(), nullableInt64());
  in.pipeInput("b", 3);
  in.pipeInput("b", 4);
  in.pipeInput("b", std::nullopt);
  EXPECT_TRUE(out.isEmpty());
}

TEST(KTableTest, FilterPassesTheTombstoneOfAMatchingRow) {
  StreamsBuilder builder;
  builder.table("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .filter([](const std::string&, int64_t v) { return v > 10; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptInt64>("in", Serdes::String(), nullableInt64());
  auto out = driver.createOutputTopic<std::string, OptInt64>("out", Serdes::String(), nullableInt64());
  in.pipeInput("a", 11);
  in.pipeInput("a", std::nullopt);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", OptInt64(11)), Pair("a", OptInt64())));
}

TEST(KTableTest, FilterNotKeepsTheRowsThatDoNotMatchAndSeesTheKey) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in")
      .filterNot([](const std::string& k, const std::string& v) { return k == "admin" || v.empty(); })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("admin", "root");
  in.pipeInput("bob", "x");
  in.pipeInput("bob", "");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("bob", OptString("x")), Pair("bob", OptString())));
}

// ---------------------------------------------------------------- mapValues

TEST(KTableTest, MapValuesTransformsEachRowAndPassesDeletes) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return static_cast<int64_t>(v.size()); })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, OptInt64>("out", Serdes::String(), nullableInt64());
  in.pipeInput("a", "abc", 5);
  in.pipeInput("a", "abcdef", 6);
  in.pipeInput("a", std::nullopt, 7);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, OptInt64(3));
  EXPECT_EQ(records[1].value, OptInt64(6));
  EXPECT_EQ(records[2].value, std::nullopt);
  EXPECT_EQ(records[2].timestamp, 7);
}

TEST(KTableTest, MapValuesWithKeySeesTheKeyAndFilterDownstreamSeesTheMappedValue) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("in")
      .mapValues([](const std::string& k, const std::string& v) { return k + "/" + v; })
      .filter([](const std::string&, const std::string& v) { return v.size() > 5; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("ab", "cde");   // "ab/cde": 6 characters, kept
  in.pipeInput("ab", "c");     // "ab/c": dropped, so deleted downstream
  in.pipeInput("x", "yz");     // "x/yz": never kept
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("ab", OptString("ab/cde")), Pair("ab", OptString())));
}

// ---------------------------------------------------------------- KGroupedTable

/// user -> region; counts users per region.
class UsersPerRegion {
 public:
  explicit UsersPerRegion(const Properties& config) : driver_(topology(), config) {}

  static Topology topology() {
    StreamsBuilder builder;
    builder.table<std::string, std::string>("users")
        .groupBy([](const std::string& user, const std::string& region) { return KeyValue<std::string, std::string>{region, user}; })
        .count(Materialized::as("users-per-region"))
        .toStream()
        .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
    return builder.build();
  }

  TopologyTestDriver driver_;
  TestInputTopic<std::string, OptString> users_ =
      driver_.createInputTopic<std::string, OptString>("users", Serdes::String(), nullableString());
  TestOutputTopic<std::string, int64_t> out_ = driver_.createOutputTopic<std::string, int64_t>("out");
};

TEST(KGroupedTableTest, CountMovesARowToItsNewGroupWhenItsGroupChanges) {
  UsersPerRegion t(uncachedConfig());
  t.users_.pipeInput("alice", "eu");
  t.users_.pipeInput("bob", "eu");
  t.users_.pipeInput("alice", "us");
  // The subtractor takes alice out of eu before the adder puts her in us.
  EXPECT_THAT(pairs(t.out_.readKeyValuesToList()),
              ElementsAre(Pair("eu", 1), Pair("eu", 2), Pair("eu", 1), Pair("us", 1)));
}

TEST(KGroupedTableTest, CountTakesADeletedRowOutOfItsGroup) {
  UsersPerRegion t(kAppConfig);
  t.users_.pipeInput("alice", "eu");
  t.users_.pipeInput("bob", "eu");
  t.users_.pipeInput("alice", std::nullopt);
  EXPECT_THAT(pairs(t.out_.readKeyValuesToList()), ElementsAre(Pair("eu", 1), Pair("eu", 2), Pair("eu", 1)));
  t.users_.pipeInput("bob", std::nullopt);
  EXPECT_THAT(pairs(t.out_.readKeyValuesToList()), ElementsAre(Pair("eu", 0)));
}

TEST(KGroupedTableTest, CountDoesNotChangeWhenARowIsUpdatedWithinItsGroup) {
  UsersPerRegion t(kAppConfig);
  t.users_.pipeInput("alice", "eu");
  t.users_.pipeInput("alice", "eu");
  t.users_.pipeInput("alice", "eu");
  EXPECT_THAT(t.out_.readKeyValuesToMap(), ElementsAre(Pair("eu", 1)));
}

TEST(KGroupedTableTest, RepartitionTopicIsNamedAfterTheStore) {
  UsersPerRegion t(kAppConfig);
  t.users_.pipeInput("alice", "eu");
  EXPECT_THAT(t.driver_.producedTopicNames(), Contains("table-app-users-per-region-repartition"));
}

TEST(KGroupedTableTest, RepartitionTopicIsNamedAfterGroupedAs) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("users")
      .groupBy([](const std::string& user, const std::string& region) { return std::pair{region, user}; },
               Grouped::as("by-region"))
      .count()
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("users");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("alice", "eu");
  in.pipeInput("bob", "eu");
  EXPECT_THAT(driver.producedTopicNames(), Contains("table-app-by-region-repartition"));
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("eu", 2)));
}

/// user -> "region:amount"; sums amounts per region with reduce(adder, subtractor).
Topology amountPerRegion() {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("accounts")
      .groupBy([](const std::string&, const std::string& v) { return regionAndAmount(v); },
               Grouped::with(Serdes::String(), Serdes::Int64()))
      .reduce([](int64_t agg, int64_t v) { return agg + v; }, [](int64_t agg, int64_t v) { return agg - v; })
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  return builder.build();
}

TEST(KGroupedTableTest, ReduceReplacesTheContributionOfAnUpdatedRow) {
  TopologyTestDriver driver(amountPerRegion(), uncachedConfig());
  auto in = driver.createInputTopic<std::string, OptString>("accounts", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("alice", "eu:10");
  in.pipeInput("bob", "eu:5");
  in.pipeInput("alice", "eu:30");
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("eu", 10), Pair("eu", 15), Pair("eu", 5), Pair("eu", 35)));
}

TEST(KGroupedTableTest, ReduceWithCachingEmitsOnlyTheResultOfEachInputRecord) {
  TopologyTestDriver driver(amountPerRegion(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("accounts", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("alice", "eu:10");
  in.pipeInput("bob", "eu:5");
  in.pipeInput("alice", "eu:30");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("eu", 10), Pair("eu", 15), Pair("eu", 35)));
}

TEST(KGroupedTableTest, ReduceMovesAndRemovesRows) {
  TopologyTestDriver driver(amountPerRegion(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("accounts", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("alice", "eu:10");
  in.pipeInput("bob", "eu:5");
  in.pipeInput("carol", "us:7");
  in.pipeInput("alice", "us:1");  // leaves eu with 10, joins us with 1
  in.pipeInput("bob", std::nullopt);
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair("eu", 0), Pair("us", 8)));
}

/// The sorted, comma-separated members of a group.
std::string addMember(const std::string& members, const std::string& m) {
  std::set<std::string> all;
  size_t pos = 0;
  while (pos < members.size()) {
    auto comma = members.find(',', pos);
    if (comma == std::string::npos) comma = members.size();
    all.insert(members.substr(pos, comma - pos));
    pos = comma + 1;
  }
  all.insert(m);
  std::string out;
  for (const auto& s : all) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string removeMember(const std::string& members, const std::string& m) {
  std::string out;
  size_t pos = 0;
  while (pos < members.size()) {
    auto comma = members.find(',', pos);
    if (comma == std::string::npos) comma = members.size();
    const auto s = members.substr(pos, comma - pos);
    if (s != m) out += (out.empty() ? "" : ",") + s;
    pos = comma + 1;
  }
  return out;
}

TEST(KGroupedTableTest, AggregateKeepsTheMembersOfEachGroup) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("users")
      .groupBy([](const std::string& user, const std::string& region) { return std::pair{region, user}; })
      .aggregate([] { return std::string(); },
                 [](const std::string&, const std::string& user, const std::string& agg) { return addMember(agg, user); },
                 [](const std::string&, const std::string& user, const std::string& agg) {
                   return removeMember(agg, user);
                 },
                 Materialized::as("members"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, OptString>("users", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("carol", "eu");
  in.pipeInput("alice", "eu");
  in.pipeInput("bob", "us");
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair("eu", "alice,carol"), Pair("us", "bob")));
  in.pipeInput("carol", "us");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("eu", "alice"), Pair("us", "bob,carol")));
  in.pipeInput("bob", std::nullopt);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("us", "carol")));
}

TEST(KGroupedTableTest, AggregateUsesTheInitializerForEachNewGroup) {
  StreamsBuilder builder;
  builder.table("scores", Consumed::with(Serdes::String(), Serdes::Int64()))
      .groupBy([](const std::string& player, int64_t score) {
        return std::pair{player.substr(0, 1), score};
      })
      .aggregate([] { return int64_t{100}; },
                 [](const std::string&, int64_t v, int64_t agg) { return agg + v; },
                 [](const std::string&, int64_t v, int64_t agg) { return agg - v; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, int64_t>("scores");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("ann", 1);
  in.pipeInput("amy", 2);
  in.pipeInput("bea", 5);
  in.pipeInput("ann", 10);
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair("a", 112), Pair("b", 105)));
}

// ---------------------------------------------------------------- the same results, cached or not

enum class StoreMode { kDefault, kZeroCacheBytes, kTinyCache, kCachingDisabled, kInMemory, kLoggingDisabled, kAllOff };

std::string modeName(StoreMode mode) {
  switch (mode) {
    case StoreMode::kDefault:
      return "Default";
    case StoreMode::kZeroCacheBytes:
      return "ZeroCacheBytes";
    case StoreMode::kTinyCache:
      return "TinyCache";
    case StoreMode::kCachingDisabled:
      return "CachingDisabled";
    case StoreMode::kInMemory:
      return "InMemory";
    case StoreMode::kLoggingDisabled:
      return "LoggingDisabled";
    case StoreMode::kAllOff:
      return "InMemoryUncachedUnlogged";
  }
  return "?";
}

void PrintTo(StoreMode mode, std::ostream* os) { *os << modeName(mode); }

Properties configFor(StoreMode mode) {
  if (mode == StoreMode::kZeroCacheBytes) return uncachedConfig();
  Properties p = kAppConfig;
  // Room for a few entries: the cache evicts while a record is processed.
  if (mode == StoreMode::kTinyCache) p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "200";
  return p;
}

template <class K, class V>
MaterializedWith<K, V> materializedFor(StoreMode mode, const std::string& name) {
  MaterializedWith<K, V> m = Materialized::as(name);
  switch (mode) {
    case StoreMode::kCachingDisabled:
      return m.withCachingDisabled();
    case StoreMode::kInMemory:
      return m.withStoreType(StoreType::IN_MEMORY);
    case StoreMode::kLoggingDisabled:
      return m.withLoggingDisabled();
    case StoreMode::kAllOff:
      return m.withStoreType(StoreType::IN_MEMORY).withCachingDisabled().withLoggingDisabled();
    default:
      return m;
  }
}

class KTableStoreTest : public ::testing::TestWithParam<StoreMode> {};

TEST_P(KTableStoreTest, SourceTableFilterAndMapValuesGiveTheSameFinalRows) {
  StreamsBuilder builder;
  auto table = builder.table("in", Consumed::with(Serdes::String(), Serdes::Int64()),
                             materializedFor<std::string, int64_t>(GetParam(), "source"));
  table.toStream().to("all");
  table.filter([](const std::string&, int64_t v) { return v % 2 == 0; })
      .mapValues([](int64_t v) { return std::to_string(v * 10); })
      .toStream()
      .to("even");
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, OptInt64>("in", Serdes::String(), nullableInt64());
  auto all = driver.createOutputTopic<std::string, OptInt64>("all", Serdes::String(), nullableInt64());
  auto even = driver.createOutputTopic<std::string, OptString>("even", Serdes::String(), nullableString());
  in.pipeInput("a", 2);
  in.pipeInput("b", 3);
  in.pipeInput("c", 4);
  in.pipeInput("a", 5);
  in.pipeInput("c", std::nullopt);
  in.pipeInput("d", 8);
  EXPECT_THAT(all.readKeyValuesToMap(), UnorderedElementsAre(Pair("a", OptInt64(5)), Pair("b", OptInt64(3)),
                                                             Pair("c", OptInt64()), Pair("d", OptInt64(8))));
  EXPECT_THAT(even.readKeyValuesToMap(),
              UnorderedElementsAre(Pair("a", OptString()), Pair("c", OptString()), Pair("d", OptString("80"))));
}

TEST_P(KTableStoreTest, ToStreamKeepsTheHeadersOfTheRecordThatLastWroteTheRow) {
  StreamsBuilder builder;
  builder.table("in", Consumed::with(Serdes::String(), Serdes::String()),
                materializedFor<std::string, std::string>(GetParam(), "source"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), nullableString());
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("a", "x", 1, Headers{{"trace", "t-1"}});
  in.pipeInput("a", std::nullopt, 2, Headers{{"trace", "t-2"}});
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_NE(records[0].headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(records[0].headers.lastHeader("trace")->value, OptString("t-1"));
  ASSERT_NE(records[1].headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(records[1].headers.lastHeader("trace")->value, OptString("t-2"));
}

TEST_P(KTableStoreTest, GroupedTableCountReduceAndAggregateGiveTheSameFinalValues) {
  StreamsBuilder builder;
  auto accounts = builder.table("accounts", Consumed::with(Serdes::String(), Serdes::String()),
                                materializedFor<std::string, std::string>(GetParam(), "accounts-store"));
  auto grouped = accounts.groupBy([](const std::string&, const std::string& v) { return regionAndAmount(v); },
                                  Grouped::with(Serdes::String(), Serdes::Int64()));
  grouped.count(materializedFor<std::string, int64_t>(GetParam(), "count-store")).toStream().to("count");
  grouped
      .reduce([](int64_t agg, int64_t v) { return agg + v; }, [](int64_t agg, int64_t v) { return agg - v; },
              materializedFor<std::string, int64_t>(GetParam(), "sum-store"))
      .toStream()
      .to("sum");
  grouped
      .aggregate([] { return std::string("|"); },
                 [](const std::string&, int64_t v, const std::string& agg) { return agg + "+" + std::to_string(v); },
                 [](const std::string&, int64_t v, const std::string& agg) { return agg + "-" + std::to_string(v); },
                 materializedFor<std::string, std::string>(GetParam(), "history-store"))
      .toStream()
      .to("history");
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, OptString>("accounts", Serdes::String(), nullableString());
  auto count = driver.createOutputTopic<std::string, int64_t>("count");
  auto sum = driver.createOutputTopic<std::string, int64_t>("sum");
  auto history = driver.createOutputTopic<std::string, std::string>("history");
  in.pipeInput("alice", "eu:10");
  in.pipeInput("bob", "eu:5");
  in.pipeInput("carol", "us:7");
  in.pipeInput("alice", "eu:30");   // same group, new amount
  in.pipeInput("bob", "us:1");      // moves from eu to us
  in.pipeInput("carol", std::nullopt);
  EXPECT_THAT(count.readKeyValuesToMap(), UnorderedElementsAre(Pair("eu", 1), Pair("us", 1)));
  EXPECT_THAT(sum.readKeyValuesToMap(), UnorderedElementsAre(Pair("eu", 30), Pair("us", 1)));
  EXPECT_THAT(history.readKeyValuesToMap(),
              UnorderedElementsAre(Pair("eu", "|+10+5-10+30-5"), Pair("us", "|+7+1-7")));
}

TEST_P(KTableStoreTest, GroupedTableResultTimestampIsTheMaxOfItsInputTimestamps) {
  StreamsBuilder builder;
  builder.table("users", Consumed::with(Serdes::String(), Serdes::String()),
                materializedFor<std::string, std::string>(GetParam(), "users-store"))
      .groupBy([](const std::string& user, const std::string& region) { return std::pair{region, user}; })
      .count(materializedFor<std::string, int64_t>(GetParam(), "count-store"))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("users");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("alice", "eu", 500);
  in.pipeInput("bob", "eu", 100);  // older than the aggregate
  auto records = out.readRecordsToList();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().key, "eu");
  EXPECT_EQ(records.back().value, 2);
  EXPECT_EQ(records.back().timestamp, 500);
}

INSTANTIATE_TEST_SUITE_P(StoreModes, KTableStoreTest,
                         ::testing::Values(StoreMode::kDefault, StoreMode::kZeroCacheBytes, StoreMode::kTinyCache,
                                           StoreMode::kCachingDisabled, StoreMode::kInMemory,
                                           StoreMode::kLoggingDisabled, StoreMode::kAllOff),
                         [](const ::testing::TestParamInfo<StoreMode>& info) { return modeName(info.param); });

}  // namespace
}  // namespace kstreams
