// The log router example: its classification functions, and its whole topology
// run through the TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/topology_test_driver.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "log-router/log_router.h"

namespace examples::logrouter {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;
using Route = Decision::Route;
using OptString = std::optional<std::string>;

nlohmann::json event(int64_t status, const std::string& path = "/index.html", const std::string& ip = "10.1.2.77") {
  return nlohmann::json{{"ts", 1700000000123},
                        {"ip", ip},
                        {"method", "GET"},
                        {"path", path},
                        {"status", status},
                        {"bytes", 512}};
}

// ---------------------------------------------------------------- maskIpv4

TEST(LogRouterTest, MasksTheLastOctetOfAnIpv4Address) {
  EXPECT_EQ(maskIpv4("10.1.2.77"), "10.1.2.0");
  EXPECT_EQ(maskIpv4("192.168.0.1"), "192.168.0.0");
  EXPECT_EQ(maskIpv4("255.255.255.255"), "255.255.255.0");
  EXPECT_EQ(maskIpv4("0.0.0.0"), "0.0.0.0");
}

TEST(LogRouterTest, RejectsAnOctetAbove255) {
  EXPECT_EQ(maskIpv4("1.2.3.256"), std::nullopt);
  EXPECT_EQ(maskIpv4("256.1.2.3"), std::nullopt);
  EXPECT_EQ(maskIpv4("1.2.3.1000"), std::nullopt);
}

TEST(LogRouterTest, RejectsANegativeOctet) {
  EXPECT_EQ(maskIpv4("-1.2.3.4"), std::nullopt);
  EXPECT_EQ(maskIpv4("1.2.3.-4"), std::nullopt);
}

TEST(LogRouterTest, RejectsAddressesWithoutFourOctets) {
  EXPECT_EQ(maskIpv4("1.2.3"), std::nullopt);
  EXPECT_EQ(maskIpv4("1.2.3.4.5"), std::nullopt);
  EXPECT_EQ(maskIpv4("1..3.4"), std::nullopt);
  EXPECT_EQ(maskIpv4("1.2.3."), std::nullopt);
  EXPECT_EQ(maskIpv4(""), std::nullopt);
}

TEST(LogRouterTest, RejectsNonNumericOctets) {
  EXPECT_EQ(maskIpv4("a.b.c.d"), std::nullopt);
  EXPECT_EQ(maskIpv4("1.2.3.4a"), std::nullopt);
  EXPECT_EQ(maskIpv4("x"), std::nullopt);
  EXPECT_EQ(maskIpv4(" 1.2.3.4"), std::nullopt);
}

TEST(LogRouterTest, RejectsIpv6Addresses) {
  EXPECT_EQ(maskIpv4("::1"), std::nullopt);
  EXPECT_EQ(maskIpv4("2001:db8::1"), std::nullopt);
  EXPECT_EQ(maskIpv4("::ffff:1.2.3.4"), std::nullopt);
}

// ---------------------------------------------------------------- route

TEST(LogRouterTest, RoutesEachStatusClassAndMasksTheIp) {
  const std::vector<std::pair<int64_t, Route>> cases = {
      {200, Route::S2XX}, {299, Route::S2XX}, {301, Route::S3XX}, {399, Route::S3XX},
      {400, Route::S4XX}, {404, Route::S4XX}, {500, Route::S5XX}, {599, Route::S5XX},
  };
  for (const auto& [status, want] : cases) {
    auto d = route(event(status).dump());
    EXPECT_EQ(d.route, want) << "status " << status;
    auto expected = event(status);
    expected["ip"] = "10.1.2.0";
    EXPECT_EQ(nlohmann::json::parse(d.body), expected) << "status " << status;
  }
}

TEST(LogRouterTest, DropsHealthChecks) {
  for (const char* path : {"/health", "/healthz", "/health?probe=1", "/healthz?x=y&z=1"}) {
    EXPECT_EQ(route(event(200, path).dump()).route, Route::DROP) << path;
  }
}

TEST(LogRouterTest, DoesNotDropPathsThatOnlyLookLikeHealthChecks) {
  for (const char* path : {"/healthcheck", "/api/health", "/health/details", "/"}) {
    EXPECT_EQ(route(event(200, path).dump()).route, Route::S2XX) << path;
  }
}

TEST(LogRouterTest, MarksMalformedLinesInvalidWithAReason) {
  auto missingPath = event(200);
  missingPath.erase("path");
  auto statusString = event(200);
  statusString["status"] = "200";
  const std::vector<OptString> lines = {
      std::nullopt,
      "not json",
      "",
      "[1,2,3]",
      "\"just a string\"",
      missingPath.dump(),
      statusString.dump(),
      event(99).dump(),
      event(199).dump(),
      event(600).dump(),
      event(200, "/", "x").dump(),
      event(200, "/", "::1").dump(),
  };
  for (const auto& line : lines) {
    auto d = route(line);
    EXPECT_EQ(d.route, Route::INVALID) << line.value_or("<null>");
    EXPECT_FALSE(d.error.empty()) << line.value_or("<null>");
  }
}

// ---------------------------------------------------------------- the topology

class LogRouterTopologyTest : public ::testing::Test {
 protected:
  LogRouterTopologyTest()
      : driver_(buildTopology("access", "out")),
        in_(driver_.createInputTopic<OptString, OptString>("access", nullable(), nullable())) {}

