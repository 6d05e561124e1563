// KGroupedStream::cogroup: several grouped streams into one aggregate per key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <string>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using KV = KeyValue<std::string, std::string>;

TEST(CogroupTest, EachInputUpdatesTheOneAggregateWithItsOwnAggregator) {
  StreamsBuilder builder;
  auto clicks = builder.stream<std::string, std::string>("clicks").groupByKey();
  auto purchases = builder.stream<std::string, int64_t>("purchases").groupByKey();
  clicks
      .cogroup([](const std::string&, const std::string& page, const std::string& agg) { return agg + "c:" + page + ";"; })
      .cogroup(purchases,
               [](const std::string&, int64_t amount, const std::string& agg) {
                 return agg + "p:" + std::to_string(amount) + ";";
               })
      .aggregate([] { return std::string("|"); }, Materialized::as("activity"))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::String()));
  TopologyTestDriver driver(builder.build(), {{"application.id", "cg"}});
  auto clicksIn = driver.createInputTopic<std::string, std::string>("clicks");
  auto purchasesIn = driver.createInputTopic<std::string, int64_t>("purchases");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  clicksIn.pipeInput("alice", "home", 10);
  purchasesIn.pipeInput("alice", 30, 20);
  purchasesIn.pipeInput("bob", 5, 30);
  clicksIn.pipeInput("alice", "cart", 40);
  EXPECT_THAT(out.readKeyValuesToList(),
              ElementsAre(KV{"alice", "|c:home;"}, KV{"alice", "|c:home;p:30;"}, KV{"bob", "|p:5;"},
                          KV{"alice", "|c:home;p:30;c:cart;"}));
  // One store, one changelog, for both inputs.
  auto changelog = driver.createOutputTopic<std::string, std::string>("cg-activity-changelog");
  EXPECT_EQ(changelog.readRecordsToList().size(), 4u);
}

TEST(CogroupTest, InputsWhoseKeyChangedAreRepartitionedEachThroughItsOwnTopic) {
  StreamsBuilder builder;
  auto byUser = builder.stream<std::string, std::string>("logins").groupByKey();
  // Orders keyed by order id; re-keyed by the user in the value.
  auto ordersByUser = builder.stream<std::string, std::string>("orders").groupBy(
      [](const std::string&, const std::string& user) { return user; });
  auto pagesByUser = builder.stream<std::string, std::string>("pages").groupBy(
      [](const std::string&, const std::string& user) { return user; });
  byUser.cogroup([](const std::string&, const std::string&, int64_t n) { return n + 1; })
      .cogroup(ordersByUser, [](const std::string&, const std::string&, int64_t n) { return n + 100; })
      .cogroup(pagesByUser, [](const std::string&, const std::string&, int64_t n) { return n + 10000; })
      .aggregate([] { return int64_t{0}; }, Materialized::as("score"))
      .toStream()
      .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
  auto topology = builder.build();
  const std::string description = topology.describe().toString();
  EXPECT_THAT(description, ::testing::HasSubstr("score-1-repartition"));
  EXPECT_THAT(description, ::testing::HasSubstr("score-2-repartition"));
  TopologyTestDriver driver(std::move(topology), {{"application.id", "cg2"}});
  auto logins = driver.createInputTopic<std::string, std::string>("logins");
  auto orders = driver.createInputTopic<std::string, std::string>("orders");
  auto pages = driver.createInputTopic<std::string, std::string>("pages");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  logins.pipeInput("u1", "x", 1);
  orders.pipeInput("order-9", "u1", 2);
  pages.pipeInput("page-3", "u1", 3);
  orders.pipeInput("order-10", "u2", 4);
  EXPECT_THAT(out.readKeyValuesToList(),
              ElementsAre(KeyValue<std::string, int64_t>{"u1", 1}, KeyValue<std::string, int64_t>{"u1", 101},
                          KeyValue<std::string, int64_t>{"u1", 10101}, KeyValue<std::string, int64_t>{"u2", 100}));
}

}  // namespace
}  // namespace kstreams
