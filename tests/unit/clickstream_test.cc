// The clickstream example: parsing, the profile aggregate, and the whole
// topology run through the TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/topology_test_driver.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "clickstream/clickstream.h"

namespace examples::clickstream {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using kstreams::Serdes;
using json = nlohmann::json;
using OptString = std::optional<std::string>;

std::string click(const std::string& user, const std::string& item, const std::string& category, int64_t ts) {
  return json{{"user", user}, {"item", item}, {"category", category}, {"ts", ts}}.dump();
}

Click clickOf(const std::string& item, int64_t ts, const std::string& category = "books") {
  return Click{"u", item, category, ts};
}

std::vector<std::string> recentItems(const Profile& p) {
  std::vector<std::string> out;
  for (const auto& r : p.recent) out.push_back(r.item);
  return out;
}

// ---------------------------------------------------------------- parseClick

TEST(ClickstreamTest, ParsesAValidClick) {
  auto parsed = parseClick(click("ann", "i1", "books", 1234), 99);
  ASSERT_TRUE(parsed.click.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.click, (Click{"ann", "i1", "books", 1234}));
  EXPECT_TRUE(parsed.error.empty());
}

TEST(ClickstreamTest, ParsesAClickWithExtraFieldsInAnyOrder) {
  auto parsed = parseClick(R"({"ts": 5, "extra": [1, 2], "category": "c", "item": "i", "user": "u"})", 0);
  ASSERT_TRUE(parsed.click.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.click, (Click{"u", "i", "c", 5}));
}

TEST(ClickstreamTest, UsesTheRecordTimestampWhenTsIsMissingOrNull) {
  auto missing = parseClick(R"({"user": "u", "item": "i", "category": "c"})", 77);
  ASSERT_TRUE(missing.click.has_value()) << missing.error;
  EXPECT_EQ(missing.click->ts, 77);
  auto null = parseClick(R"({"user": "u", "item": "i", "category": "c", "ts": null})", 78);
  ASSERT_TRUE(null.click.has_value()) << null.error;
  EXPECT_EQ(null.click->ts, 78);
}

TEST(ClickstreamTest, RejectsMalformedEventsWithAReason) {
  const std::vector<OptString> values = {
      std::nullopt,
      "",
      "not json",
      "{\"user\": \"u\"",
      "[1, 2, 3]",
      "\"a string\"",
      R"({"item": "i", "category": "c", "ts": 1})",
      R"({"user": "u", "category": "c", "ts": 1})",
      R"({"user": "u", "item": "i", "ts": 1})",
      R"({"user": null, "item": "i", "category": "c"})",
      R"({"user": 42, "item": "i", "category": "c"})",
      R"({"user": "u", "item": ["i"], "category": "c"})",
      R"({"user": "", "item": "i", "category": "c"})",
      R"({"user": "u", "item": "i", "category": "c", "ts": "1"})",
      R"({"user": "u", "item": "i", "category": "c", "ts": -1})",
      R"({"user": "u", "item": "i", "category": "c", "ts": 1.5})",
      R"({"user": "u", "item": "i", "category": "c", "ts": 18446744073709551615})",
  };
  for (const auto& v : values) {
    auto parsed = parseClick(v, 0);
    EXPECT_FALSE(parsed.click.has_value()) << v.value_or("<null>");
    EXPECT_FALSE(parsed.error.empty()) << v.value_or("<null>");
  }
}

TEST(ClickstreamTest, NamesTheMissingField) {
  EXPECT_THAT(parseClick(R"({"user": "u", "item": "i"})", 0).error, HasSubstr("category"));
  EXPECT_THAT(parseClick(R"({"item": "i", "category": "c"})", 0).error, HasSubstr("user"));
}

// ---------------------------------------------------------------- addClick

TEST(ClickstreamTest, AddClickCountsClicksPerCategoryAndInTotal) {
  Profile p;
  p = addClick(p, Click{"ann", "i1", "books", 1});
  p = addClick(p, Click{"ann", "i2", "music", 2});
  p = addClick(p, Click{"ann", "i3", "books", 3});
  EXPECT_EQ(p.user, "ann");
  EXPECT_EQ(p.totalClicks, 3);
  EXPECT_THAT(p.clicksByCategory, UnorderedElementsAre(Pair("books", 2), Pair("music", 1)));
}

TEST(ClickstreamTest, AddClickKeepsTheFiveMostRecentDistinctItemsNewestFirst) {
  Profile p;
  for (int64_t i = 1; i <= 7; ++i) p = addClick(p, clickOf("i" + std::to_string(i), i));
  EXPECT_THAT(recentItems(p), ElementsAre("i7", "i6", "i5", "i4", "i3"));
  EXPECT_EQ(p.totalClicks, 7);
}

TEST(ClickstreamTest, AddClickMovesARepeatedItemToTheFrontWithoutDuplicatingIt) {
  Profile p;
  p = addClick(p, clickOf("a", 1));
  p = addClick(p, clickOf("b", 2));
  p = addClick(p, clickOf("c", 3));
  p = addClick(p, clickOf("a", 4));
  EXPECT_THAT(recentItems(p), ElementsAre("a", "c", "b"));
  EXPECT_EQ(p.totalClicks, 4);
}

TEST(ClickstreamTest, AddClickOrdersItemsByEventTimeNotByArrival) {
  Profile p;
  p = addClick(p, clickOf("new", 100));
  p = addClick(p, clickOf("old", 10));   // late: goes behind "new"
  p = addClick(p, clickOf("mid", 50));
  EXPECT_THAT(recentItems(p), ElementsAre("new", "mid", "old"));
  p = addClick(p, clickOf("new", 5));    // an older click on a listed item changes nothing in the order
  EXPECT_THAT(recentItems(p), ElementsAre("new", "mid", "old"));
  EXPECT_EQ(p.totalClicks, 4);
}

TEST(ClickstreamTest, AddClickDropsALateClickOlderThanAFullHistory) {
  Profile p;
  for (int64_t i = 1; i <= 5; ++i) p = addClick(p, clickOf("i" + std::to_string(i), 100 + i));
  p = addClick(p, clickOf("ancient", 1));
  EXPECT_THAT(recentItems(p), ElementsAre("i5", "i4", "i3", "i2", "i1"));
  EXPECT_EQ(p.totalClicks, 6);
}

TEST(ClickstreamTest, AddClickPutsTheLaterOfTwoClicksWithTheSameTimeFirst) {
  Profile p;
  p = addClick(p, clickOf("first", 7));
  p = addClick(p, clickOf("second", 7));
  EXPECT_THAT(recentItems(p), ElementsAre("second", "first"));
}

TEST(ClickstreamTest, ProfileSurvivesAJsonRoundTrip) {
  Profile p;
  p = addClick(p, Click{"ann", "i1", "books", 1});
  p = addClick(p, Click{"ann", "i2", "music", 2});
  auto serde = Serdes::Json<Profile>();
  auto bytes = serde->serialize(p);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(serde->deserialize(std::string_view(*bytes)), p);
}

TEST(ClickstreamTest, ProfileViewHasThePublishedFields) {
  Profile p;
  p = addClick(p, Click{"ann", "i1", "books", 1});
  p = addClick(p, Click{"ann", "i2", "music", 2});
  EXPECT_EQ(profileView(p), json::parse(R"({"user": "ann", "clicks_by_category": {"books": 1, "music": 1},
                                            "last_items": ["i2", "i1"], "total_clicks": 2})"));
}

// ---------------------------------------------------------------- the topology

class ClickstreamTopologyTest : public ::testing::Test {
 protected:
  explicit ClickstreamTopologyTest(const kstreams::Properties& config = {{"application.id", "clicks-app"}})
      : driver_(buildTopology("clicks", "cs"), config),
        in_(driver_.createInputTopic<OptString, OptString>("clicks", nullable(), nullable())),
        itemClicks_(driver_.createOutputTopic<std::string, int64_t>("cs-item-clicks", Serdes::String(), Serdes::Int64())),
        profiles_(driver_.createOutputTopic<std::string, OptString>("cs-user-profiles", Serdes::String(), nullable())),
        invalid_(driver_.createOutputTopic<OptString, OptString>("cs-invalid", nullable(), nullable())) {}

