// The order-reconcile example: parsing, the comparison of two versions, and the
// whole topology (a windowed outer join) run through the TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/topology_test_driver.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "order-reconcile/order_reconcile.h"

namespace examples::orderreconcile {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using kstreams::Serdes;
using json = nlohmann::json;
using OptString = std::optional<std::string>;

// A minute boundary: 2023-11-14T22:14:00Z.
constexpr int64_t kT0 = 1'700'000'040'000;
constexpr int64_t kWindow = 60'000;
constexpr int64_t kGrace = 10'000;

std::string order(const std::string& id, double amount, const std::string& status = "paid") {
  return json{{"id", id}, {"customer", "c-" + id}, {"amount", amount}, {"status", status}, {"items", {"a", "b"}}}.dump();
}

// ---------------------------------------------------------------- functions

TEST(OrderReconcileTest, ParsesAnOrderKeyedByTheRecordKey) {
  auto parsed = parseOrder(OptString("o-1"), R"({"id": "other", "amount": 3})");
  ASSERT_TRUE(parsed.id.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.id, "o-1");  // the key wins over the field
  EXPECT_EQ(parsed.order, json::parse(R"({"id": "other", "amount": 3})"));
}

TEST(OrderReconcileTest, TakesTheIdFieldWhenTheKeyIsNullOrEmpty) {
  EXPECT_EQ(parseOrder(std::nullopt, R"({"id": "o-9"})").id, OptString("o-9"));
  EXPECT_EQ(parseOrder(OptString(""), R"({"id": "o-9"})").id, OptString("o-9"));
  EXPECT_EQ(parseOrder(std::nullopt, R"({"id": 42})").id, OptString("42"));
  EXPECT_EQ(parseOrder(std::nullopt, R"({"id": -7})").id, OptString("-7"));
}

TEST(OrderReconcileTest, RejectsMalformedRecordsWithAReason) {
  const std::vector<std::pair<OptString, OptString>> records = {
      {OptString("k"), std::nullopt},
      {OptString("k"), ""},
      {OptString("k"), "not json"},
      {OptString("k"), R"({"id": "o-1")"},
      {OptString("k"), "[1, 2]"},
      {OptString("k"), "\"an order\""},
      {OptString("k"), "\xff\xfe{}"},
      {std::nullopt, R"({"amount": 1})"},
      {std::nullopt, R"({"id": null})"},
      {std::nullopt, R"({"id": ""})"},
      {std::nullopt, R"({"id": 1.5})"},
      {std::nullopt, R"({"id": ["o-1"]})"},
  };
  for (const auto& [key, value] : records) {
    auto parsed = parseOrder(key, value);
    EXPECT_FALSE(parsed.id.has_value()) << value.value_or("<null>");
    EXPECT_FALSE(parsed.error.empty()) << value.value_or("<null>");
  }
  EXPECT_THAT(parseOrder(std::nullopt, R"({"amount": 1})").error, HasSubstr("\"id\""));
  EXPECT_THAT(parseOrder(OptString("k"), "[1]").error, HasSubstr("not a JSON object"));
}

TEST(OrderReconcileTest, ComparesVersionsAsJsonValues) {
  const auto a = json::parse(R"({"id": "o", "amount": 10, "items": [1, 2], "ship": {"to": "x", "by": "y"}})");
  const auto b = json::parse(R"({ "ship" : { "by" : "y", "to" : "x" }, "items" : [1, 2], "amount" : 10.0, "id" : "o" })");
  EXPECT_EQ(reconcile("o", a, b)["status"], "match");
  const auto reordered = json::parse(R"({"id": "o", "amount": 10, "items": [2, 1], "ship": {"to": "x", "by": "y"}})");
  EXPECT_EQ(reconcile("o", a, reordered)["status"], "mismatch");
  const auto extra = json::parse(R"({"id": "o", "amount": 10, "items": [1, 2], "ship": {"to": "x", "by": "y"}, "v": 2})");
  EXPECT_EQ(reconcile("o", a, extra)["status"], "mismatch");
  EXPECT_EQ(reconcile("o", a, std::nullopt),
            json({{"id", "o"}, {"status", "missing-in-new"}, {"old", a}, {"new", nullptr}}));
  EXPECT_EQ(reconcile("o", std::nullopt, b),
            json({{"id", "o"}, {"status", "missing-in-old"}, {"old", nullptr}, {"new", b}}));
}

TEST(OrderReconcileTest, CountKeysNameTheWindowStartInUtcAndTheStatus) {
  EXPECT_EQ(isoTime(kT0), "2023-11-14T22:14:00Z");
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(countKey(kstreams::Windowed<std::string>{"mismatch", kstreams::Window{kT0, kT0 + 60'000}}),
            "2023-11-14T22:14:00Z/mismatch");
}

// ---------------------------------------------------------------- the topology

class OrderReconcileTopologyTest : public ::testing::Test {
 protected:
  OrderReconcileTopologyTest()
      : driver_(buildTopology(Options{}), kstreams::Properties{{"application.id", "recon-app"}}),
        old_(driver_.createInputTopic<OptString, OptString>("ORDER", nullable(), nullable())),
        new_(driver_.createInputTopic<OptString, OptString>("ORDERNEW", nullable(), nullable())),
        mismatches_(driver_.createOutputTopic<OptString, OptString>("reconcile-mismatches", nullable(), nullable())),
        counts_(driver_.createOutputTopic<std::string, int64_t>("reconcile-counts", Serdes::String(), Serdes::Int64())),
        invalid_(driver_.createOutputTopic<OptString, OptString>("reconcile-mismatches-invalid", nullable(),
                                                                  nullable())) {}

  static kstreams::SerdePtr<OptString> nullable() { return Serdes::Nullable(Serdes::String()); }

  /// The same order on both sides at `ts`: it matches, and moves stream time there.
  void tick(int64_t ts) {
    const std::string id = "tick-" + std::to_string(ts);
    old_.pipeInput(OptString(id), order(id, 1), ts);
    new_.pipeInput(OptString(id), order(id, 1), ts);
  }

  /// The mismatches written so far, as (key, parsed value, timestamp).
  struct Result {
    std::string id;
    json value;
    int64_t timestamp;
  };
  std::vector<Result> readMismatches() {
    std::vector<Result> out;
    for (const auto& r : mismatches_.readRecordsToList()) {
      EXPECT_TRUE(r.key.has_value());
      EXPECT_TRUE(r.value.has_value());
      out.push_back({r.key.value_or(""), json::parse(r.value.value_or("null")), r.timestamp});
    }
    return out;
  }

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, OptString> old_;
  kstreams::TestInputTopic<OptString, OptString> new_;
  kstreams::TestOutputTopic<OptString, OptString> mismatches_;
  kstreams::TestOutputTopic<std::string, int64_t> counts_;
  kstreams::TestOutputTopic<OptString, OptString> invalid_;
};

TEST_F(OrderReconcileTopologyTest, EqualVersionsWithFieldsInAnotherOrderAreNoMismatch) {
  old_.pipeInput(OptString("o-1"), R"({"id": "o-1", "amount": 12.5, "items": ["a", "b"], "status": "paid"})", kT0);
  new_.pipeInput(OptString("o-1"), R"({ "status":"paid",  "items":["a","b"], "amount":12.50, "id":"o-1" })",
                 kT0 + 2'000);
  tick(kT0 + 10 * kWindow);  // every window closed
  EXPECT_THAT(readMismatches(), IsEmpty());
  EXPECT_THAT(counts_.readKeyValuesToMap(), Contains(Pair("2023-11-14T22:14:00Z/match", 1)));
}

TEST_F(OrderReconcileTopologyTest, ADifferingAmountIsOneMismatchWithBothVersionsAtOnce) {
  old_.pipeInput(OptString("o-2"), order("o-2", 100), kT0);
  new_.pipeInput(OptString("o-2"), order("o-2", 99.99), kT0 + 1'000);
  // Emitted when the second version arrives, with its timestamp: no need to wait.
  auto results = readMismatches();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "o-2");
  EXPECT_EQ(results[0].timestamp, kT0 + 1'000);
  EXPECT_EQ(results[0].value, json({{"id", "o-2"},
                                    {"status", "mismatch"},
                                    {"old", json::parse(order("o-2", 100))},
                                    {"new", json::parse(order("o-2", 99.99))}}));
  tick(kT0 + 10 * kWindow);
  EXPECT_THAT(readMismatches(), IsEmpty());  // and never again as missing
}

TEST_F(OrderReconcileTopologyTest, AnOrderMissingInNewIsReportedOnlyAfterItsWindowAndGraceClose) {
  old_.pipeInput(OptString("o-3"), order("o-3", 5), kT0);
  tick(kT0 + kWindow);  // the window's end: a partner may still come
  EXPECT_THAT(readMismatches(), IsEmpty());
  tick(kT0 + kWindow + kGrace);  // the end of the grace period: still open
  EXPECT_THAT(readMismatches(), IsEmpty());
  tick(kT0 + kWindow + kGrace + 1);
  auto results = readMismatches();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "o-3");
  EXPECT_EQ(results[0].timestamp, kT0);
  EXPECT_EQ(results[0].value,
            json({{"id", "o-3"}, {"status", "missing-in-new"}, {"old", json::parse(order("o-3", 5))}, {"new", nullptr}}));
  tick(kT0 + 10 * kWindow);
  EXPECT_THAT(readMismatches(), IsEmpty());  // once
}

TEST_F(OrderReconcileTopologyTest, AnOrderMissingInOldIsReportedOnlyAfterItsWindowAndGraceClose) {
  new_.pipeInput(OptString("o-4"), order("o-4", 5), kT0);
  tick(kT0 + kWindow + kGrace);
  EXPECT_THAT(readMismatches(), IsEmpty());
  tick(kT0 + kWindow + kGrace + 1);
  auto results = readMismatches();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "o-4");
  EXPECT_EQ(results[0].value,
            json({{"id", "o-4"}, {"status", "missing-in-old"}, {"old", nullptr}, {"new", json::parse(order("o-4", 5))}}));
}

TEST_F(OrderReconcileTopologyTest, AVersionArrivingLateButWithinGraceStillMatches) {
  new_.pipeInput(OptString("o-5"), order("o-5", 7), kT0);
  tick(kT0 + kWindow + kGrace / 2);  // past o-5's window, within its grace
  old_.pipeInput(OptString("o-5"), order("o-5", 7), kT0);  // out of order
  tick(kT0 + 10 * kWindow);
  EXPECT_THAT(readMismatches(), IsEmpty());
  EXPECT_THAT(counts_.readKeyValuesToMap(), Contains(Pair("2023-11-14T22:14:00Z/match", 1)));
}

TEST_F(OrderReconcileTopologyTest, VersionsFurtherApartThanTheWindowAreBothMissing) {
  old_.pipeInput(OptString("o-6"), order("o-6", 1), kT0);
  new_.pipeInput(OptString("o-6"), order("o-6", 1), kT0 + kWindow + 1);
  tick(kT0 + 10 * kWindow);
  auto results = readMismatches();
  std::map<std::string, int64_t> statuses;
  for (const auto& r : results) statuses[r.value.at("status").get<std::string>()] = r.timestamp;
  EXPECT_THAT(statuses, UnorderedElementsAre(Pair("missing-in-new", kT0), Pair("missing-in-old", kT0 + kWindow + 1)));
}

TEST_F(OrderReconcileTopologyTest, ARecordWithANullKeyIsKeyedByItsIdField) {
  old_.pipeInput(std::nullopt, order("o-7", 3), kT0);
  new_.pipeInput(OptString("o-7"), order("o-7", 3), kT0 + 1);
  old_.pipeInput(std::nullopt, R"({"id": 8, "amount": 1})", kT0 + 2);
  new_.pipeInput(std::nullopt, R"({"id": 8, "amount": 2})", kT0 + 3);
  auto results = readMismatches();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "8");
  EXPECT_EQ(results[0].value.at("status"), "mismatch");
  tick(kT0 + 10 * kWindow);
  EXPECT_THAT(readMismatches(), IsEmpty());  // o-7 matched across the repartition
  EXPECT_THAT(counts_.readKeyValuesToMap(), Contains(Pair("2023-11-14T22:14:00Z/match", 1)));
  EXPECT_THAT(driver_.producedTopicNames(), Contains("recon-app-old-orders-by-id-repartition"));
}

TEST_F(OrderReconcileTopologyTest, RoutesMalformedRecordsToInvalidUnchangedAndCountsThem) {
  old_.pipeInput(OptString("o-8"), OptString("not json"), kT0, kstreams::Headers{{"trace", "t-1"}});
  new_.pipeInput(OptString("o-8"), OptString("[1, 2]"), kT0 + 1);
  old_.pipeInput(std::nullopt, OptString(R"({"amount": 1})"), kT0 + 2);
  new_.pipeInput(OptString("o-9"), std::nullopt, kT0 + 3);
  auto records = invalid_.readRecordsToList();
  ASSERT_EQ(records.size(), 4u);
  const std::vector<std::pair<OptString, OptString>> expected = {
      {OptString("o-8"), OptString("not json")},
      {OptString("o-8"), OptString("[1, 2]")},
      {std::nullopt, OptString(R"({"amount": 1})")},
      {OptString("o-9"), std::nullopt},
  };
  const std::vector<std::string> sources = {"ORDER", "ORDERNEW", "ORDER", "ORDERNEW"};
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].key, expected[i].first) << i;
    EXPECT_EQ(records[i].value, expected[i].second) << i;
    EXPECT_EQ(records[i].timestamp, kT0 + static_cast<int64_t>(i));
    const auto* error = records[i].headers.lastHeader("error");
    ASSERT_NE(error, nullptr) << i;
    EXPECT_FALSE(error->value.value_or("").empty()) << i;
    const auto* source = records[i].headers.lastHeader("source-topic");
    ASSERT_NE(source, nullptr) << i;
    EXPECT_EQ(source->value, OptString(sources[i])) << i;
  }
  ASSERT_NE(records[0].headers.lastHeader("trace"), nullptr);
  tick(kT0 + 10 * kWindow);
  EXPECT_THAT(readMismatches(), IsEmpty());  // malformed records never reach the join
  EXPECT_THAT(counts_.readKeyValuesToMap(), Contains(Pair("2023-11-14T22:14:00Z/invalid", 4)));
}

