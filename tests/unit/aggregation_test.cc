// KGroupedStream aggregations (count, reduce, aggregate), specified through the
// TopologyTestDriver (no broker).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using OptString = std::optional<std::string>;

const Properties kAppConfig = {{"application.id", "agg-app"}};

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

double metric(const TopologyTestDriver& driver, const std::string& name) { return driver.metrics().at(name); }

// ---------------------------------------------------------------- count

TEST(KGroupedStreamTest, CountCountsRecordsPerKeyWhenGroupedByKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").groupByKey().count().toStream().to(
      "out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "x");
  in.pipeInput("b", "x");
  in.pipeInput("a", "y");
  in.pipeInput("a", "z");
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("a", 1), Pair("b", 1), Pair("a", 2), Pair("a", 3)));
}

TEST(KGroupedStreamTest, CountWithMaterializedAsNamesTheStoreAndItsChangelog) {
  StreamsBuilder builder;
  auto table = builder.stream<std::string, std::string>("in").groupByKey().count(Materialized::as("counts"));
  EXPECT_EQ(table.queryableStoreName(), "counts");
  table.toStream().to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x");
  in.pipeInput("a", "x");
  EXPECT_THAT(driver.producedTopicNames(), UnorderedElementsAre("agg-app-counts-changelog", "out"));
  auto changelog = driver.createOutputTopic<std::string, int64_t>("agg-app-counts-changelog", Serdes::String(),
                                                                 Serdes::Int64());
  // The changelog holds the store's bytes: the count after each update.
  EXPECT_THAT(changelog.readKeyValuesToMap(), ElementsAre(Pair("a", 2)));
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("a", 2)));
}

/// Strings written with a "key:" prefix, to see which serde wrote some bytes.
class PrefixedStringSerde final : public Serde<std::string> {
 public:
  bool serialize(const std::string& v, std::string& out) const override {
    out += "key:" + v;
    return true;
  }
  void deserialize(const char* data, size_t size, std::string& out) const override {
    const std::string s = data == nullptr ? std::string() : std::string(data, size);
    if (s.rfind("key:", 0) != 0) throw SerializationException("PrefixedString: no prefix in " + s);
    out = s.substr(4);
  }
  [[nodiscard]] std::string name() const override { return "PrefixedString"; }
};

TEST(KGroupedStreamTest, CountWithMaterializedWithStoresAndWritesWithTheGivenSerdes) {
  SerdePtr<std::string> prefixed = std::make_shared<PrefixedStringSerde>();
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count(Materialized::with(prefixed, Serdes::Int64()))
      .toStream()
      .to("out");  // the table's serdes are the store's
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x");
  in.pipeInput("a", "x");
  const std::string changelog = "agg-app-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog";
  EXPECT_THAT(driver.producedTopicNames(), UnorderedElementsAre(changelog, "out"));
  auto logged = driver.createOutputTopic<std::string, int64_t>(changelog);
  EXPECT_THAT(logged.readKeyValuesToMap(), ElementsAre(Pair("key:a", 2)));
  auto raw = driver.createOutputTopic<std::string, int64_t>("out");
  EXPECT_THAT(pairs(raw.readKeyValuesToList()), ElementsAre(Pair("key:a", 1), Pair("key:a", 2)));
}

TEST(KGroupedStreamTest, CountWithoutLoggingWritesNoChangelog) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count(Materialized::as("counts").withLoggingDisabled())
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x");
  EXPECT_THAT(driver.producedTopicNames(), ElementsAre("out"));
}

// ---------------------------------------------------------------- reduce

TEST(KGroupedStreamTest, ReduceSumsValuesPerKeyStartingFromTheFirstValue) {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .groupByKey()
      .reduce([](int64_t agg, int64_t v) { return agg + v; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", 5);
  in.pipeInput("b", 100);
  in.pipeInput("a", -2);
  in.pipeInput("a", 10);
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("a", 5), Pair("b", 100), Pair("a", 3), Pair("a", 13)));
}

TEST(KGroupedStreamTest, ReduceConcatenatesStringsInArrivalOrder) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .reduce([](const std::string& agg, const std::string& v) { return agg + "," + v; },
              Materialized::as("joined"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "a");
  in.pipeInput("k", "b");
  in.pipeInput("other", "z");
  in.pipeInput("k", "c");
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair("k", "a,b,c"), Pair("other", "z")));
}

// ---------------------------------------------------------------- aggregate