  static kstreams::SerdePtr<OptString> nullable() { return kstreams::Serdes::Nullable(kstreams::Serdes::String()); }

  kstreams::TestOutputTopic<OptString, OptString> output(const std::string& suffix) {
    return driver_.createOutputTopic<OptString, OptString>("out-" + suffix, nullable(), nullable());
  }

  /// Total records on every output topic of the router.
  size_t totalOutput() {
    size_t n = 0;
    for (const char* s : {"2xx", "3xx", "4xx", "5xx", "invalid"}) n += driver_.outputSize(std::string("out-") + s);
    return n;
  }

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, OptString> in_;
};

TEST_F(LogRouterTopologyTest, RoutesEachStatusClassToItsTopicWithTheIpMasked) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {200, "2xx"}, {302, "3xx"}, {404, "4xx"}, {503, "5xx"}, {299, "2xx"}, {599, "5xx"},
  };
  for (const auto& [status, suffix] : cases) {
    const std::string key = "key-" + std::to_string(status);
    in_.pipeInput(key, event(status).dump(), 1000 + status);
    auto out = output(suffix);
    ASSERT_EQ(out.getQueueSize(), 1u) << "status " << status;
    auto r = out.readRecord();
    EXPECT_EQ(r.key, key);
    EXPECT_EQ(r.timestamp, 1000 + status);
    ASSERT_TRUE(r.value.has_value());
    auto expected = event(status);
    expected["ip"] = "10.1.2.0";
    EXPECT_EQ(nlohmann::json::parse(*r.value), expected) << "status " << status;
    EXPECT_EQ(totalOutput(), 0u) << "status " << status << " was also written elsewhere";
  }
}

TEST_F(LogRouterTopologyTest, KeepsFieldsItDoesNotKnowAndTheirValues) {
  auto e = event(201);
  e["user_agent"] = "curl/8.0";
  e["extra"] = nlohmann::json{{"nested", {1, 2, 3}}};
  in_.pipeInput("k", e.dump(), 1);
  auto r = output("2xx").readRecord();
  ASSERT_TRUE(r.value.has_value());
  e["ip"] = "10.1.2.0";
  EXPECT_EQ(nlohmann::json::parse(*r.value), e);
}

TEST_F(LogRouterTopologyTest, DropsHealthChecks) {
  for (const char* path : {"/health", "/healthz", "/health?probe=1", "/healthz?verbose"}) {
    in_.pipeInput("k", event(200, path).dump(), 1);
  }
  EXPECT_EQ(totalOutput(), 0u);
  EXPECT_THAT(driver_.producedTopicNames(), IsEmpty());
}