TEST_F(OrderReconcileTopologyTest, CountsMatchesAndMismatchesPerMinuteOfEventTime) {
  // Minute 22:14: two matches, one mismatch, one missing in new.
  old_.pipeInput(OptString("a"), order("a", 1), kT0 + 1'000);
  new_.pipeInput(OptString("a"), order("a", 1), kT0 + 2'000);
  old_.pipeInput(OptString("b"), order("b", 1), kT0 + 3'000);
  new_.pipeInput(OptString("b"), order("b", 1), kT0 + 4'000);
  old_.pipeInput(OptString("c"), order("c", 1), kT0 + 5'000);
  new_.pipeInput(OptString("c"), order("c", 2), kT0 + 6'000);
  old_.pipeInput(OptString("d"), order("d", 1), kT0 + 7'000);
  // Minute 22:15: one match, one missing in old; the pair of "e" straddles the
  // minutes and counts in the later one (a join result has the later timestamp).
  old_.pipeInput(OptString("e"), order("e", 1), kT0 + 50'000);
  new_.pipeInput(OptString("e"), order("e", 1), kT0 + 65'000);
  new_.pipeInput(OptString("f"), order("f", 1), kT0 + 70'000);
  tick(kT0 + 5 * kWindow);  // closes every join window above (and counts itself at 22:19)
  const auto counts = counts_.readKeyValuesToMap();
  EXPECT_THAT(counts, UnorderedElementsAre(Pair("2023-11-14T22:14:00Z/match", 2),
                                           Pair("2023-11-14T22:14:00Z/mismatch", 1),
                                           Pair("2023-11-14T22:14:00Z/missing-in-new", 1),
                                           Pair("2023-11-14T22:15:00Z/match", 1),
                                           Pair("2023-11-14T22:15:00Z/missing-in-old", 1),
                                           Pair("2023-11-14T22:19:00Z/match", 1)));
  std::map<std::string, std::string> statuses;
  for (const auto& r : readMismatches()) statuses[r.id] = r.value.at("status").get<std::string>();
  EXPECT_THAT(statuses, UnorderedElementsAre(Pair("c", "mismatch"), Pair("d", "missing-in-new"),
                                             Pair("f", "missing-in-old")));
}

TEST_F(OrderReconcileTopologyTest, CountsAreUpdatedWithEveryResult) {
  old_.pipeInput(OptString("a"), order("a", 1), kT0);
  new_.pipeInput(OptString("a"), order("a", 1), kT0);
  old_.pipeInput(OptString("b"), order("b", 1), kT0 + 1);
  new_.pipeInput(OptString("b"), order("b", 1), kT0 + 1);
  auto records = counts_.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "2023-11-14T22:14:00Z/match");
  EXPECT_EQ(records[0].value, 1);
  EXPECT_EQ(records[1].value, 2);
}

TEST(OrderReconcileOptionsTest, UsesTheTopicsAndWindowGiven) {
  Options options;
  options.oldTopic = "legacy-orders";
  options.newTopic = "orders-v2";
  options.output = "diffs";
  options.countsOutput = "diff-counts";
  options.window = std::chrono::milliseconds(1'000);
  options.grace = std::chrono::milliseconds(0);
  kstreams::TopologyTestDriver driver(buildTopology(options), kstreams::Properties{{"application.id", "recon-opts"}});
  auto nullable = Serdes::Nullable(Serdes::String());
  auto oldIn = driver.createInputTopic<OptString, OptString>("legacy-orders", nullable, nullable);
  auto newIn = driver.createInputTopic<OptString, OptString>("orders-v2", nullable, nullable);
  auto diffs = driver.createOutputTopic<OptString, OptString>("diffs", nullable, nullable);
  auto counts = driver.createOutputTopic<std::string, int64_t>("diff-counts", Serdes::String(), Serdes::Int64());
  oldIn.pipeInput(OptString("x"), order("x", 1), kT0);
  newIn.pipeInput(OptString("x"), order("x", 1), kT0 + 1'001);  // outside a 1 s window
  // Moves stream time past the old x's window (not past the new x's).
  newIn.pipeInput(OptString("y"), order("y", 1), kT0 + 1'500);
  auto records = diffs.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, OptString("x"));
  EXPECT_EQ(json::parse(records[0].value.value_or("null")).at("status"), "missing-in-new");
  EXPECT_THAT(counts.readKeyValuesToMap(), UnorderedElementsAre(Pair("2023-11-14T22:14:00Z/missing-in-new", 1)));
}

TEST(OrderReconcileOptionsTest, NamesItsStoresAndInternalTopics) {
  kstreams::TopologyTestDriver driver(buildTopology(Options{}), kstreams::Properties{{"application.id", "recon-app"}});
  auto nullable = Serdes::Nullable(Serdes::String());
  driver.createInputTopic<OptString, OptString>("ORDER", nullable, nullable).pipeInput(OptString("a"), order("a", 1), kT0);
  driver.createInputTopic<OptString, OptString>("ORDERNEW", nullable, nullable)
      .pipeInput(OptString("a"), order("a", 1), kT0);
  const auto topics = driver.producedTopicNames();
  EXPECT_THAT(topics, Contains("recon-app-reconcile-this-join-store-changelog"));
  EXPECT_THAT(topics, Contains("recon-app-reconcile-other-join-store-changelog"));
  EXPECT_THAT(topics, Contains("recon-app-reconcile-statuses-repartition"));
  EXPECT_THAT(topics, Contains("recon-app-reconcile-counts-changelog"));
}

}  // namespace
}  // namespace examples::orderreconcile
