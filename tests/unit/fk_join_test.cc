// Foreign-key table-table joins (KTable::join / leftJoin with a foreign-key
// extractor), specified through the TopologyTestDriver: subscriptions and
// responses go through the internal topics, which the driver feeds back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using OptString = std::optional<std::string>;

const Properties kAppConfig = {{"application.id", "fk-app"}};

Properties uncachedConfig() {
  Properties p = kAppConfig;
  p[StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG] = "0";
  return p;
}

SerdePtr<OptString> nullableString() { return Serdes::Nullable(Serdes::String()); }

std::vector<std::pair<std::string, OptString>> pairs(const std::vector<KeyValue<std::string, OptString>>& kvs) {
  std::vector<std::pair<std::string, OptString>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

/// An order is "customer:amount"; its foreign key is the customer.
std::string customerOf(const std::string& order) { return order.substr(0, order.find(':')); }
std::string amountOf(const std::string& order) { return order.substr(order.find(':') + 1); }

/// orders (order id -> "customer:amount") joined with customers (id -> name).
struct Orders {
  StreamsBuilder builder;
  KTable<std::string, std::string> orders =
      builder.table("orders", Consumed::with(Serdes::String(), Serdes::String()));
  KTable<std::string, std::string> customers =
      builder.table("customers", Consumed::with(Serdes::String(), Serdes::String()));
};

struct Topics {
  TestInputTopic<std::string, OptString> orders;
  TestInputTopic<std::string, OptString> customers;
  TestOutputTopic<std::string, OptString> out;
};

Topics topics(TopologyTestDriver& driver) {
  return Topics{driver.createInputTopic<std::string, OptString>("orders", Serdes::String(), nullableString()),
                driver.createInputTopic<std::string, OptString>("customers", Serdes::String(), nullableString()),
                driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString())};
}

Topology innerJoinTopology() {
  Orders t;
  t.orders
      .join(t.customers, customerOf,
            [](const std::string& order, const std::string& name) { return amountOf(order) + " by " + name; })
      .toStream()
      .to("out");
  return t.builder.build();
}

Topology leftJoinTopology() {
  Orders t;
  t.orders
      .leftJoin(t.customers, customerOf,
                [](const std::string& order, const std::optional<std::string>& name) {
                  return amountOf(order) + " by " + name.value_or("nobody");
                })
      .toStream()
      .to("out");
  return t.builder.build();
}

// ---------------------------------------------------------------- inner and left join

TEST(FkJoinTest, InnerJoinEmitsOnceBothSidesHaveTheirRow) {
  TopologyTestDriver driver(innerJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice", 1);
  orders.pipeInput("o1", "c1:10", 2);
  orders.pipeInput("o2", "c2:5", 3);  // no customer c2 yet: nothing
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "o1");
  EXPECT_EQ(records[0].value, OptString("10 by alice"));
  EXPECT_EQ(records[0].timestamp, 2);  // the later of the two rows

  customers.pipeInput("c2", "bob", 7);
  records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "o2");
  EXPECT_EQ(records[0].value, OptString("5 by bob"));
  EXPECT_EQ(records[0].timestamp, 7);
}

TEST(FkJoinTest, LeftJoinEmitsEveryLeftRowAndFillsInTheRightOneWhenItArrives) {
  TopologyTestDriver driver(leftJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  orders.pipeInput("o1", "c9:1");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("1 by nobody"))));
  customers.pipeInput("c9", "carl");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("1 by carl"))));
  orders.pipeInput("o1", "c9:2");  // same customer, new amount
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("2 by carl"))));
}

