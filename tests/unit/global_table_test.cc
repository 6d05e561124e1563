// Global tables (builder.globalTable) and the stream joins with them
// (KStream::join/leftJoin(GlobalKTable, keyMapper, joiner)), specified through
// the TopologyTestDriver: a record piped into a global table's topic updates the
// global store at once, and later stream records see it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

using OptString = std::optional<std::string>;

const Properties kConfig = {{"application.id", "global-app"}};

SerdePtr<OptString> nullableString() { return Serdes::Nullable(Serdes::String()); }

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

/// "p1:3" -> "p1"
std::string productOf(const std::string& order) { return order.substr(0, order.find(':')); }

/// orders (orderId -> "productId:quantity") joined with the global products
/// (productId -> name) into "productId:quantity/name".
Topology ordersJoinProducts(bool left, StoreType storeType = StoreType::ROCKS_DB) {
  StreamsBuilder builder;
  auto products = builder.globalTable<std::string, std::string>("products", {}, Materialized::as(storeType));
  auto orders = builder.stream<std::string, std::string>("orders");
  auto mapper = [](const std::string&, const std::string& order) { return productOf(order); };
  if (left) {
    orders
        .leftJoin(products, mapper,
                  [](const std::string& order, const std::optional<std::string>& name) {
                    return order + "/" + name.value_or("unknown");
                  })
        .to("enriched");
  } else {
    orders.join(products, mapper, [](const std::string& order, const std::string& name) { return order + "/" + name; })
        .to("enriched");
  }
  return builder.build();
}

// ------------------------------------------------------------------- join --

TEST(GlobalTableTest, JoinEnrichesEachRecordWithTheRowOfItsMappedKey) {
  TopologyTestDriver driver(ordersJoinProducts(false), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput("p1", "pen", 5);
  products.pipeInput("p2", "ink", 6);
  orders.pipeInput("o1", "p2:3", 100);
  orders.pipeInput("o2", "p1:1", 90);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  // The stream record's key and timestamp, not the table row's.
  EXPECT_EQ(records[0].key, "o1");
  EXPECT_EQ(records[0].value, "p2:3/ink");
  EXPECT_EQ(records[0].timestamp, 100);
  EXPECT_EQ(records[1].key, "o2");
  EXPECT_EQ(records[1].value, "p1:1/pen");
  EXPECT_EQ(records[1].timestamp, 90);
}

TEST(GlobalTableTest, JoinDropsRecordsWhoseMappedKeyIsNotInTheTable) {
  TopologyTestDriver driver(ordersJoinProducts(false), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput("p1", "pen");
  orders.pipeInput("o1", "p9:1");
  orders.pipeInput("o2", "p1:2");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o2", "p1:2/pen")));
}

TEST(GlobalTableTest, LeftJoinJoinsMissingRowsWithNullopt) {
  TopologyTestDriver driver(ordersJoinProducts(true), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput("p1", "pen");
  orders.pipeInput("o1", "p9:1");
  orders.pipeInput("o2", "p1:2");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", "p9:1/unknown"), Pair("o2", "p1:2/pen")));
}

TEST(GlobalTableTest, KeyMapperMayMapToAnotherKeyType) {
  // clicks (page -> user id) joined with users (user id, Int64 -> name).
  StreamsBuilder builder;
  auto users = builder.globalTable("users", Consumed::with(Serdes::Int64(), Serdes::String()));
  builder.stream("clicks", Consumed::with(Serdes::String(), Serdes::Int64()))
      .join(users, [](const std::string&, int64_t userId) { return userId; },
            [](int64_t userId, const std::string& name) { return name + "#" + std::to_string(userId); })
      .to("named-clicks", Produced::with(Serdes::String(), Serdes::String()));
  TopologyTestDriver driver(builder.build(), kConfig);
  auto usersIn = driver.createInputTopic<int64_t, std::string>("users");
  auto clicks = driver.createInputTopic<std::string, int64_t>("clicks");
  auto out = driver.createOutputTopic<std::string, std::string>("named-clicks");
  usersIn.pipeInput(7, "ada");
  usersIn.pipeInput(8, "bob");
  clicks.pipeInput("/home", 8);
  clicks.pipeInput("/docs", 7);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("/home", "bob#8"), Pair("/docs", "ada#7")));
}

TEST(GlobalTableTest, JoinerMayTakeTheStreamKeyAndTheResultTypeMayDiffer) {
  StreamsBuilder builder;
  auto prices = builder.globalTable("prices", Consumed::with(Serdes::String(), Serdes::Int64()));
  builder.stream<std::string, std::string>("orders")
      .join(prices, [](const std::string&, const std::string& order) { return productOf(order); },
            [](const std::string& orderId, const std::string& order, int64_t price) {
              const int64_t quantity = std::stoll(order.substr(order.find(':') + 1));
              return static_cast<int64_t>(orderId.size()) * 1000 + quantity * price;
            })
      .to("totals", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), kConfig);
  auto pricesIn = driver.createInputTopic<std::string, int64_t>("prices");
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, int64_t>("totals");
  pricesIn.pipeInput("p1", 25);
  orders.pipeInput("o1", "p1:4");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", 2 * 1000 + 100)));
}