  static kstreams::SerdePtr<OptString> nullable() { return Serdes::Nullable(Serdes::String()); }

  /// The last profile per user, parsed.
  std::map<std::string, json> latestProfiles() {
    std::map<std::string, json> out;
    for (const auto& [user, value] : profiles_.readKeyValuesToMap()) {
      out[user] = value ? json::parse(*value) : json();
    }
    return out;
  }

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, OptString> in_;
  kstreams::TestOutputTopic<std::string, int64_t> itemClicks_;
  kstreams::TestOutputTopic<std::string, OptString> profiles_;
  kstreams::TestOutputTopic<OptString, OptString> invalid_;
};

TEST_F(ClickstreamTopologyTest, CountsClicksPerItem) {
  in_.pipeInput(std::nullopt, click("ann", "book-1", "books", 1), 1);
  in_.pipeInput(std::nullopt, click("bob", "book-1", "books", 2), 2);
  in_.pipeInput(std::nullopt, click("ann", "song-9", "music", 3), 3);
  in_.pipeInput(std::nullopt, click("ann", "book-1", "books", 4), 4);
  EXPECT_THAT(itemClicks_.readKeyValuesToMap(), UnorderedElementsAre(Pair("book-1", 3), Pair("song-9", 1)));
}

TEST_F(ClickstreamTopologyTest, BuildsAProfilePerUser) {
  in_.pipeInput(std::nullopt, click("ann", "book-1", "books", 10), 10);
  in_.pipeInput(std::nullopt, click("bob", "film-1", "films", 11), 11);
  in_.pipeInput(std::nullopt, click("ann", "song-9", "music", 12), 12);
  in_.pipeInput(std::nullopt, click("ann", "book-2", "books", 13), 13);
  auto profiles = latestProfiles();
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles["ann"], json::parse(R"({"user": "ann", "clicks_by_category": {"books": 2, "music": 1},
                                             "last_items": ["book-2", "song-9", "book-1"], "total_clicks": 3})"));
  EXPECT_EQ(profiles["bob"], json::parse(R"({"user": "bob", "clicks_by_category": {"films": 1},
                                             "last_items": ["film-1"], "total_clicks": 1})"));
}