TEST(FkJoinTest, RightUpdateReachesEverySubscribedLeftRowAndNoOther) {
  TopologyTestDriver driver(innerJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  customers.pipeInput("c2", "bob");
  orders.pipeInput("o1", "c1:1");
  orders.pipeInput("o2", "c1:2");
  orders.pipeInput("o3", "c1:3");
  orders.pipeInput("o4", "c2:4");
  out.readRecordsToList();
  customers.pipeInput("c1", "alicia", 50);
  auto records = out.readRecordsToList();
  std::vector<std::pair<std::string, OptString>> got;
  for (const auto& r : records) {
    got.emplace_back(r.key, r.value);
    EXPECT_EQ(r.timestamp, 50);
  }
  EXPECT_THAT(got, UnorderedElementsAre(Pair("o1", OptString("1 by alicia")), Pair("o2", OptString("2 by alicia")),
                                        Pair("o3", OptString("3 by alicia"))));
}

TEST(FkJoinTest, ForeignKeyChangeRemovesTheOldSubscription) {
  TopologyTestDriver driver(innerJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  customers.pipeInput("c2", "bob");
  orders.pipeInput("o1", "c1:10");
  orders.pipeInput("o1", "c2:10");  // moves to customer c2
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("o1", OptString("10 by alice")), Pair("o1", OptString("10 by bob"))));
  customers.pipeInput("c1", "alicia");  // o1 no longer follows c1
  EXPECT_THAT(out.readKeyValuesToList(), IsEmpty());
  customers.pipeInput("c1", std::nullopt);
  EXPECT_THAT(out.readKeyValuesToList(), IsEmpty());
  customers.pipeInput("c2", "bobby");  // but follows c2
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("10 by bobby"))));
}

TEST(FkJoinTest, ForeignKeyChangeToAMissingRightRowDeletesTheInnerResult) {
  TopologyTestDriver driver(innerJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  orders.pipeInput("o1", "c1:10");
  orders.pipeInput("o1", "c7:10");  // no customer c7: the old result goes
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("o1", OptString("10 by alice")), Pair("o1", OptString())));
  customers.pipeInput("c7", "gina");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("10 by gina"))));
}

TEST(FkJoinTest, LeftDeleteEmitsATombstoneAndUnsubscribes) {
  for (bool left : {false, true}) {
    SCOPED_TRACE(left ? "leftJoin" : "join");
    TopologyTestDriver driver(left ? leftJoinTopology() : innerJoinTopology(), uncachedConfig());
    auto [orders, customers, out] = topics(driver);
    customers.pipeInput("c1", "alice");
    orders.pipeInput("o1", "c1:10");
    orders.pipeInput("o1", std::nullopt, 20);
    auto records = out.readRecordsToList();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].value, OptString("10 by alice"));
    EXPECT_EQ(records[1].key, "o1");
    EXPECT_EQ(records[1].value, std::nullopt);
    EXPECT_EQ(records[1].timestamp, 20);
    customers.pipeInput("c1", "alicia");  // the subscription is gone
    EXPECT_THAT(out.readKeyValuesToList(), IsEmpty());
  }
}

TEST(FkJoinTest, RightDeleteGivesATombstoneInAnInnerJoin) {
  TopologyTestDriver driver(innerJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  orders.pipeInput("o1", "c1:10");
  orders.pipeInput("o2", "c1:20");
  out.readRecordsToList();
  customers.pipeInput("c1", std::nullopt);
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              UnorderedElementsAre(Pair("o1", OptString()), Pair("o2", OptString())));
  customers.pipeInput("c1", "alice again");  // still subscribed
  EXPECT_THAT(pairs(out.readKeyValuesToList()), UnorderedElementsAre(Pair("o1", OptString("10 by alice again")),
                                                                     Pair("o2", OptString("20 by alice again"))));
}

TEST(FkJoinTest, RightDeleteCallsTheLeftJoinerWithNoRightValue) {
  TopologyTestDriver driver(leftJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  orders.pipeInput("o1", "c1:10");
  out.readRecordsToList();
  customers.pipeInput("c1", std::nullopt);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("10 by nobody"))));
}

TEST(FkJoinTest, ForeignKeyChangeInALeftJoinEmitsOnlyTheNewPartner) {
  TopologyTestDriver driver(leftJoinTopology(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  customers.pipeInput("c2", "bob");
  orders.pipeInput("o1", "c1:10");
  orders.pipeInput("o1", "c2:10");
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("o1", OptString("10 by alice")), Pair("o1", OptString("10 by bob"))));
  customers.pipeInput("c1", std::nullopt);  // the old partner no longer matters
  EXPECT_THAT(out.readKeyValuesToList(), IsEmpty());
}

