// The metrics-alerts example: parsing, the timestamp extractor, and the whole
// topology (averages, maxima, alerts, invalid events) run through the
// TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/topology_test_driver.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics-alerts/metrics_alerts.h"

namespace examples::metricsalerts {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using kstreams::Serdes;
using json = nlohmann::json;
using OptString = std::optional<std::string>;

// A minute boundary, so that window starts are T0 + whole minutes.
constexpr int64_t T0 = 1'700'000'040'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kGraceMs = 10'000;

std::string metric(const std::string& host, double cpu, int64_t ts) {
  return json{{"host", host}, {"cpu", cpu}, {"mem", 42.5}, {"ts", ts}}.dump();
}

std::string key(const std::string& host, int64_t start) { return host + "@" + std::to_string(start); }

ParsedMetric parse(const std::string& s) { return parseMetric(std::string_view(s)); }

// ---------------------------------------------------------------- parseMetric

TEST(MetricsAlertsTest, ParsesAValidMetric) {
  auto parsed = parse(metric("web-1", 12.5, 1234));
  ASSERT_TRUE(parsed.metric.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.metric, (Metric{"web-1", 12.5, 1234}));
  EXPECT_TRUE(parsed.error.empty());
}

TEST(MetricsAlertsTest, ParsesIntegerCpuExtraFieldsAndAnyMem) {
  for (const std::string v : {R"({"ts": 5, "extra": [1], "cpu": 90, "host": "h"})",
                              R"({"host": "h", "cpu": 90, "ts": 5, "mem": null})",
                              R"({"host": "h", "cpu": 90.0, "ts": 5, "mem": "n/a"})"}) {
    auto parsed = parse(v);
    ASSERT_TRUE(parsed.metric.has_value()) << v << ": " << parsed.error;
    EXPECT_EQ(*parsed.metric, (Metric{"h", 90.0, 5})) << v;
  }
}

TEST(MetricsAlertsTest, RejectsMalformedEventsWithAReason) {
  const std::vector<OptString> values = {
      std::nullopt,
      "",
      "not json",
      R"({"host": "h", "cpu": 1)",
      "[1, 2]",
      "\"a string\"",
      "42",
      "null",
      R"({"cpu": 1, "ts": 1})",
      R"({"host": null, "cpu": 1, "ts": 1})",
      R"({"host": "", "cpu": 1, "ts": 1})",
      R"({"host": 7, "cpu": 1, "ts": 1})",
      R"({"host": "h", "ts": 1})",
      R"({"host": "h", "cpu": null, "ts": 1})",
      R"({"host": "h", "cpu": "1", "ts": 1})",
      R"({"host": "h", "cpu": true, "ts": 1})",
      R"({"host": "h", "cpu": 1})",
      R"({"host": "h", "cpu": 1, "ts": null})",
      R"({"host": "h", "cpu": 1, "ts": "1"})",
      R"({"host": "h", "cpu": 1, "ts": -1})",
      R"({"host": "h", "cpu": 1, "ts": 1.5})",
      R"({"host": "h", "cpu": 1, "ts": 18446744073709551615})",
  };
  for (const auto& v : values) {
    auto parsed = parseMetric(v ? std::optional<std::string_view>(*v) : std::nullopt);
    EXPECT_FALSE(parsed.metric.has_value()) << v.value_or("<null>");
    EXPECT_FALSE(parsed.error.empty()) << v.value_or("<null>");
  }
}

TEST(MetricsAlertsTest, NamesTheMissingOrWrongField) {
  EXPECT_THAT(parse(R"({"cpu": 1, "ts": 1})").error, HasSubstr("host"));
  EXPECT_THAT(parse(R"({"host": "h", "ts": 1})").error, HasSubstr("cpu"));
  EXPECT_THAT(parse(R"({"host": "h", "cpu": 1})").error, HasSubstr("ts"));
  EXPECT_THAT(parse(R"({"host": "h", "cpu": 1, "ts": -5})").error, HasSubstr("ts"));
}

// ---------------------------------------------------------------- extractTimestamp

kstreams::RawRecord raw(const OptString& value, int64_t timestamp) {
  kstreams::RawRecord r;
  r.topic = "in";
  r.partition = 0;
  r.offset = 0;
  r.timestamp = timestamp;
  if (value) {
    r.value = value->data();
    r.valueSize = value->size();
  }
  return r;
}

TEST(MetricsAlertsTest, ExtractorTakesTheEventTimeOfAValidMetric) {
  const OptString v = metric("h", 1, 777);
  EXPECT_EQ(extractTimestamp(raw(v, 5), 100), 777);
  EXPECT_EQ(extractTimestamp(raw(v, -1), -1), 777);
}

TEST(MetricsAlertsTest, ExtractorGivesAMalformedEventAValidTimestamp) {
  const OptString bad = "garbage";
  EXPECT_EQ(extractTimestamp(raw(bad, 5), 100), 5);        // its own
  EXPECT_EQ(extractTimestamp(raw(bad, -1), 100), 100);     // the partition time
  EXPECT_EQ(extractTimestamp(raw(bad, -1), -1), 0);        // nothing better
  EXPECT_EQ(extractTimestamp(raw(std::nullopt, 9), -1), 9);
  const OptString noHost = R"({"cpu": 1, "ts": 123})";
  EXPECT_EQ(extractTimestamp(raw(noHost, 9), -1), 9);       // an invalid event's ts is not trusted
}

// ---------------------------------------------------------------- views

TEST(MetricsAlertsTest, ViewsHaveThePublishedFields) {
  kstreams::Windowed<std::string> w{"h", kstreams::Window{T0, T0 + kMinute}};
  EXPECT_EQ(windowKey(w), "h@1700000040000");
  EXPECT_EQ(avgView(w, CpuSum{30, 4}),
            json::parse(R"({"host": "h", "window_start": 1700000040000, "window_end": 1700000100000,
                            "avg_cpu": 7.5, "count": 4})"));
  EXPECT_EQ(maxView(w, CpuMax{99.5, 3}),
            json::parse(R"({"host": "h", "window_start": 1700000040000, "window_end": 1700000100000,
                            "max_cpu": 99.5, "count": 3})"));
  EXPECT_EQ(alertView(w, CpuSum{170, 2}, 80),
            json::parse(R"({"host": "h", "window_start": 1700000040000, "window_end": 1700000100000,
                            "avg_cpu": 85.0, "threshold": 80.0})"));
}

TEST(MetricsAlertsTest, AggregatesSurviveAJsonRoundTrip) {
  auto sums = Serdes::Json<CpuSum>();
  const CpuSum s{0.1 + 0.2 + 97.3, 3};
  EXPECT_EQ(sums->deserialize(std::string_view(*sums->serialize(s))), s);
  auto maxima = Serdes::Json<CpuMax>();
  const CpuMax m{1.0 / 3.0, 7};
  EXPECT_EQ(maxima->deserialize(std::string_view(*maxima->serialize(m))), m);
}

// ---------------------------------------------------------------- the topology

class MetricsAlertsTopologyTest : public ::testing::Test {
 protected:
  explicit MetricsAlertsTopologyTest(double threshold = 80.0)
      : driver_(buildTopology("host-metrics", "m", threshold), {{"application.id", "alerts-app"}}),
        in_(driver_.createInputTopic<OptString, OptString>("host-metrics", nullable(), nullable())),
        avg_(driver_.createOutputTopic<std::string, json>("m-cpu-avg-1m", Serdes::String(), Serdes::Json<json>())),
        max_(driver_.createOutputTopic<std::string, json>("m-cpu-max-5m", Serdes::String(), Serdes::Json<json>())),
        alerts_(driver_.createOutputTopic<std::string, json>("m-alerts", Serdes::String(), Serdes::Json<json>())),
        invalid_(driver_.createOutputTopic<OptString, OptString>("m-invalid", nullable(), nullable())) {}