// ------------------------------------------------------ updates, deletes --

TEST(GlobalTableTest, LaterRecordsSeeUpdatesAndDeletesOfTheTable) {
  for (const StoreType type : {StoreType::ROCKS_DB, StoreType::IN_MEMORY}) {
    SCOPED_TRACE(type == StoreType::ROCKS_DB ? "RocksDB" : "in-memory");
    TopologyTestDriver driver(ordersJoinProducts(true, type), kConfig);
    auto products = driver.createInputTopic<std::string, OptString>("products", Serdes::String(), nullableString());
    auto orders = driver.createInputTopic<std::string, std::string>("orders");
    auto out = driver.createOutputTopic<std::string, std::string>("enriched");
    products.pipeInput("p1", OptString("pen"));
    orders.pipeInput("o1", "p1:1");
    products.pipeInput("p1", OptString("fountain pen"));
    orders.pipeInput("o2", "p1:1");
    products.pipeInput("p1", std::nullopt);  // tombstone: the row is deleted
    orders.pipeInput("o3", "p1:1");
    products.pipeInput("p1", OptString("pencil"));
    orders.pipeInput("o4", "p1:1");
    EXPECT_THAT(pairs(out.readKeyValuesToList()),
                ElementsAre(Pair("o1", "p1:1/pen"), Pair("o2", "p1:1/fountain pen"), Pair("o3", "p1:1/unknown"),
                            Pair("o4", "p1:1/pencil")));
  }
}

TEST(GlobalTableTest, TableUpdatesEmitNothing) {
  TopologyTestDriver driver(ordersJoinProducts(true), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput("p1", "pen");
  products.pipeInput("p1", "ink");
  EXPECT_TRUE(out.isEmpty());
  EXPECT_THAT(driver.producedTopicNames(), Not(::testing::Contains("enriched")));
}

TEST(GlobalTableTest, InnerJoinDropsRecordsOnceTheRowIsDeleted) {
  TopologyTestDriver driver(ordersJoinProducts(false), kConfig);
  auto products = driver.createInputTopic<std::string, OptString>("products", Serdes::String(), nullableString());
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput("p1", OptString("pen"));
  products.pipeInput("p1", std::nullopt);
  orders.pipeInput("o1", "p1:1");
  EXPECT_TRUE(out.isEmpty());
}

TEST(GlobalTableTest, SinkWritingTheGlobalTopicUpdatesTheTable) {
  // A topology may feed its own global table; the driver delivers the records
  // to the global store as the global thread would.
  StreamsBuilder builder;
  auto names = builder.globalTable<std::string, std::string>("names");
  builder.stream<std::string, std::string>("renames").to("names");
  builder.stream<std::string, std::string>("lookups")
      .leftJoin(names, [](const std::string& k, const std::string&) { return k; },
                [](const std::string&, const std::optional<std::string>& name) { return name.value_or("-"); })
      .to("resolved");
  TopologyTestDriver driver(builder.build(), kConfig);
  auto renames = driver.createInputTopic<std::string, std::string>("renames");
  auto lookups = driver.createInputTopic<std::string, std::string>("lookups");
  auto out = driver.createOutputTopic<std::string, std::string>("resolved");
  lookups.pipeInput("a", "?");
  renames.pipeInput("a", "alpha");
  lookups.pipeInput("a", "?");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", "-"), Pair("a", "alpha")));
}

// ------------------------------------------------------------------- nulls --

Topology nullableOrders(bool left) {
  StreamsBuilder builder;
  auto products = builder.globalTable<std::string, std::string>("products");
  auto orders = builder.stream("orders", Consumed::with(nullableString(), nullableString()));
  // No key when the order names no product.
  auto mapper = [](const OptString&, const OptString& order) -> OptString {
    if (!order || order->find(':') == std::string::npos) return std::nullopt;
    return productOf(*order);
  };
  if (left) {
    orders
        .leftJoin(products, mapper,
                  [](const OptString& order, const OptString& name) { return order.value_or("?") + "/" + name.value_or("-"); })
        .to("enriched", Produced::with(nullableString(), Serdes::String()));
  } else {
    orders.join(products, mapper, [](const OptString& order, const std::string& name) { return *order + "/" + name; })
        .to("enriched", Produced::with(nullableString(), Serdes::String()));
  }
  return builder.build();
}

TEST(GlobalTableTest, JoinDropsNullValuesAndRecordsTheMapperGivesNoKey) {
  TopologyTestDriver driver(nullableOrders(false), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto orders = driver.createInputTopic<OptString, OptString>("orders", nullableString(), nullableString());
  auto out = driver.createOutputTopic<OptString, std::string>("enriched", nullableString(), Serdes::String());
  products.pipeInput("p1", "pen");
  orders.pipeInput(OptString("o1"), std::nullopt);        // null value
  orders.pipeInput(OptString("o2"), OptString("p1"));     // no key from the mapper
  orders.pipeInput(std::nullopt, OptString("p1:1"));      // null stream key: still joined by its value
  orders.pipeInput(OptString("o4"), OptString("p1:2"));
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair(std::nullopt, "p1:1/pen"), Pair(OptString("o4"), "p1:2/pen")));
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 2);
}