// ---------------------------------------------------------------- stale responses

// The left table is an uncached count per region: moving an account within its
// region takes it out (count 1) and puts it back (count 2) in one step, so two
// subscriptions leave with the hashes of 1 and 2. The response to the first comes
// back when the count is 2 again: it is stale and must not be joined (it would
// pair the count 2 with tier "1").
TEST(FkJoinTest, ResponsesForAnOutdatedLeftValueAreDropped) {
  StreamsBuilder builder;
  auto counts = builder.table("accounts", Consumed::with(Serdes::String(), Serdes::String()))
                    .groupBy([](const std::string& account, const std::string& v) {
                      return std::pair{v.substr(0, v.find(':')), account};
                    })
                    .count(Materialized::as("counts").withCachingDisabled());
  auto tiers = builder.table("tiers", Consumed::with(Serdes::String(), Serdes::String()));
  counts
      .join(
          tiers, [](int64_t count) { return std::to_string(count); },
          [](int64_t count, const std::string& tier) { return std::to_string(count) + ":" + tier; }, Named{},
          Materialized::as("tiered").withCachingDisabled())
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::String()));
  TopologyTestDriver driver(builder.build(), uncachedConfig());
  auto accounts = driver.createInputTopic<std::string, std::string>("accounts");
  auto tierIn = driver.createInputTopic<std::string, std::string>("tiers");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  tierIn.pipeInput("1", "bronze");
  tierIn.pipeInput("2", "silver");
  accounts.pipeInput("alice", "eu:10");
  accounts.pipeInput("bob", "eu:5");
  EXPECT_THAT(out.readValuesToList(), ElementsAre("1:bronze", "2:silver"));
  const double droppedBefore = driver.metrics().at("dropped-records-total");

  accounts.pipeInput("alice", "eu:30");  // count 2 -> 1 -> 2

  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& kv : out.readKeyValuesToList()) got.emplace_back(kv.key, kv.value);
  EXPECT_THAT(got, ElementsAre(Pair("eu", "2:silver")));  // never "2:bronze"
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), droppedBefore + 1);  // the stale response
}

// ---------------------------------------------------------------- rows without a foreign key

TEST(FkJoinTest, ExtractorReturningNulloptJoinsNothing) {
  auto noneForDash = [](const std::string& order) -> std::optional<std::string> {
    if (order.starts_with("-")) return std::nullopt;
    return customerOf(order);
  };
  StreamsBuilder builder;
  auto orders = builder.table("orders", Consumed::with(Serdes::String(), Serdes::String()));
  auto customers = builder.table("customers", Consumed::with(Serdes::String(), Serdes::String()));
  orders.join(customers, noneForDash, [](const std::string& o, const std::string& c) { return o + "/" + c; })
      .toStream()
      .to("inner");
  orders
      .leftJoin(customers, noneForDash,
                [](const std::string& o, const std::optional<std::string>& c) { return o + "/" + c.value_or("-"); })
      .toStream()
      .to("left");
  TopologyTestDriver driver(builder.build(), uncachedConfig());
  auto orderIn = driver.createInputTopic<std::string, OptString>("orders", Serdes::String(), nullableString());
  auto customerIn = driver.createInputTopic<std::string, OptString>("customers", Serdes::String(), nullableString());
  auto inner = driver.createOutputTopic<std::string, OptString>("inner", Serdes::String(), nullableString());
  auto left = driver.createOutputTopic<std::string, OptString>("left", Serdes::String(), nullableString());
  customerIn.pipeInput("c1", "alice");
  orderIn.pipeInput("o1", "c1:1");
  orderIn.pipeInput("o1", "-:1");  // loses its customer
  orderIn.pipeInput("o2", "-:2");
  orderIn.pipeInput("o2", std::nullopt);
  EXPECT_THAT(pairs(inner.readKeyValuesToList()),
              ElementsAre(Pair("o1", OptString("c1:1/alice")), Pair("o1", OptString())));
  EXPECT_THAT(pairs(left.readKeyValuesToList()),
              ElementsAre(Pair("o1", OptString("c1:1/alice")), Pair("o1", OptString("-:1/-")),
                          Pair("o2", OptString("-:2/-")), Pair("o2", OptString())));
  customerIn.pipeInput("c1", "alicia");  // o1 left c1
  EXPECT_THAT(inner.readKeyValuesToList(), IsEmpty());
  EXPECT_THAT(left.readKeyValuesToList(), IsEmpty());
}