TEST(KGroupedStreamTest, AggregateStartsEachKeyFromTheInitializer) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .aggregate([] { return int64_t{1000}; },
                 [](const std::string&, const std::string& v, int64_t agg) {
                   return agg + static_cast<int64_t>(v.size());
                 })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "xyz");
  in.pipeInput("b", "");
  in.pipeInput("a", "hello");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", 1003), Pair("b", 1000), Pair("a", 1008)));
}

TEST(KGroupedStreamTest, AggregateSeesTheKeyAndCanChangeTheValueType) {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .groupByKey()
      .aggregate([] { return std::string("<"); },
                 [](const std::string& k, int64_t v, const std::string& agg) {
                   return agg + k + "=" + std::to_string(v) + ";";
                 },
                 Materialized::as("concat"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("x", 1);
  in.pipeInput("x", 22);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("x", "<x=1;"), Pair("x", "<x=1;x=22;")));
}

struct Stats {
  int64_t count = 0;
  int64_t sum = 0;
  bool operator==(const Stats&) const = default;
};

/// A serde for a type that has no DefaultSerde: "count:sum".
class StatsSerde final : public Serde<Stats> {
 public:
  bool serialize(const Stats& s, std::string& out) const override {
    out += std::to_string(s.count) + ":" + std::to_string(s.sum);
    return true;
  }
  void deserialize(const char* data, size_t size, Stats& out) const override {
    if (data == nullptr) throw SerializationException("Stats: null");
    const std::string s(data, size);
    const auto colon = s.find(':');
    if (colon == std::string::npos) throw SerializationException("Stats: no colon in " + s);
    out.count = std::stoll(s.substr(0, colon));
    out.sum = std::stoll(s.substr(colon + 1));
  }
  [[nodiscard]] std::string name() const override { return "Stats"; }
};

TEST(KGroupedStreamTest, AggregateToATypeWithoutADefaultSerdeFailsToBuildWithoutMaterializedWith) {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .groupByKey()
      .aggregate([] { return Stats{}; }, [](const std::string&, int64_t v, Stats s) {
        s.count++;
        s.sum += v;
        return s;
      });
  EXPECT_THROW((void)builder.build(), TopologyException);
}

TEST(KGroupedStreamTest, AggregateUsesTheValueSerdeOfMaterializedWith) {
  StreamsBuilder builder;
  SerdePtr<Stats> statsSerde = std::make_shared<StatsSerde>();
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .groupByKey()
      .aggregate([] { return Stats{}; },
                 [](const std::string&, int64_t v, Stats s) {
                   s.count++;
                   s.sum += v;
                   return s;
                 },
                 Materialized::with(Serdes::String(), statsSerde))
      .toStream()
      .to("out", Produced::with(Serdes::String(), statsSerde));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");  // the raw "count:sum" text
  in.pipeInput("a", 4);
  in.pipeInput("a", 6);
  in.pipeInput("b", -1);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", "1:4"), Pair("a", "2:10"), Pair("b", "1:-1")));
}

// ---------------------------------------------------------------- groupBy (repartition)

TEST(KGroupedStreamTest, GroupByRepartitionsThroughATopicNamedAfterTheStore) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupBy([](const std::string&, const std::string& v) { return v; })
      .count()
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k1", "red");
  in.pipeInput("k2", "blue");
  in.pipeInput("k3", "red");
  // Kafka Streams' names: source 0, key-select 1, store 2.
  const std::string repartition = "agg-app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition";
  EXPECT_THAT(driver.producedTopicNames(), Contains(repartition));
  auto through = driver.createOutputTopic<std::string, std::string>(repartition);
  EXPECT_THAT(pairs(through.readKeyValuesToList()),
              ElementsAre(Pair("red", "red"), Pair("blue", "blue"), Pair("red", "red")));
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("red", 1), Pair("blue", 1), Pair("red", 2)));
}

TEST(KGroupedStreamTest, GroupByWithMaterializedAsNamesTheRepartitionTopicAfterTheStore) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupBy([](const std::string&, const std::string& v) { return v; })
      .count(Materialized::as("colour-counts"))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k1", "red");
  EXPECT_THAT(driver.producedTopicNames(),
              UnorderedElementsAre("agg-app-colour-counts-repartition", "agg-app-colour-counts-changelog", "out"));
}