TEST_F(ClickstreamTopologyTest, LastItemsAreTheFiveMostRecentDistinctItemsNewestFirst) {
  const std::vector<std::string> items = {"a", "b", "c", "a", "d", "e", "f", "g", "e"};
  int64_t ts = 100;
  for (const auto& item : items) {
    in_.pipeInput(OptString("session-1"), click("ann", item, "cat-" + item, ts), ts);
    ++ts;
  }
  auto profile = latestProfiles().at("ann");
  EXPECT_EQ(profile["last_items"], json::parse(R"(["e", "g", "f", "d", "a"])"));
  EXPECT_EQ(profile["total_clicks"], 9);
  EXPECT_EQ(profile["clicks_by_category"]["cat-a"], 2);
  EXPECT_EQ(profile["clicks_by_category"]["cat-e"], 2);
  EXPECT_EQ(profile["clicks_by_category"].size(), 7u);
}

TEST_F(ClickstreamTopologyTest, EmitsAnUpdatedProfileForEachClick) {
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 1), 1);
  in_.pipeInput(std::nullopt, click("ann", "y", "c", 2), 2);
  auto records = profiles_.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].value.has_value());
  ASSERT_TRUE(records[1].value.has_value());
  EXPECT_EQ(json::parse(*records[0].value)["total_clicks"], 1);
  EXPECT_EQ(json::parse(*records[1].value)["total_clicks"], 2);
  EXPECT_EQ(json::parse(*records[1].value)["last_items"], json::parse(R"(["y", "x"])"));
}

TEST_F(ClickstreamTopologyTest, OutputRecordsCarryTheEventTimeOfTheClick) {
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 5000), 1);
  auto profile = profiles_.readRecord();
  EXPECT_EQ(profile.timestamp, 5000);
  auto count = itemClicks_.readRecord();
  EXPECT_EQ(count.timestamp, 5000);
}

