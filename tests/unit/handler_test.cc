// Record-level error handling through the TopologyTestDriver: deserialization
// and processing exception handlers, the dead letter queue, invalid timestamps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

/// The value of the last header `key`, or nullopt when there is none (or it is null).
std::optional<std::string> header(const Headers& headers, const std::string& key) {
  const Header* h = headers.lastHeader(key);
  return h == nullptr ? std::nullopt : h->value;
}

/// in (String, Int64) -> value * 2 -> out.
Topology doubling() {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .mapValues([](int64_t v) { return v * 2; })
      .to("out");
  return builder.build();
}

/// in (String, String) -> upper-case, throwing std::runtime_error for "boom" -> out.
Topology throwingOnBoom() {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) {
        if (v == "boom") throw std::runtime_error("cannot handle boom");
        std::string out = v;
        for (auto& c : out) c = static_cast<char>(c - ('a' <= c && c <= 'z' ? 32 : 0));
        return out;
      })
      .to("out");
  return builder.build();
}

/// Eight bytes of Kafka's LongSerializer.
std::string longBytes(int64_t v) { return *Serdes::Int64()->serialize(v); }

// ---------------------------------------------------------------- deserialization errors

TEST(HandlerTest, DeserializationErrorFailsThePipeByDefault) {
  TopologyTestDriver driver(doubling());
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  EXPECT_THROW(raw.pipeInput("k", "abc"), StreamsException);  // 3 bytes, not a long
}

TEST(HandlerTest, DeserializationErrorMessageSaysHowToSkipSuchRecords) {
  TopologyTestDriver driver(doubling(), {{"default.deserialization.exception.handler", "logAndFail"}});
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  try {
    raw.pipeInput("k", "abc");
    FAIL() << "expected a StreamsException";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("default.deserialization.exception.handler"));
    EXPECT_THAT(e.what(), HasSubstr("topic=in"));
  }
}

TEST(HandlerTest, LogAndContinueSkipsARecordThatCannotBeDeserialized) {
  TopologyTestDriver driver(doubling(), {{"default.deserialization.exception.handler", "logAndContinue"}});
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", 1);
  EXPECT_NO_THROW(raw.pipeInput("bad", "abc"));
  in.pipeInput("b", 21);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", 2), Pair("b", 42)));
  auto metrics = driver.metrics();
  EXPECT_DOUBLE_EQ(metrics.at("dropped-records-total"), 1);
  EXPECT_DOUBLE_EQ(metrics.at("deserialization-errors-total"), 1);
  EXPECT_DOUBLE_EQ(metrics.at("processing-errors-total"), 0);
  EXPECT_DOUBLE_EQ(metrics.at("process-total"), 2);
}

TEST(HandlerTest, LogAndContinueGivenAsJavaClassNameSkipsTheRecord) {
  TopologyTestDriver driver(doubling(), {{"default.deserialization.exception.handler",
                                          "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler"}});
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  EXPECT_NO_THROW(raw.pipeInput("bad", "abc"));
  EXPECT_DOUBLE_EQ(driver.metrics().at("dropped-records-total"), 1);
}

TEST(HandlerTest, DeadLetterQueueReceivesTheRawBytesOfAnUndeserializableRecord) {
  TopologyTestDriver driver(doubling(), {{"default.deserialization.exception.handler", "logAndContinue"},
                                         {"errors.dead.letter.queue.topic.name", "dlq"}});
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  auto dlq = driver.createOutputTopic<std::string, std::string>("dlq");
  raw.pipeInput("good", longBytes(5), 100);
  raw.pipeInput("bad", std::string("\x01\x02\x03", 3), 200, Headers{{"trace", "t-9"}});

  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("good", 10)));
  ASSERT_EQ(dlq.getQueueSize(), 1u);
  auto r = dlq.readRecord();
  EXPECT_EQ(r.key, "bad");
  EXPECT_EQ(r.value, std::string("\x01\x02\x03", 3));
  EXPECT_EQ(r.timestamp, 200);
  EXPECT_EQ(header(r.headers, "trace"), "t-9");
  ASSERT_TRUE(header(r.headers, "__streams.errors.exception").has_value());
  EXPECT_THAT(*header(r.headers, "__streams.errors.exception"), HasSubstr("SerializationException"));
  ASSERT_TRUE(header(r.headers, "__streams.errors.message").has_value());
  EXPECT_FALSE(header(r.headers, "__streams.errors.message")->empty());
  EXPECT_EQ(header(r.headers, "__streams.errors.topic"), "in");
  EXPECT_EQ(header(r.headers, "__streams.errors.partition"), "0");
  EXPECT_EQ(header(r.headers, "__streams.errors.offset"), "1");
  EXPECT_DOUBLE_EQ(driver.metrics().at("dead-letter-records-total"), 1);
}