// ---------------------------------------------------------------- tables without a store, self-join

TEST(FkJoinTest, TablesWithoutAStoreAreMaterializedForTheJoin) {
  Orders t;
  auto bigOrders = t.orders.filter([](const std::string&, const std::string& o) { return std::stoi(amountOf(o)) >= 10; });
  auto upperNames = t.customers.mapValues([](const std::string& name) {
    std::string s = name;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
  });
  ASSERT_TRUE(bigOrders.queryableStoreName().empty());
  ASSERT_TRUE(upperNames.queryableStoreName().empty());
  bigOrders.join(upperNames, customerOf, [](const std::string& o, const std::string& n) { return o + "/" + n; })
      .toStream()
      .to("out");
  TopologyTestDriver driver(t.builder.build(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  orders.pipeInput("o1", "c1:5");   // filtered out
  orders.pipeInput("o2", "c1:50");
  customers.pipeInput("c1", "ally");
  orders.pipeInput("o2", "c1:1");  // filtered out now: deleted downstream
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("o2", OptString("c1:50/ALICE")), Pair("o2", OptString("c1:50/ALLY")),
                          Pair("o2", OptString())));
}

TEST(FkJoinTest, SelfJoinFindsEachEmployeesManager) {
  StreamsBuilder builder;
  // employee -> manager ("" for none)
  auto staff = builder.table("staff", Consumed::with(Serdes::String(), Serdes::String()));
  staff
      .join(
          staff, [](const std::string& manager) { return manager; },
          [](const std::string& manager, const std::string& managersManager) {
            return manager + " reports to " + (managersManager.empty() ? "nobody" : managersManager);
          })
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), uncachedConfig());
  auto in = driver.createInputTopic<std::string, std::string>("staff");
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), nullableString());
  in.pipeInput("ceo", "");
  in.pipeInput("cto", "ceo");
  in.pipeInput("dev", "cto");
  in.pipeInput("cto", "board");  // cto moves: dev's row follows, cto's own loses its partner
  EXPECT_THAT(out.readKeyValuesToMap(),
              UnorderedElementsAre(Pair("cto", OptString()), Pair("dev", OptString("cto reports to board"))));
}

// ---------------------------------------------------------------- topics, partitions, topology

TEST(FkJoinTest, SubscriptionsAndResponsesGoThroughNamedInternalTopics) {
  Orders t;
  t.orders
      .join(t.customers, customerOf, [](const std::string& o, const std::string& c) { return o + "/" + c; },
            Named::as("orders-customers"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(t.builder.build(), uncachedConfig());
  auto [orders, customers, out] = topics(driver);
  customers.pipeInput("c1", "alice");
  orders.pipeInput("o1", "c1:10");
  const std::string subscriptionTopic = "fk-app-orders-customers-subscription-registration-topic";
  const std::string responseTopic = "fk-app-orders-customers-subscription-response-topic";
  auto& subscriptions = driver.outputQueue(subscriptionTopic);
  ASSERT_EQ(subscriptions.size(), 1u);
  EXPECT_EQ(subscriptions[0].key, OptString("c1"));      // keyed by the foreign key's bytes
  EXPECT_EQ(subscriptions[0].partition, -1);             // the default partitioner, as the right table's topic
  auto& responses = driver.outputQueue(responseTopic);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].key, OptString("o1"));          // keyed by the left key
  EXPECT_EQ(responses[0].partition, 0);                  // to the subscriber's partition
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", OptString("c1:10/alice"))));
}