TEST(GlobalTableTest, LeftJoinDropsNullValuesAndUnmappedKeysButKeepsNullStreamKeys) {
  TopologyTestDriver driver(nullableOrders(true), kConfig);
  auto products = driver.createInputTopic<std::string, std::string>("products");
  auto orders = driver.createInputTopic<OptString, OptString>("orders", nullableString(), nullableString());
  auto out = driver.createOutputTopic<OptString, std::string>("enriched", nullableString(), Serdes::String());
  products.pipeInput("p1", "pen");
  orders.pipeInput(OptString("o1"), std::nullopt);    // null value: dropped
  orders.pipeInput(OptString("o2"), OptString("x"));  // mapper gives no key: dropped
  orders.pipeInput(std::nullopt, OptString("x"));     // null key, no mapped key: joined with nullopt
  orders.pipeInput(std::nullopt, OptString("p1:1"));  // null key: joined with its row
  orders.pipeInput(OptString("o5"), OptString("p7:1"));
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair(std::nullopt, "x/-"), Pair(std::nullopt, "p1:1/pen"), Pair(OptString("o5"), "p7:1/-")));
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 2);
}

TEST(GlobalTableTest, TableRecordsWithANullKeyAreDropped) {
  TopologyTestDriver driver(ordersJoinProducts(true), kConfig);
  auto products = driver.createInputTopic<OptString, std::string>("products", nullableString(), Serdes::String());
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("enriched");
  products.pipeInput(std::nullopt, "nameless");
  orders.pipeInput("o1", ":1");  // maps to the empty key, which a null key must not have written
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", ":1/unknown")));
  EXPECT_EQ(driver.metrics().at("dropped-records-total"), 1);
}

// ------------------------------------------------------------------ errors --

Topology pricedOrders() {
  StreamsBuilder builder;
  auto prices = builder.globalTable("prices", Consumed::with(Serdes::String(), Serdes::Int64()));
  builder.stream<std::string, std::string>("orders")
      .leftJoin(prices, [](const std::string&, const std::string& product) { return product; },
                [](const std::string& product, const std::optional<int64_t>& price) {
                  return product + "=" + (price ? std::to_string(*price) : "?");
                })
      .to("priced");
  return builder.build();
}

TEST(GlobalTableTest, UndeserializableTableRecordFailsWithLogAndFail) {
  TopologyTestDriver driver(pricedOrders(), kConfig);
  auto bad = driver.createInputTopic<std::string, std::string>("prices");
  try {
    bad.pipeInput("p1", "abc");  // 3 bytes: not an Int64
    FAIL() << "expected the deserialization handler to fail";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("topic=prices"));
    EXPECT_THAT(e.what(), HasSubstr("default.deserialization.exception.handler"));
  }
}

