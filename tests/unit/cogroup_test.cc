// KGroupedStream::cogroup: several grouped streams into one aggregate per key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using KV = KeyValue<std::string, std::string>;
using namespace std::chrono_literals;

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


// ---- windowed cogroup ----

struct WOut {
  std::string key;
  int64_t start;
  int64_t end;
  std::string value;
  bool operator==(const WOut&) const = default;
};
std::ostream& operator<<(std::ostream& os, const WOut& o) {
  return os << o.key << "@[" << o.start << "," << o.end << "]=" << o.value;
}

// Clicks add "c<page>", purchases "p<amount>" to one aggregate per key and window.
class WindowedCogroupTest : public ::testing::TestWithParam<StoreType> {
 protected:
  static auto cogrouped(StreamsBuilder& builder) {
    auto clicks = builder.stream<std::string, std::string>("clicks").groupByKey();
    auto purchases = builder.stream<std::string, int64_t>("purchases").groupByKey();
    return clicks.cogroup([](const std::string&, const std::string& page, const std::string& agg) { return agg + "c" + page; })
        .cogroup(purchases, [](const std::string&, int64_t amount, const std::string& agg) {
          return agg + "p" + std::to_string(amount);
        });
  }
  void start(StreamsBuilder& builder, SerdePtr<Windowed<std::string>> windowedSerde) {
    driver_ = std::make_unique<TopologyTestDriver>(builder.build(), Properties{{"application.id", "wcg"}});
    clicks_ = std::make_unique<TestInputTopic<std::string, std::string>>(
        driver_->createInputTopic<std::string, std::string>("clicks"));
    purchases_ = std::make_unique<TestInputTopic<std::string, int64_t>>(
        driver_->createInputTopic<std::string, int64_t>("purchases"));
    out_ = std::make_unique<TestOutputTopic<Windowed<std::string>, std::optional<std::string>>>(
        driver_->createOutputTopic<Windowed<std::string>, std::optional<std::string>>(
            "out", windowedSerde, Serdes::Nullable(Serdes::String())));
  }
  std::vector<WOut> read() {
    std::vector<WOut> v;
    for (const auto& r : out_->readRecordsToList()) {
      v.push_back(WOut{r.key.key, r.key.window.start, r.key.window.end, r.value.value_or("<null>")});
    }
    return v;
  }
  double dropped() const { return driver_->metrics().at("dropped-records-total"); }
  MaterializedWith<std::string, std::string> store(const std::string& name) const {
    return MaterializedWith<std::string, std::string>(Materialized::as(name)).withStoreType(GetParam());
  }

  std::unique_ptr<TopologyTestDriver> driver_;
  std::unique_ptr<TestInputTopic<std::string, std::string>> clicks_;
  std::unique_ptr<TestInputTopic<std::string, int64_t>> purchases_;
  std::unique_ptr<TestOutputTopic<Windowed<std::string>, std::optional<std::string>>> out_;
};

TEST_P(WindowedCogroupTest, TumblingWindowsHoldOneAggregateOfBothInputsPerKeyAndWindow) {
  StreamsBuilder builder;
  const auto windows = TimeWindows::ofSizeAndGrace(100ms, 50ms);
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), windows.sizeMs());
  cogrouped(builder)
      .windowedBy(windows)
      .aggregate([] { return std::string("|"); }, store("activity"))
      .toStream()
      .to("out", Produced::with(serde, Serdes::String()));
  start(builder, serde);
  clicks_->pipeInput("alice", "home", 10);
  purchases_->pipeInput("alice", 30, 20);
  purchases_->pipeInput("bob", 5, 30);
  clicks_->pipeInput("alice", "cart", 120);      // the next window
  purchases_->pipeInput("alice", 7, 90);         // out of order, within grace
  clicks_->pipeInput("alice", "late", 40);       // stream time 120: window [0,100) still open
  clicks_->pipeInput("alice", "x", 200);         // stream time 200: [0,100) closed (100 + 50 <= 200)
  clicks_->pipeInput("alice", "too-late", 50);   // dropped, counted
  EXPECT_THAT(read(), ElementsAre(WOut{"alice", 0, 100, "|chome"}, WOut{"alice", 0, 100, "|chomep30"},
                                  WOut{"bob", 0, 100, "|p5"}, WOut{"alice", 100, 200, "|ccart"},
                                  WOut{"alice", 0, 100, "|chomep30p7"}, WOut{"alice", 0, 100, "|chomep30p7clate"},
                                  WOut{"alice", 200, 300, "|cx"}));
  EXPECT_EQ(dropped(), 1.0);
  // One window store, one changelog, for both inputs.
  auto changelog = driver_->createOutputTopic<std::string, std::string>("wcg-activity-changelog");
  EXPECT_EQ(changelog.readRecordsToList().size(), 7u);
}