TEST(FkJoinTest, EachSideRunsInTheTaskOfTheTableItReads) {
  Orders t;
  t.orders
      .join(t.customers, customerOf, [](const std::string& o, const std::string& c) { return o + "/" + c; },
            Named::as("oc"))
      .toStream()
      .to("out");
  const auto description = t.builder.build().describe();
  auto subtopologyOf = [&](const std::string& node) {
    for (const auto& sub : description.subtopologies) {
      for (const auto& n : sub.nodes) {
        if (n.name == node) return sub.id;
      }
    }
    return -1;
  };
  auto storesOf = [&](const std::string& node) {
    for (const auto& sub : description.subtopologies) {
      for (const auto& n : sub.nodes) {
        if (n.name == node) return n.stores;
      }
    }
    return std::vector<std::string>{};
  };
  const std::string text = description.toString();
  EXPECT_THAT(text, HasSubstr("oc-subscription-registration-topic"));
  EXPECT_THAT(text, HasSubstr("oc-subscription-response-topic"));
  ASSERT_NE(subtopologyOf("oc-subscription-receive"), -1);
  EXPECT_EQ(subtopologyOf("oc-subscription-receive"), subtopologyOf("oc-foreign-join-subscription"));
  EXPECT_EQ(subtopologyOf("oc-result"), subtopologyOf("oc-subscription-registration-processor"));
  EXPECT_NE(subtopologyOf("oc-result"), subtopologyOf("oc-subscription-receive"));
  EXPECT_THAT(storesOf("oc-subscription-receive"), testing::Contains("oc-subscription-store"));
  EXPECT_THAT(storesOf("oc-foreign-join-subscription"), testing::Contains("oc-subscription-store"));
}

struct Product {
  std::string name;
};

TEST(FkJoinTest, ResultTypeWithoutASerdeIsReportedAtBuild) {
  Orders t;
  t.orders.join(t.customers, customerOf, [](const std::string& o, const std::string&) { return Product{o}; });
  try {
    t.builder.build();
    FAIL() << "build() accepted a join result without a serde";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("Materialized::with(keySerde, valueSerde) in join"));
  }
}

TEST(FkJoinTest, Murmur3MatchesPublishedVectors) {
  // Vectors of Kafka Streams' (and Hive's) Murmur3 tests, seed 123.
  auto hash = [](const std::string& s) {
    auto h = detail::murmur3Hash128(s, 123);
    return std::pair{static_cast<int64_t>(h.high), static_cast<int64_t>(h.low)};
  };
  EXPECT_EQ(hash("21"), (std::pair<int64_t, int64_t>{5857341059704281894LL, -5288187638297930763LL}));
  EXPECT_EQ(hash("foobar"), (std::pair<int64_t, int64_t>{-351361463397418609LL, 8959716011862540668LL}));
  EXPECT_EQ(hash("a-little-bit-long-string"),
            (std::pair<int64_t, int64_t>{8836256500583638442LL, -198172363548498523LL}));
  EXPECT_EQ(hash("a-little-bit-longer-string"),
            (std::pair<int64_t, int64_t>{1838346159335108511LL, 8794688210320490705LL}));
  EXPECT_EQ(hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            (std::pair<int64_t, int64_t>{-4024021876037397259LL, -1482317706335141238LL}));
  EXPECT_EQ(hash("abc"), (std::pair<int64_t, int64_t>{1489494923063836066LL, -5440978547625122829LL}));
}

// ---------------------------------------------------------------- every store mode

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

class FkJoinStoreTest : public ::testing::TestWithParam<StoreMode> {};