TEST_F(ClickstreamTopologyTest, RoutesMalformedEventsToInvalidUnchangedWithAnErrorHeader) {
  const std::vector<std::string> values = {
      "not json",
      "[1, 2]",
      R"({"item": "i", "category": "c", "ts": 1})",
      R"({"user": "u", "category": "c", "ts": 1})",
      R"({"user": "u", "item": "i", "ts": 1})",
      R"({ "user" : "u",  "item" : "i", "category" : "c", "ts" : "soon" })",
  };
  for (size_t i = 0; i < values.size(); ++i) {
    in_.pipeInput(OptString("k" + std::to_string(i)), values[i], static_cast<int64_t>(100 + i));
  }
  auto records = invalid_.readRecordsToList();
  ASSERT_EQ(records.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(records[i].key, OptString("k" + std::to_string(i)));
    EXPECT_EQ(records[i].value, OptString(values[i]));  // the exact original bytes
    EXPECT_EQ(records[i].timestamp, static_cast<int64_t>(100 + i));
    const auto* error = records[i].headers.lastHeader("error");
    ASSERT_NE(error, nullptr) << values[i];
    ASSERT_TRUE(error->value.has_value()) << values[i];
    EXPECT_FALSE(error->value->empty()) << values[i];
  }
  // Not counted anywhere.
  EXPECT_TRUE(itemClicks_.isEmpty());
  EXPECT_TRUE(profiles_.isEmpty());
  EXPECT_EQ(driver_.metrics().at("dropped-records-total"), 0);
}

TEST_F(ClickstreamTopologyTest, InvalidEventsDoNotDisturbTheCountsOfValidOnes) {
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 1), 1);
  in_.pipeInput(std::nullopt, R"({"user": "ann", "item": "x"})", 2);
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 3), 3);
  EXPECT_THAT(itemClicks_.readKeyValuesToMap(), ElementsAre(Pair("x", 2)));
  EXPECT_EQ(latestProfiles().at("ann")["total_clicks"], 2);
  ASSERT_EQ(invalid_.getQueueSize(), 1u);
  const auto r = invalid_.readRecord();
  EXPECT_EQ(r.key, std::nullopt);
  ASSERT_NE(r.headers.lastHeader("error"), nullptr);
  EXPECT_THAT(r.headers.lastHeader("error")->value.value_or(""), HasSubstr("category"));
}

TEST_F(ClickstreamTopologyTest, SendsANullValueToInvalidAsNull) {
  in_.pipeInput(OptString("k"), std::nullopt, 3);
  ASSERT_EQ(invalid_.getQueueSize(), 1u);
  auto r = invalid_.readRecord();
  EXPECT_EQ(r.key, OptString("k"));
  EXPECT_EQ(r.value, std::nullopt);
  EXPECT_NE(r.headers.lastHeader("error"), nullptr);
}

TEST_F(ClickstreamTopologyTest, KeepsInputHeadersOnInvalidRecords) {
  in_.pipeInput(OptString("k"), OptString("garbage"), 1, kstreams::Headers{{"trace", "t-1"}});
  auto r = invalid_.readRecord();
  ASSERT_NE(r.headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(r.headers.lastHeader("trace")->value, OptString("t-1"));
  EXPECT_NE(r.headers.lastHeader("error"), nullptr);
}

TEST_F(ClickstreamTopologyTest, RepartitionsByItemAndByUserThroughNamedTopics) {
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 1), 1);
  const auto topics = driver_.producedTopicNames();
  EXPECT_THAT(topics, Contains("clicks-app-clicks-by-item-repartition"));
  EXPECT_THAT(topics, Contains("clicks-app-clicks-by-user-repartition"));
  EXPECT_THAT(topics, Contains("clicks-app-item-click-counts-changelog"));
  EXPECT_THAT(topics, Contains("clicks-app-user-profiles-changelog"));
  EXPECT_THAT(topics, Not(Contains("cs-invalid")));
}