TEST_P(WindowedCogroupTest, HoppingWindowsGetEveryRecordOfEitherInput) {
  StreamsBuilder builder;
  const auto windows = TimeWindows::ofSizeWithNoGrace(100ms).advanceBy(50ms);
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), windows.sizeMs());
  cogrouped(builder)
      .windowedBy(windows)
      .aggregate([] { return std::string("|"); }, store("hop"))
      .toStream()
      .to("out", Produced::with(serde, Serdes::String()));
  start(builder, serde);
  clicks_->pipeInput("k", "a", 60);     // windows [0,100) and [50,150)
  purchases_->pipeInput("k", 1, 120);   // [50,150) and [100,200); [0,100) closes
  EXPECT_THAT(read(), ElementsAre(WOut{"k", 0, 100, "|ca"}, WOut{"k", 50, 150, "|ca"}, WOut{"k", 50, 150, "|cap1"},
                                  WOut{"k", 100, 200, "|p1"}));
}

TEST_P(WindowedCogroupTest, SlidingWindowsSeeRecordsOfBothInputs) {
  StreamsBuilder builder;
  const auto windows = SlidingWindows::ofTimeDifferenceAndGrace(10ms, 100ms);
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), windows.timeDifferenceMs());
  cogrouped(builder)
      .windowedBy(windows)
      .aggregate([] { return std::string("|"); }, store("sliding"))
      .toStream()
      .to("out", Produced::with(serde, Serdes::String()));
  start(builder, serde);
  clicks_->pipeInput("A", "a", 10);
  purchases_->pipeInput("A", 2, 15);
  // As the single-input sliding aggregation (see window_test): the second record
  // creates the first one's right window [11,21] and its own left window [5,15].
  EXPECT_THAT(read(), ElementsAre(WOut{"A", 0, 10, "|ca"}, WOut{"A", 11, 21, "|p2"}, WOut{"A", 5, 15, "|cap2"}));
}

TEST_P(WindowedCogroupTest, SessionsMergeWhenARecordOfTheOtherInputBridgesThem) {
  StreamsBuilder builder;
  const auto windows = SessionWindows::ofInactivityGapAndGrace(100ms, 500ms);
  auto serde = WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String());
  cogrouped(builder)
      .windowedBy(windows)
      .aggregate([] { return std::string(); },
                 [](const std::string&, const std::string& a, const std::string& b) { return a + "+" + b; },
                 store("sessions"))
      .toStream()
      .to("out", Produced::with(serde, Serdes::String()));
  start(builder, serde);
  clicks_->pipeInput("k", "x", 0);
  clicks_->pipeInput("k", "y", 200);   // a second session
  purchases_->pipeInput("k", 9, 100);  // within the gap of both: one session [0,200]
  EXPECT_THAT(read(), ElementsAre(WOut{"k", 0, 0, "cx"}, WOut{"k", 200, 200, "cy"},
                                  // the merged-away sessions are deleted, then the merged one written
                                  WOut{"k", 0, 0, "<null>"}, WOut{"k", 200, 200, "<null>"},
                                  WOut{"k", 0, 200, "+cx+cyp9"}));
}

INSTANTIATE_TEST_SUITE_P(StoreTypes, WindowedCogroupTest, ::testing::Values(StoreType::ROCKS_DB, StoreType::IN_MEMORY),
                         [](const auto& info) { return info.param == StoreType::ROCKS_DB ? "RocksDB" : "InMemory"; });

TEST(WindowedCogroupBuildTest, RetentionShorterThanSizePlusGraceFailsTheBuild) {
  StreamsBuilder builder;
  auto a = builder.stream<std::string, std::string>("a").groupByKey();
  auto b = builder.stream<std::string, std::string>("b").groupByKey();
  a.cogroup([](const std::string&, const std::string& v, const std::string& agg) { return agg + v; })
      .cogroup(b, [](const std::string&, const std::string& v, const std::string& agg) { return agg + v; })
      .windowedBy(TimeWindows::ofSizeAndGrace(1000ms, 500ms))
      .aggregate([] { return std::string(); },
                 MaterializedWith<std::string, std::string>(Materialized::as("w")).withRetention(1200ms));
  try {
    builder.build();
    FAIL() << "expected TopologyException";
  } catch (const TopologyException& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("withRetention"));
  }
}

}  // namespace
}  // namespace kstreams