// The join result feeds a re-aggregation (revenue per customer name): its old
// values must be right for the subtractor, whatever the stores do.
TEST_P(FkJoinStoreTest, ResultFeedsAGroupByReaggregationCorrectly) {
  const StoreMode mode = GetParam();
  StreamsBuilder builder;
  auto orders = builder.table("orders", Consumed::with(Serdes::String(), Serdes::String()),
                              materializedFor<std::string, std::string>(mode, "orders-store"));
  auto customers = builder.table("customers", Consumed::with(Serdes::String(), Serdes::String()),
                                 materializedFor<std::string, std::string>(mode, "customers-store"));
  orders
      .leftJoin(
          customers, customerOf,
          [](const std::string& order, const std::optional<std::string>& name) {
            return name.value_or("?") + ":" + amountOf(order);
          },
          Named{}, materializedFor<std::string, std::string>(mode, "joined-store"))
      .groupBy([](const std::string&, const std::string& v) {
        return std::pair{v.substr(0, v.find(':')), static_cast<int64_t>(std::stoll(v.substr(v.find(':') + 1)))};
      }, Grouped::with(Serdes::String(), Serdes::Int64()))
      .reduce([](int64_t a, int64_t b) { return a + b; }, [](int64_t a, int64_t b) { return a - b; },
              materializedFor<std::string, int64_t>(mode, "revenue-store"))
      .toStream()
      .to("revenue", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), configFor(mode));
  auto orderIn = driver.createInputTopic<std::string, OptString>("orders", Serdes::String(), nullableString());
  auto customerIn = driver.createInputTopic<std::string, OptString>("customers", Serdes::String(), nullableString());
  auto revenue = driver.createOutputTopic<std::string, int64_t>("revenue");
  customerIn.pipeInput("c1", "alice");
  customerIn.pipeInput("c2", "bob");
  orderIn.pipeInput("o1", "c1:10");
  orderIn.pipeInput("o2", "c1:20");
  orderIn.pipeInput("o3", "c2:5");
  orderIn.pipeInput("o4", "c3:7");       // no such customer yet: "?"
  customerIn.pipeInput("c1", "alicia");  // o1 and o2 move to alicia
  orderIn.pipeInput("o3", "c1:6");       // o3 moves from bob to alicia
  orderIn.pipeInput("o2", std::nullopt);
  customerIn.pipeInput("c3", "carol");   // o4 finds its customer
  customerIn.pipeInput("c2", std::nullopt);
  EXPECT_THAT(revenue.readKeyValuesToMap(), UnorderedElementsAre(Pair("alice", 0), Pair("alicia", 16), Pair("bob", 0),
                                                                 Pair("carol", 7), Pair("?", 0)));
}

TEST_P(FkJoinStoreTest, InnerJoinEndsWithTheJoinOfTheLatestRows) {
  const StoreMode mode = GetParam();
  StreamsBuilder builder;
  auto orders = builder.table("orders", Consumed::with(Serdes::String(), Serdes::String()),
                              materializedFor<std::string, std::string>(mode, "orders-store"));
  auto customers = builder.table("customers", Consumed::with(Serdes::String(), Serdes::String()),
                                 materializedFor<std::string, std::string>(mode, "customers-store"));
  orders
      .join(
          customers, customerOf, [](const std::string& o, const std::string& c) { return amountOf(o) + " by " + c; },
          Named::as("oc"), materializedFor<std::string, std::string>(mode, "joined-store"))
      .toStream()
      .to("out");
  TopologyTestDriver driver(builder.build(), configFor(mode));
  auto [orderIn, customerIn, out] = topics(driver);
  for (int round = 0; round < 3; ++round) {
    const std::string suffix = std::to_string(round);
    customerIn.pipeInput("c1", "alice" + suffix);
    customerIn.pipeInput("c2", "bob" + suffix);
    for (int i = 0; i < 6; ++i) {
      orderIn.pipeInput("o" + std::to_string(i), std::string(i % 2 == round % 2 ? "c1" : "c2") + ":" + suffix);
    }
  }
  orderIn.pipeInput("o5", std::nullopt);
  customerIn.pipeInput("c2", std::nullopt);
  customerIn.pipeInput("c1", "ann");
  EXPECT_THAT(out.readKeyValuesToMap(),
              UnorderedElementsAre(Pair("o0", OptString("2 by ann")), Pair("o1", OptString()),
                                   Pair("o2", OptString("2 by ann")), Pair("o3", OptString()),
                                   Pair("o4", OptString("2 by ann")), Pair("o5", OptString())));
}

INSTANTIATE_TEST_SUITE_P(StoreModes, FkJoinStoreTest,
                         ::testing::Values(StoreMode::kDefault, StoreMode::kZeroCacheBytes, StoreMode::kTinyCache,
                                           StoreMode::kCachingDisabled, StoreMode::kInMemory,
                                           StoreMode::kLoggingDisabled, StoreMode::kAllOff),
                         [](const ::testing::TestParamInfo<StoreMode>& info) { return modeName(info.param); });

}  // namespace
}  // namespace kstreams