TEST(ClickstreamUncachedTest, GivesTheSameFinalResultsWithoutTheRecordCache) {
  auto run = [](const kstreams::Properties& config) {
    kstreams::TopologyTestDriver driver(buildTopology("clicks", "cs"), config);
    auto nullable = Serdes::Nullable(Serdes::String());
    auto in = driver.createInputTopic<OptString, OptString>("clicks", nullable, nullable);
    int64_t ts = 0;
    for (const auto& [user, item] : std::vector<std::pair<std::string, std::string>>{
             {"ann", "a"}, {"bob", "a"}, {"ann", "b"}, {"ann", "a"}, {"bob", "c"}}) {
      ++ts;
      in.pipeInput(std::nullopt, click(user, item, "cat", ts), ts);
    }
    auto counts = driver.createOutputTopic<std::string, int64_t>("cs-item-clicks", Serdes::String(), Serdes::Int64())
                      .readKeyValuesToMap();
    auto profiles =
        driver.createOutputTopic<std::string, std::string>("cs-user-profiles", Serdes::String(), Serdes::String())
            .readKeyValuesToMap();
    return std::pair{counts, profiles};
  };
  const auto cached = run({{"application.id", "clicks-app"}});
  const auto uncached = run({{"application.id", "clicks-app"}, {"statestore.cache.max.bytes", "0"}});
  EXPECT_THAT(cached.first, UnorderedElementsAre(Pair("a", 3), Pair("b", 1), Pair("c", 1)));
  EXPECT_EQ(cached.first, uncached.first);
  ASSERT_EQ(cached.second.size(), 2u);
  EXPECT_EQ(cached.second, uncached.second);
  EXPECT_EQ(json::parse(cached.second.at("ann"))["last_items"], json::parse(R"(["a", "b"])"));
}

// ---------------------------------------------------------------- enrichment

TEST(ClickstreamTest, EnrichClickAddsTheSegmentOfTheProfile) {
  const Click c{"ann", "i1", "books", 7};
  EXPECT_EQ(enrichClick(c, R"({"user": "ann", "segment": "gold", "since": 2020})"),
            json::parse(R"({"user": "ann", "item": "i1", "category": "books", "ts": 7, "segment": "gold"})"));
  EXPECT_EQ(enrichClick(c, std::nullopt)["segment"], nullptr);
  EXPECT_EQ(enrichClick(c, R"({"user": "ann"})")["segment"], nullptr);
  EXPECT_EQ(enrichClick(c, "not json")["segment"], nullptr);
  EXPECT_EQ(enrichClick(c, "[1]")["segment"], nullptr);
}

class ClickstreamEnrichmentTest : public ::testing::Test {
 protected:
  ClickstreamEnrichmentTest()
      : driver_(buildTopology("clicks", "cs", "user-profile-table"), {{"application.id", "clicks-app"}}),
        in_(driver_.createInputTopic<OptString, OptString>("clicks", nullable(), nullable())),
        profiles_(driver_.createInputTopic<std::string, OptString>("user-profile-table", Serdes::String(), nullable())),
        enriched_(driver_.createOutputTopic<std::string, std::string>("cs-enriched-clicks", Serdes::String(),
                                                                      Serdes::String())),
        itemClicks_(driver_.createOutputTopic<std::string, int64_t>("cs-item-clicks", Serdes::String(), Serdes::Int64())),
        userProfiles_(driver_.createOutputTopic<std::string, std::string>("cs-user-profiles", Serdes::String(),
                                                                          Serdes::String())) {}

  static kstreams::SerdePtr<OptString> nullable() { return Serdes::Nullable(Serdes::String()); }

  void profile(const std::string& user, const OptString& segment, int64_t ts) {
    profiles_.pipeInput(user, json{{"user", user}, {"segment", segment ? json(*segment) : json()}}.dump(), ts);
  }

  /// The segments of the enriched clicks written so far, in order, as (user, item, segment).
  std::vector<std::tuple<std::string, std::string, json>> readEnriched() {
    std::vector<std::tuple<std::string, std::string, json>> out;
    for (const auto& r : enriched_.readRecordsToList()) {
      const auto v = json::parse(r.value);
      EXPECT_EQ(v.at("user"), r.key);
      out.emplace_back(r.key, v.at("item").get<std::string>(), v.at("segment"));
    }
    return out;
  }

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, OptString> in_;
  kstreams::TestInputTopic<std::string, OptString> profiles_;
  kstreams::TestOutputTopic<std::string, std::string> enriched_;
  kstreams::TestOutputTopic<std::string, int64_t> itemClicks_;
  kstreams::TestOutputTopic<std::string, std::string> userProfiles_;
};