TEST_F(LogRouterTopologyTest, SendsMalformedLinesToInvalidUnchangedWithAnErrorHeader) {
  auto missingField = event(200);
  missingField.erase("bytes");
  auto statusString = event(200);
  statusString["status"] = "200";
  const std::vector<std::string> lines = {
      "not json at all",
      "[1, 2, 3]",
      missingField.dump(),
      // Spacing and field order that re-serialising would change.
      "{ \"status\" : \"200\",  \"ts\":1, \"ip\":\"10.0.0.1\", \"method\":\"GET\", \"path\":\"/\", \"bytes\":1 }",
      statusString.dump(),
      event(99).dump(),
      event(600).dump(),
      "{\"ts\": 1, \"ip\": \"x\", \"method\": \"GET\", \"path\": \"/\", \"status\": 200, \"bytes\": 10}",
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string key = "k" + std::to_string(i);
    in_.pipeInput(key, lines[i], static_cast<int64_t>(i));
  }
  auto invalid = output("invalid");
  auto records = invalid.readRecordsToList();
  ASSERT_EQ(records.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(records[i].key, "k" + std::to_string(i));
    EXPECT_EQ(records[i].value, lines[i]);  // the exact original bytes
    EXPECT_EQ(records[i].timestamp, static_cast<int64_t>(i));
    const auto* error = records[i].headers.lastHeader("error");
    ASSERT_NE(error, nullptr) << lines[i];
    ASSERT_TRUE(error->value.has_value()) << lines[i];
    EXPECT_FALSE(error->value->empty()) << lines[i];
  }
  EXPECT_EQ(totalOutput(), 0u);
}

TEST_F(LogRouterTopologyTest, SendsANullValueToInvalidAsNull) {
  in_.pipeInput("k", std::nullopt, 3);
  auto invalid = output("invalid");
  ASSERT_EQ(invalid.getQueueSize(), 1u);
  auto r = invalid.readRecord();
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, std::nullopt);
  EXPECT_NE(r.headers.lastHeader("error"), nullptr);
}

TEST_F(LogRouterTopologyTest, KeepsInputHeadersOnRoutedRecords) {
  in_.pipeInput("k", event(200).dump(), 1, kstreams::Headers{{"trace", "abc"}});
  auto r = output("2xx").readRecord();
  const auto* trace = r.headers.lastHeader("trace");
  ASSERT_NE(trace, nullptr);
  EXPECT_EQ(trace->value, "abc");
  EXPECT_EQ(r.headers.lastHeader("error"), nullptr);
}

TEST_F(LogRouterTopologyTest, KeepsANullKeyNull) {
  in_.pipeInput(std::nullopt, event(404).dump(), 1);
  in_.pipeInput(std::nullopt, "garbage", 2);
  auto routed = output("4xx").readRecord();
  EXPECT_EQ(routed.key, std::nullopt);
  EXPECT_EQ(driver_.outputQueue("out-4xx").size(), 0u);
  auto& invalidBytes = driver_.outputQueue("out-invalid");
  ASSERT_EQ(invalidBytes.size(), 1u);
  EXPECT_EQ(invalidBytes.front().key, std::nullopt);  // null on the wire, not empty
  EXPECT_EQ(invalidBytes.front().value, "garbage");
}

TEST_F(LogRouterTopologyTest, KeepsKeysAndOrderAcrossRoutes) {
  in_.pipeInput("a", event(200).dump(), 1);
  in_.pipeInput("b", event(500).dump(), 2);
  in_.pipeInput("c", event(201).dump(), 3);
  auto ok = output("2xx").readRecordsToList();
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].key, "a");
  EXPECT_EQ(ok[1].key, "c");
  auto err = output("5xx").readRecordsToList();
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].key, "b");
}

TEST(LogRouterTest, TopologyNamesItsNodes) {
  const std::string text = buildTopology("access", "out").describe().toString();
  EXPECT_THAT(text, ::testing::HasSubstr("Processor: route (stores: [])"));
  EXPECT_THAT(text, ::testing::HasSubstr("Sink: to-2xx (topic: out-2xx)"));
  EXPECT_THAT(text, ::testing::HasSubstr("Sink: to-invalid (topic: out-invalid)"));
  EXPECT_THAT(text, Not(::testing::HasSubstr("out-health")));
}

}  // namespace
}  // namespace examples::logrouter