TEST(KGroupedStreamTest, GroupByWithGroupedAsNamesTheRepartitionTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupBy([](const std::string&, const std::string& v) { return v; }, Grouped::as("by-colour"))
      .count(Materialized::as("colour-counts"))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k1", "red");
  in.pipeInput("k2", "red");
  EXPECT_THAT(driver.producedTopicNames(), Contains("agg-app-by-colour-repartition"));
  EXPECT_THAT(driver.producedTopicNames(), Not(Contains("agg-app-colour-counts-repartition")));
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("red", 2)));
}

TEST(KGroupedStreamTest, GroupByWithGroupedWithUsesTheGivenSerdesForTheRepartitionTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupBy([](const std::string&, const std::string& v) { return static_cast<int64_t>(v.size()); },
               Grouped::with(Serdes::Int64(), Serdes::String()).withName("by-length"))
      .count()
      .toStream()
      .to("out", Produced::with(Serdes::Int64(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<int64_t, int64_t>("out");
  in.pipeInput("k", "ab");
  in.pipeInput("k", "cd");
  in.pipeInput("k", "efg");
  auto through = driver.createOutputTopic<int64_t, std::string>("agg-app-by-length-repartition");
  EXPECT_THAT(pairs(through.readKeyValuesToList()), ElementsAre(Pair(2, "ab"), Pair(2, "cd"), Pair(3, "efg")));
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair(2, 2), Pair(3, 1)));
}

TEST(KGroupedStreamTest, EachAggregationOfAnUnnamedGroupingHasItsOwnRepartitionTopic) {
  StreamsBuilder builder;
  auto grouped = builder.stream<std::string, std::string>("in").groupBy(
      [](const std::string&, const std::string& v) { return v; });
  grouped.count(Materialized::as("counts")).toStream().to("counts-out", Produced::with(Serdes::String(), Serdes::Int64()));
  grouped.reduce([](const std::string& a, const std::string& b) { return a + b; }, Materialized::as("joined"))
      .toStream()
      .to("joined-out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k1", "x");
  in.pipeInput("k2", "x");
  EXPECT_THAT(driver.producedTopicNames(), Contains("agg-app-counts-repartition"));
  EXPECT_THAT(driver.producedTopicNames(), Contains("agg-app-joined-repartition"));
  auto counts = driver.createOutputTopic<std::string, int64_t>("counts-out");
  auto joined = driver.createOutputTopic<std::string, std::string>("joined-out");
  EXPECT_THAT(counts.readKeyValuesToMap(), ElementsAre(Pair("x", 2)));
  EXPECT_THAT(joined.readKeyValuesToMap(), ElementsAre(Pair("x", "xx")));
}

// As Kafka Streams: aggregations of one grouping named with Grouped::as read the
// same repartition topic, written once per record.
TEST(KGroupedStreamTest, AggregationsOfANamedGroupingShareItsRepartitionTopic) {
  auto build = [] {
    StreamsBuilder builder;
    auto grouped = builder.stream<std::string, std::string>("in").groupBy(
        [](const std::string&, const std::string& v) { return v; }, Grouped::as("by-value"));
    grouped.count(Materialized::as("counts")).toStream().to("counts-out", Produced::with(Serdes::String(), Serdes::Int64()));
    grouped.reduce([](const std::string& a, const std::string& b) { return a + b; }, Materialized::as("joined"))
        .toStream()
        .to("joined-out");
    return builder.build();
  };
  ASSERT_NO_THROW((void)build());
  TopologyTestDriver driver(build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k1", "x");
  in.pipeInput("k2", "x");
  EXPECT_THAT(driver.producedTopicNames(), Contains("agg-app-by-value-repartition"));
  EXPECT_EQ(driver.outputSize("agg-app-by-value-repartition"), 2u);
  auto counts = driver.createOutputTopic<std::string, int64_t>("counts-out");
  auto joined = driver.createOutputTopic<std::string, std::string>("joined-out");
  EXPECT_THAT(counts.readKeyValuesToMap(), ElementsAre(Pair("x", 2)));
  EXPECT_THAT(joined.readKeyValuesToMap(), ElementsAre(Pair("x", "xx")));
}

TEST(KGroupedStreamTest, GroupByKeyRepartitionsWhenTheKeyWasChangedUpstream) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string&, const std::string& v) { return v; })
      .groupByKey(Grouped::as("rekeyed"))
      .count()
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k1", "v");
  in.pipeInput("k2", "v");
  EXPECT_THAT(driver.producedTopicNames(), Contains("agg-app-rekeyed-repartition"));
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("v", 2)));
}