TEST_F(ClickstreamEnrichmentTest, AddsTheSegmentOfAKnownUser) {
  profile("ann", "gold", 1);
  in_.pipeInput(std::nullopt, click("ann", "book-1", "books", 10), 10);
  auto records = enriched_.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "ann");
  EXPECT_EQ(records[0].timestamp, 10);
  EXPECT_EQ(json::parse(records[0].value),
            json::parse(R"({"user": "ann", "item": "book-1", "category": "books", "ts": 10, "segment": "gold"})"));
}

TEST_F(ClickstreamEnrichmentTest, WritesANullSegmentForAnUnknownUser) {
  profile("ann", "gold", 1);
  in_.pipeInput(std::nullopt, click("bob", "film-1", "films", 10), 10);
  EXPECT_THAT(readEnriched(), ElementsAre(std::tuple{"bob", "film-1", json()}));
}

TEST_F(ClickstreamEnrichmentTest, UsesTheProfileCurrentWhenTheClickIsProcessed) {
  profile("ann", "gold", 1);
  in_.pipeInput(std::nullopt, click("ann", "a", "c", 10), 10);
  profile("ann", "silver", 11);
  in_.pipeInput(std::nullopt, click("ann", "b", "c", 12), 12);
  // A profile update re-emits nothing: only clicks do.
  EXPECT_THAT(readEnriched(), ElementsAre(std::tuple{"ann", "a", json("gold")}, std::tuple{"ann", "b", json("silver")}));
}

TEST_F(ClickstreamEnrichmentTest, ForgetsAProfileDeletedByATombstone) {
  profile("ann", "gold", 1);
  profiles_.pipeInput("ann", std::nullopt, 2);
  in_.pipeInput(std::nullopt, click("ann", "a", "c", 10), 10);
  profile("ann", "bronze", 11);
  in_.pipeInput(std::nullopt, click("ann", "b", "c", 12), 12);
  EXPECT_THAT(readEnriched(), ElementsAre(std::tuple{"ann", "a", json()}, std::tuple{"ann", "b", json("bronze")}));
}

TEST_F(ClickstreamEnrichmentTest, AMalformedProfileGivesANullSegmentAndDoesNotStopTheApp) {
  profiles_.pipeInput("ann", OptString("{not json"), 1);
  profiles_.pipeInput("bob", OptString(R"({"user": "bob", "tier": 3})"), 1);
  in_.pipeInput(std::nullopt, click("ann", "a", "c", 10), 10);
  in_.pipeInput(std::nullopt, click("bob", "b", "c", 11), 11);
  EXPECT_THAT(readEnriched(), ElementsAre(std::tuple{"ann", "a", json()}, std::tuple{"bob", "b", json()}));
}

TEST_F(ClickstreamEnrichmentTest, KeepsTheOtherOutputsAsWithoutProfiles) {
  profile("ann", "gold", 1);
  in_.pipeInput(std::nullopt, click("ann", "book-1", "books", 10), 10);
  in_.pipeInput(std::nullopt, click("bob", "book-1", "books", 11), 11);
  in_.pipeInput(std::nullopt, R"({"user": "ann"})", 12);
  EXPECT_THAT(itemClicks_.readKeyValuesToMap(), ElementsAre(Pair("book-1", 2)));
  const auto profiles = userProfiles_.readKeyValuesToMap();
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(json::parse(profiles.at("ann")), json::parse(R"({"user": "ann", "clicks_by_category": {"books": 1},
                                                             "last_items": ["book-1"], "total_clicks": 1})"));
  EXPECT_EQ(enriched_.getQueueSize(), 2u);  // the malformed event is not enriched
  const auto topics = driver_.producedTopicNames();
  EXPECT_THAT(topics, Contains("clicks-app-clicks-by-user-repartition"));
  EXPECT_THAT(topics, Contains("clicks-app-user-segments-changelog"));
}

TEST_F(ClickstreamTopologyTest, WritesNoEnrichedClicksWithoutAProfilesTopic) {
  in_.pipeInput(std::nullopt, click("ann", "x", "c", 1), 1);
  EXPECT_THAT(driver_.producedTopicNames(), Not(Contains("cs-enriched-clicks")));
}

}  // namespace
}  // namespace examples::clickstream