TEST(GlobalTableTest, UndeserializableTableRecordIsSkippedWithLogAndContinue) {
  Properties config = kConfig;
  config[StreamsConfig::DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CONFIG] = StreamsConfig::LOG_AND_CONTINUE;
  TopologyTestDriver driver(pricedOrders(), config);
  auto bad = driver.createInputTopic<std::string, std::string>("prices");
  auto prices = driver.createInputTopic<std::string, int64_t>("prices", Serdes::String(), Serdes::Int64());
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto out = driver.createOutputTopic<std::string, std::string>("priced");
  prices.pipeInput("p1", 10);
  bad.pipeInput("p1", "abc");  // skipped: p1 keeps its price
  prices.pipeInput("p2", 20);  // later records still apply
  orders.pipeInput("o1", "p1");
  orders.pipeInput("o2", "p2");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("o1", "p1=10"), Pair("o2", "p2=20")));
  EXPECT_EQ(driver.metrics().at("deserialization-errors-total"), 1);
}

TEST(GlobalTableTest, ATopicReadByAStreamAndAGlobalTableIsRejected) {
  StreamsBuilder builder;
  builder.globalTable<std::string, std::string>("shared");
  builder.stream<std::string, std::string>("shared").to("out");
  try {
    builder.build();
    FAIL() << "expected a TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("topic shared is read by two sources"));
  }
}

TEST(GlobalTableTest, AGlobalStoreNameUsedTwiceIsRejected) {
  StreamsBuilder builder;
  builder.globalTable<std::string, std::string>("a", {}, Materialized::as("lookup"));
  builder.globalTable<std::string, std::string>("b", {}, Materialized::as("lookup"));
  try {
    builder.build();
    FAIL() << "expected a TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), HasSubstr("state store lookup is added twice"));
  }
}

TEST(GlobalTableTest, StreamAndGlobalTableOfDifferentBuildersAreRejected) {
  StreamsBuilder tables;
  auto products = tables.globalTable<std::string, std::string>("products");
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("orders")
      .join(products, [](const std::string& k, const std::string&) { return k; },
            [](const std::string& v, const std::string& p) { return v + p; })
      .to("out");
  EXPECT_THROW(builder.build(), TopologyException);
}

// --------------------------------------------------------------- topology --

TEST(GlobalTableTest, DescribeShowsTheGlobalStoreAsASubTopologyWithoutTasks) {
  const std::string text = ordersJoinProducts(false).describe().toString();
  EXPECT_THAT(text, HasSubstr("  Sub-topology: 1 for global store (will not generate tasks)\n"
                              "    Source: KSTREAM-SOURCE-0000000001 (topics: [products])\n"
                              "      --> KTABLE-SOURCE-0000000002\n"
                              "    Processor: KTABLE-SOURCE-0000000002 (stores: [products-STATE-STORE-0000000000])\n"
                              "      --> none\n"
                              "      <-- KSTREAM-SOURCE-0000000001\n"));
  // The join runs in the stream's own sub-topology: no repartition topic.
  EXPECT_THAT(text, HasSubstr("  Sub-topology: 0\n"
                              "    Source: KSTREAM-SOURCE-0000000003 (topics: [orders])\n"
                              "      --> KSTREAM-JOIN-0000000004\n"));
  EXPECT_THAT(text, Not(HasSubstr("repartition")));
}

TEST(GlobalTableTest, LeftJoinIsNamedLikeKafkaStreamsAndNamedAsIsUsed) {
  StreamsBuilder builder;
  auto products = builder.globalTable<std::string, std::string>("products");
  auto orders = builder.stream<std::string, std::string>("orders");
  auto mapper = [](const std::string& k, const std::string&) { return k; };
  orders.leftJoin(products, mapper, [](const std::string& v, const OptString&) { return v; }).to("a");
  orders.join(products, mapper, [](const std::string& v, const std::string&) { return v; }, Named::as("enrich"))
      .to("b");
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("Processor: KSTREAM-LEFTJOIN-0000000004 (stores: [])"));
  EXPECT_THAT(text, HasSubstr("Processor: enrich (stores: [])"));
}

TEST(GlobalTableTest, ATopologyOfOnlyAGlobalTableBuilds) {
  StreamsBuilder builder;
  builder.globalTable<std::string, std::string>("products");
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("Sub-topology: 0 for global store (will not generate tasks)"));
}

}  // namespace
}  // namespace kstreams