TEST(HandlerTest, DeadLetterQueueKeepsANullKeyNull) {
  TopologyTestDriver driver(doubling(), {{"default.deserialization.exception.handler", "logAndContinue"},
                                         {"errors.dead.letter.queue.topic.name", "dlq"}});
  auto raw = driver.createInputTopic<std::string, std::string>("in");
  raw.pipeInput("abc");  // null key, 3-byte value
  auto& q = driver.outputQueue("dlq");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front().key, std::nullopt);
  EXPECT_EQ(q.front().value, std::optional<std::string>("abc"));
}

// ---------------------------------------------------------------- processing errors

TEST(HandlerTest, ExceptionInUserCodeFailsThePipeByDefault) {
  TopologyTestDriver driver(throwingOnBoom());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "fine");
  EXPECT_THROW(in.pipeInput("k", "boom"), StreamsException);
  EXPECT_THAT(out.readValuesToList(), ElementsAre("FINE"));
}

TEST(HandlerTest, ExceptionInUserCodeMessageCarriesTheCause) {
  TopologyTestDriver driver(throwingOnBoom());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  try {
    in.pipeInput("k", "boom");
    FAIL() << "expected a StreamsException";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot handle boom"));
    EXPECT_THAT(e.what(), HasSubstr("processing.exception.handler"));
  }
}

TEST(HandlerTest, LogAndContinueSkipsARecordWhoseProcessingThrows) {
  TopologyTestDriver driver(throwingOnBoom(), {{"processing.exception.handler", "logAndContinue"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("a", "one");
  EXPECT_NO_THROW(in.pipeInput("b", "boom"));
  in.pipeInput("c", "two");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", "ONE"), Pair("c", "TWO")));
  auto metrics = driver.metrics();
  EXPECT_DOUBLE_EQ(metrics.at("processing-errors-total"), 1);
  EXPECT_DOUBLE_EQ(metrics.at("dropped-records-total"), 1);
  EXPECT_DOUBLE_EQ(metrics.at("deserialization-errors-total"), 0);
}

TEST(HandlerTest, DeadLetterQueueReceivesTheInputRecordWhoseProcessingThrew) {
  TopologyTestDriver driver(throwingOnBoom(), {{"processing.exception.handler", "logAndContinue"},
                                               {"errors.dead.letter.queue.topic.name", "dlq"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto dlq = driver.createOutputTopic<std::string, std::string>("dlq");
  in.pipeInput("k", "boom", 77);
  ASSERT_EQ(dlq.getQueueSize(), 1u);
  auto r = dlq.readRecord();
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, "boom");
  EXPECT_EQ(r.timestamp, 77);
  EXPECT_EQ(header(r.headers, "__streams.errors.message"), "cannot handle boom");
  EXPECT_TRUE(header(r.headers, "__streams.errors.exception").has_value());
  EXPECT_EQ(header(r.headers, "__streams.errors.topic"), "in");
  EXPECT_EQ(header(r.headers, "__streams.errors.partition"), "0");
  EXPECT_EQ(header(r.headers, "__streams.errors.offset"), "0");
}

TEST(HandlerTest, DeserializationHandlerDoesNotSkipProcessingErrors) {
  TopologyTestDriver driver(throwingOnBoom(), {{"default.deserialization.exception.handler", "logAndContinue"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  EXPECT_THROW(in.pipeInput("k", "boom"), StreamsException);
}

// ---------------------------------------------------------------- invalid timestamps

TEST(HandlerTest, NegativeTimestampFailsThePipeWithTheDefaultExtractor) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  EXPECT_THROW(in.pipeInput("k", "v", -1), StreamsException);
}

TEST(HandlerTest, LogAndSkipOnInvalidTimestampDropsTheRecordAndCountsIt) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in", Consumed::with(TimestampExtractors::logAndSkipOnInvalidTimestamp()))
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  EXPECT_NO_THROW(in.pipeInput("k", "skipped", -5));
  in.pipeInput("k", "kept", 5);
  EXPECT_THAT(out.readValuesToList(), ElementsAre("kept"));
  auto metrics = driver.metrics();
  EXPECT_DOUBLE_EQ(metrics.at("dropped-records-total"), 1);
  EXPECT_DOUBLE_EQ(metrics.at("invalid-timestamps-total"), 1);
}

TEST(HandlerTest, UsePartitionTimeOnInvalidTimestampGivesTheHighestTimestampSoFar) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in", Consumed::with(TimestampExtractors::usePartitionTimeOnInvalidTimestamp()))
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "first", -1);  // no partition time yet: skipped
  in.pipeInput("k", "second", 50);
  in.pipeInput("k", "third", -1);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "second");
  EXPECT_EQ(records[0].timestamp, 50);
  EXPECT_EQ(records[1].value, "third");
  EXPECT_EQ(records[1].timestamp, 50);
  EXPECT_DOUBLE_EQ(driver.metrics().at("dropped-records-total"), 1);
}

}  // namespace
}  // namespace kstreams