  static kstreams::SerdePtr<OptString> nullable() { return Serdes::Nullable(Serdes::String()); }

  /// Pipes a metric whose record timestamp is unrelated to its event time.
  void send(const std::string& host, double cpu, int64_t ts, const OptString& recordKey = std::nullopt) {
    in_.pipeInput(recordKey, metric(host, cpu, ts), 42);
  }

  /// The latest (avg_cpu, count) per key of the averages topic.
  std::map<std::string, std::pair<double, int64_t>> averages() {
    std::map<std::string, std::pair<double, int64_t>> out;
    for (const auto& [k, v] : avg_.readKeyValuesToMap()) out[k] = {v.at("avg_cpu").get<double>(), v.at("count")};
    return out;
  }
  std::map<std::string, std::pair<double, int64_t>> maxima() {
    std::map<std::string, std::pair<double, int64_t>> out;
    for (const auto& [k, v] : max_.readKeyValuesToMap()) out[k] = {v.at("max_cpu").get<double>(), v.at("count")};
    return out;
  }
  std::vector<std::string> alertKeys() {
    std::vector<std::string> out;
    for (const auto& kv : alerts_.readKeyValuesToList()) out.push_back(kv.key);
    return out;
  }
  double dropped() const { return driver_.metrics().at("dropped-records-total"); }

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, OptString> in_;
  kstreams::TestOutputTopic<std::string, json> avg_;
  kstreams::TestOutputTopic<std::string, json> max_;
  kstreams::TestOutputTopic<std::string, json> alerts_;
  kstreams::TestOutputTopic<OptString, OptString> invalid_;
};

using Stat = std::pair<double, int64_t>;

TEST_F(MetricsAlertsTopologyTest, AveragesPerHostAndMinuteInOrder) {
  send("a", 10, T0 + 1'000, "ignored-key");
  send("a", 20, T0 + 59'999);
  send("b", 50, T0 + 30'000);
  send("a", 40, T0 + kMinute);  // the next window: [T0+1m, T0+2m)
  EXPECT_EQ(averages(), (std::map<std::string, Stat>{{key("a", T0), {15, 2}},
                                                     {key("b", T0), {50, 1}},
                                                     {key("a", T0 + kMinute), {40, 1}}}));
}

TEST_F(MetricsAlertsTopologyTest, EveryUpdateOfAWindowIsWrittenWithTheWholeView) {
  send("a", 10, T0 + 1'000);
  send("a", 20, T0 + 2'000);
  auto records = avg_.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, key("a", T0));
  EXPECT_EQ(records[1].value, json::parse(R"({"host": "a", "window_start": 1700000040000,
                                              "window_end": 1700000100000, "avg_cpu": 15.0, "count": 2})"));
  // The record timestamp is the event time (the latest of the window), not the input record's.
  EXPECT_EQ(records[0].timestamp, T0 + 1'000);
  EXPECT_EQ(records[1].timestamp, T0 + 2'000);
}

TEST_F(MetricsAlertsTopologyTest, OutOfOrderRecordsWithinGraceAreCounted) {
  send("a", 10, T0 + 50'000);
  send("a", 30, T0 + kMinute + 5'000);      // stream time T0+65s
  send("a", 20, T0 + 10'000);               // late, but [T0, T0+1m) closes at T0+70s: counted
  send("b", 0, T0 + kMinute + kGraceMs - 1);  // stream time T0+69.999s: still open
  send("a", 60, T0 + 59'000);               // counted
  EXPECT_EQ(averages()[key("a", T0)], (Stat{30, 3}));
  EXPECT_EQ(dropped(), 0);
}

TEST_F(MetricsAlertsTopologyTest, RecordsBeyondGraceAreDropped) {
  send("a", 10, T0 + 50'000);
  send("b", 10, T0 + kMinute + kGraceMs);  // stream time reaches end + grace: [T0, T0+1m) is closed
  avg_.readRecordsToList();
  send("a", 99, T0 + 59'999);
  // Dropped from the 1-minute window and from the one 5-minute window that ends
  // at the same time, [T0-4m, T0+1m); counted into the four that end later.
  EXPECT_THAT(averages(), IsEmpty());
  EXPECT_EQ(dropped(), 2);
  auto m = maxima();
  EXPECT_EQ(m[key("a", T0 - 4 * kMinute)], (Stat{10, 1}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(m[key("a", T0 - i * kMinute)], (Stat{99, 2})) << i;
}

TEST_F(MetricsAlertsTopologyTest, AWindowAcceptsRecordsUntilStreamTimeReachesItsEndPlusGrace) {
  send("a", 10, T0);
  send("a", 20, T0 + kMinute + kGraceMs - 1);
  send("a", 30, T0 + 1);  // accepted: stream time is 1 ms short of [T0, T0+1m)'s end + grace
  EXPECT_EQ(averages()[key("a", T0)], (Stat{20, 2}));
  send("a", 40, T0 + kMinute + kGraceMs);
  send("a", 50, T0 + 2);  // dropped: stream time reached end + grace (and from [T0-4m, T0+1m) too)
  auto avg = averages();
  EXPECT_EQ(avg.count(key("a", T0)), 0u);
  EXPECT_EQ(avg[key("a", T0 + kMinute)], (Stat{30, 2}));
  EXPECT_EQ(dropped(), 2);
}

TEST_F(MetricsAlertsTopologyTest, HoppingWindowsHoldARecordInFiveWindows) {
  send("a", 70, T0 + 30'000);
  auto m = maxima();
  ASSERT_EQ(m.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(m[key("a", T0 - i * kMinute)], (Stat{70, 1})) << i;
  }
  auto last = json();
  send("a", 20, T0 + 30'001);
  for (const auto& kv : max_.readKeyValuesToList()) last = kv.value;
  EXPECT_EQ(last.at("window_end").get<int64_t>() - last.at("window_start").get<int64_t>(), 5 * kMinute);
}

TEST_F(MetricsAlertsTopologyTest, MaximaInOrderAndOutOfOrder) {
  send("a", 50, T0 + 10'000);
  send("a", 70, T0 + 2 * kMinute + 5'000);  // stream time T0+2m5s: windows ending by T0+1m55s are closed
  send("a", 60, T0 + 90'000);               // out of order; its windows end at T0+2m or later: counted
  send("a", 90, T0 + 4 * kMinute + 59'000);
  EXPECT_EQ(maxima(), (std::map<std::string, Stat>{
                          {key("a", T0 - 4 * kMinute), {50, 1}},
                          {key("a", T0 - 3 * kMinute), {60, 2}},
                          {key("a", T0 - 2 * kMinute), {70, 3}},
                          {key("a", T0 - 1 * kMinute), {70, 3}},
                          {key("a", T0), {90, 4}},
                          {key("a", T0 + 1 * kMinute), {90, 3}},
                          {key("a", T0 + 2 * kMinute), {90, 2}},
                          {key("a", T0 + 3 * kMinute), {90, 1}},
                          {key("a", T0 + 4 * kMinute), {90, 1}},
                      }));
  EXPECT_EQ(dropped(), 0);
}

TEST_F(MetricsAlertsTopologyTest, OneAlertPerWindowOnlyAfterItCloses) {
  send("a", 90, T0 + 1'000);
  send("a", 85, T0 + 50'000);
  send("b", 10, T0 + 2'000);
  send("a", 99, T0 + kMinute + 1'000);
  EXPECT_TRUE(alerts_.isEmpty());
  send("a", 70, T0 + 40'000);  // late, within grace: average 86
  send("c", 1, T0 + kMinute + kGraceMs - 1);
  EXPECT_TRUE(alerts_.isEmpty()) << "stream time has not reached end + grace";
  send("c", 1, T0 + kMinute + kGraceMs);
  auto alerts = alerts_.readRecordsToList();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].key, key("a", T0));
  EXPECT_EQ(alerts[0].value, json::parse(R"({"host": "a", "window_start": 1700000040000,
                                             "window_end": 1700000100000, "avg_cpu": 81.66666666666667,
                                             "threshold": 80.0})"));
  // More records, even for the closed window, do not repeat it.
  send("a", 100, T0 + 3'000);  // beyond grace: dropped
  send("c", 1, T0 + kMinute + 30'000);
  EXPECT_TRUE(alerts_.isEmpty());
  // [T0+1m, T0+2m) closes at T0+2m+10s: a's 99 alerts, c's 1s do not.
  send("d", 1, T0 + 2 * kMinute + kGraceMs);
  EXPECT_THAT(alertKeys(), ElementsAre(key("a", T0 + kMinute)));
}

TEST_F(MetricsAlertsTopologyTest, NoAlertAtOrBelowTheThreshold) {
  send("at", 70, T0 + 1'000);
  send("at", 90, T0 + 2'000);  // average exactly 80
  send("below", 79.99, T0 + 3'000);
  send("above", 80.01, T0 + 4'000);
  send("z", 0, T0 + 5 * kMinute);
  EXPECT_THAT(alertKeys(), ElementsAre(key("above", T0)));
}

class MetricsAlertsLowThresholdTest : public MetricsAlertsTopologyTest {
 protected:
  MetricsAlertsLowThresholdTest() : MetricsAlertsTopologyTest(5.0) {}
};

TEST_F(MetricsAlertsLowThresholdTest, TheThresholdIsConfigurable) {
  send("a", 6, T0 + 1'000);
  send("b", 5, T0 + 1'000);
  send("z", 0, T0 + 2 * kMinute);
  auto alerts = alerts_.readKeyValuesToList();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].key, key("a", T0));
  EXPECT_EQ(alerts[0].value.at("threshold"), 5.0);
}

TEST_F(MetricsAlertsTopologyTest, MalformedEventsGoToInvalidUnchangedWithAnErrorHeader) {
  in_.pipeInput(OptString("k1"), OptString("not json"), 1'000);
  in_.pipeInput(OptString(), OptString(R"({"host": "h", "cpu": 1})"), 2'000);
  in_.pipeInput(OptString("k3"), OptString(), 3'000);
  in_.pipeInput(OptString("k4"), OptString(R"({"host": "h", "cpu": "high", "ts": 5})"), -1);
  auto records = invalid_.readRecordsToList();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].key, OptString("k1"));
  EXPECT_EQ(records[0].value, OptString("not json"));
  EXPECT_EQ(records[0].timestamp, 1'000);
  EXPECT_EQ(records[1].key, std::nullopt);
  EXPECT_EQ(records[1].value, OptString(R"({"host": "h", "cpu": 1})"));
  EXPECT_EQ(records[2].value, std::nullopt);
  EXPECT_EQ(records[3].timestamp, 3'000);  // a negative record timestamp: the partition time
  const std::vector<std::string> reasons = {"not JSON", "missing field ts", "null value", "field cpu"};
  for (size_t i = 0; i < records.size(); ++i) {
    const auto* error = records[i].headers.lastHeader("error");
    ASSERT_NE(error, nullptr) << i;
    ASSERT_TRUE(error->value.has_value()) << i;
    EXPECT_THAT(*error->value, HasSubstr(reasons[i])) << i;
  }
  EXPECT_TRUE(avg_.isEmpty());
  EXPECT_TRUE(max_.isEmpty());
  EXPECT_EQ(driver_.metrics().at("invalid-timestamps-total"), 0);
}

TEST_F(MetricsAlertsTopologyTest, MalformedEventsDoNotMoveTheStreamTimeOfTheWindows) {
  send("a", 90, T0 + 1'000);
  // Far in the future by its record timestamp, but it never reaches the aggregations.
  in_.pipeInput(OptString("x"), OptString("garbage"), T0 + 60 * kMinute);
  send("a", 95, T0 + 2'000);  // still accepted
  EXPECT_TRUE(alerts_.isEmpty());
  EXPECT_EQ(averages()[key("a", T0)], (Stat{92.5, 2}));
  EXPECT_EQ(invalid_.getQueueSize(), 1u);
}

TEST_F(MetricsAlertsTopologyTest, EventTimeIsTheJsonTsNotTheRecordTimestamp) {
  in_.pipeInput(OptString(), OptString(metric("a", 90, T0 + 5'000)), T0 + 30 * kMinute);
  in_.pipeInput(OptString(), OptString(metric("a", 70, T0 + 6'000)), 0);
  EXPECT_EQ(averages(), (std::map<std::string, Stat>{{key("a", T0), {80, 2}}}));
  EXPECT_EQ(dropped(), 0);
}

}  // namespace
}  // namespace examples::metricsalerts