TEST(KGroupedStreamTest, GroupByKeyDoesNotRepartitionWhenTheKeyIsUnchanged) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return v + "!"; })
      .groupByKey()
      .count(Materialized::as("counts").withLoggingDisabled())
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k1", "v");
  EXPECT_THAT(driver.producedTopicNames(), ElementsAre("out"));
}

// ---------------------------------------------------------------- nulls

TEST(KGroupedStreamTest, CountSkipsRecordsWithANullKeyAndCountsThemAsDropped) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").groupByKey().count().toStream().to(
      "out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "x");
  in.pipeInput("no key");  // a null key
  in.pipeInput("no key either");
  in.pipeInput("a", "y");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", 1), Pair("a", 2)));
  EXPECT_EQ(metric(driver, "dropped-records-total"), 2);
}

TEST(KGroupedStreamTest, AnEmptyKeyIsAKeyNotANullKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").groupByKey().count().toStream().to(
      "out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("", "x");
  in.pipeInput("", "y");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("", 1), Pair("", 2)));
  EXPECT_EQ(metric(driver, "dropped-records-total"), 0);
}

TEST(KGroupedStreamTest, ReduceSkipsRecordsWithANullValue) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .reduce([](const std::string& agg, const std::string& v) { return agg + v; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), kAppConfig);
  // The stream is typed std::string; the null value comes from the input topic's serde.
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), Serdes::Nullable(Serdes::String()));
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "a");
  in.pipeInput("k", std::nullopt);
  in.pipeInput("k", "b");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k", "a"), Pair("k", "ab")));
  EXPECT_EQ(metric(driver, "dropped-records-total"), 1);
}

TEST(KGroupedStreamTest, GroupBySkipsRecordsWhoseSelectedKeyIsNull) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupBy([](const std::string&, const std::string& v) { return v == "none" ? OptString() : OptString(v); },
               Grouped::with(Serdes::Nullable(Serdes::String()), Serdes::String()))
      .count()
      .toStream()
      .to("out", Produced::with(Serdes::Nullable(Serdes::String()), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kAppConfig);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<OptString, int64_t>("out", Serdes::Nullable(Serdes::String()), Serdes::Int64());
  in.pipeInput("k", "red");
  in.pipeInput("k", "none");
  in.pipeInput("k", "red");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair(OptString("red"), 1), Pair(OptString("red"), 2)));
}

// ---------------------------------------------------------------- timestamps

/// How a scenario is stored: the record cache on or off (by config or per store),
/// the store type, the changelog.
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
  Properties p = kAppConfig;
  if (mode == StoreMode::kZeroCacheBytes) p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "0";
  // Room for a few entries: the cache evicts while a record is processed.
  if (mode == StoreMode::kTinyCache) p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "200";
  return p;
}

template <class K, class V>
MaterializedWith<K, V> materializedFor(StoreMode mode, MaterializedWith<K, V> m) {
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

class KGroupedStreamStoreTest : public ::testing::TestWithParam<StoreMode> {};

TEST_P(KGroupedStreamStoreTest, AggregateTimestampIsTheMaxOfTheInputTimestampsWhenRecordsArriveOutOfOrder) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count(materializedFor(GetParam(), MaterializedWith<std::string, int64_t>(Materialized::as("counts"))))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "x", 100);
  in.pipeInput("a", "x", 50);
  in.pipeInput("b", "x", 10);
  in.pipeInput("a", "x", 200);
  in.pipeInput("a", "x", 150);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 5u);
  std::vector<std::pair<std::string, int64_t>> stamps;
  for (const auto& r : records) stamps.emplace_back(r.key + "=" + std::to_string(r.value), r.timestamp);
  EXPECT_THAT(stamps, ElementsAre(Pair("a=1", 100), Pair("a=2", 100), Pair("b=1", 10), Pair("a=3", 200),
                                  Pair("a=4", 200)));
}

TEST_P(KGroupedStreamStoreTest, AggregateKeepsTheHeadersOfTheRecordThatLastUpdatedIt) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count(materializedFor(GetParam(), MaterializedWith<std::string, int64_t>(Materialized::as("counts"))))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", "x", 1, Headers{{"trace", "t-1"}});
  in.pipeInput("a", "x", 2, Headers{{"trace", "t-2"}});
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_NE(records[0].headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(records[0].headers.lastHeader("trace")->value, OptString("t-1"));
  ASSERT_NE(records[1].headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(records[1].headers.lastHeader("trace")->value, OptString("t-2"));
}

TEST_P(KGroupedStreamStoreTest, WordCountGivesTheSameFinalCounts) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .flatMapValues([](const std::string& line) { return words(line); })
      .groupBy([](const std::string&, const std::string& w) { return w; })
      .count(materializedFor(GetParam(), MaterializedWith<std::string, int64_t>(Materialized::as("words"))))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("l1", "a b a");
  in.pipeInput("l2", "c a");
  in.pipeInput("l3", "b b b");
  EXPECT_THAT(out.readKeyValuesToMap(), UnorderedElementsAre(Pair("a", 3), Pair("b", 4), Pair("c", 1)));
}

TEST_P(KGroupedStreamStoreTest, ReduceAndAggregateGiveTheSameFinalValues) {
  StreamsBuilder builder;
  auto grouped = builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64())).groupByKey();
  grouped
      .reduce([](int64_t a, int64_t b) { return a > b ? a : b; },
              materializedFor(GetParam(), MaterializedWith<std::string, int64_t>(Materialized::as("max"))))
      .toStream()
      .to("max-out");
  grouped
      .aggregate([] { return std::string(); },
                 [](const std::string&, int64_t v, const std::string& agg) {
                   return agg.empty() ? std::to_string(v) : agg + "+" + std::to_string(v);
                 },
                 materializedFor(GetParam(), MaterializedWith<std::string, std::string>(Materialized::as("sum-text"))))
      .toStream()
      .to("text-out");
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto maxOut = driver.createOutputTopic<std::string, int64_t>("max-out");
  auto textOut = driver.createOutputTopic<std::string, std::string>("text-out");
  in.pipeInput("a", 3);
  in.pipeInput("b", -5);
  in.pipeInput("a", 9);
  in.pipeInput("a", 4);
  in.pipeInput("b", -7);
  EXPECT_THAT(maxOut.readKeyValuesToMap(), UnorderedElementsAre(Pair("a", 9), Pair("b", -5)));
  EXPECT_THAT(textOut.readKeyValuesToMap(), UnorderedElementsAre(Pair("a", "3+9+4"), Pair("b", "-5+-7")));
}

TEST_P(KGroupedStreamStoreTest, ChangelogIsWrittenOnlyWhenLoggingIsEnabled) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .groupByKey()
      .count(materializedFor(GetParam(), MaterializedWith<std::string, int64_t>(Materialized::as("counts"))))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(GetParam()));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x");
  in.pipeInput("a", "x");
  const bool logged = GetParam() != StoreMode::kLoggingDisabled && GetParam() != StoreMode::kAllOff;
  if (logged) {
    auto changelog = driver.createOutputTopic<std::string, int64_t>("agg-app-counts-changelog");
    EXPECT_THAT(changelog.readKeyValuesToMap(), ElementsAre(Pair("a", 2)));
  } else {
    EXPECT_THAT(driver.producedTopicNames(), ElementsAre("out"));
  }
}

INSTANTIATE_TEST_SUITE_P(StoreModes, KGroupedStreamStoreTest,
                         ::testing::Values(StoreMode::kDefault, StoreMode::kZeroCacheBytes, StoreMode::kTinyCache,
                                           StoreMode::kCachingDisabled, StoreMode::kInMemory,
                                           StoreMode::kLoggingDisabled, StoreMode::kAllOff),
                         [](const ::testing::TestParamInfo<StoreMode>& info) { return modeName(info.param); });

TEST(KGroupedStreamTest, CachingCollapsesUpdatesOfOneInputRecordButUncachedStoresEmitEach) {
  auto run = [](const Properties& config) {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .flatMapValues([](const std::string& line) { return words(line); })
        .selectKey([](const std::string&, const std::string& w) { return w; })
        .groupByKey(Grouped::as("words"))
        .count()
        .toStream()
        .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
    TopologyTestDriver driver(builder.build(), config);
    auto in = driver.createInputTopic<std::string, std::string>("in");
    auto out = driver.createOutputTopic<std::string, int64_t>("out");
    in.pipeInput("l", "a a a b");
    return pairs(out.readKeyValuesToList());
  };
  Properties uncached = kAppConfig;
  uncached[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "0";
  EXPECT_THAT(run(kAppConfig), UnorderedElementsAre(Pair("a", 3), Pair("b", 1)));
  EXPECT_THAT(run(uncached), ElementsAre(Pair("a", 1), Pair("a", 2), Pair("a", 3), Pair("b", 1)));
}

}  // namespace
}  // namespace kstreams
