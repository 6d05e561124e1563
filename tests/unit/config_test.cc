// Configuration checks of the KafkaStreams constructor. The constructor only
// validates; it contacts no broker, so these run without one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::HasSubstr;

Topology tiny() {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in").to("out");
  return b.build();
}

/// application.id and bootstrap.servers (nothing listens on port 1).
Properties base() { return {{"application.id", "config-test"}, {"bootstrap.servers", "127.0.0.1:1"}}; }

Properties with(Properties p, const std::string& key, const std::string& value) {
  p[key] = value;
  return p;
}

/// The ConfigException message the constructor throws, or nullopt when it accepts
/// the configuration. Other exceptions propagate and fail the test.
std::optional<std::string> configError(const Properties& props) {
  try {
    KafkaStreams streams(tiny(), props);
  } catch (const ConfigException& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

TEST(ConfigTest, AcceptsAMinimalConfigWithoutContactingABroker) {
  KafkaStreams streams(tiny(), base());
  EXPECT_EQ(streams.state(), KafkaStreams::State::CREATED);
}

TEST(ConfigTest, AcceptsEveryStreamsKeyWithAValidValue) {
  Properties p = base();
  p["client.id"] = "client-1";
  p["num.stream.threads"] = "4";
  p["commit.interval.ms"] = "100";
  p["processing.guarantee"] = "at_least_once";
  p["state.dir"] = "state";
  p["poll.ms"] = "50";
  p["repartition.purge.interval.ms"] = "1000";
  p["buffered.records.per.partition"] = "500";
  p["replication.factor"] = "3";
  p["default.deserialization.exception.handler"] = "logAndContinue";
  p["default.production.exception.handler"] = "logAndFail";
  p["processing.exception.handler"] = "logAndContinue";
  p["errors.dead.letter.queue.topic.name"] = "dlq";
  EXPECT_EQ(configError(p), std::nullopt);
}

TEST(ConfigTest, NegativeRepartitionPurgeIntervalIsRejected) {
  auto error = configError(with(base(), "repartition.purge.interval.ms", "-5"));
  ASSERT_TRUE(error.has_value()) << "repartition.purge.interval.ms=-5 was accepted";
  EXPECT_THAT(*error, HasSubstr("repartition.purge.interval.ms"));
}

TEST(ConfigTest, UnknownKeyIsRejectedWithItsName) {
  auto error = configError(with(base(), "no.such.key", "1"));
  ASSERT_TRUE(error.has_value()) << "no.such.key was accepted";
  EXPECT_THAT(*error, HasSubstr("no.such.key"));
}

TEST(ConfigTest, MissingApplicationIdIsRejected) {
  auto error = configError({{"bootstrap.servers", "127.0.0.1:1"}});
  ASSERT_TRUE(error.has_value()) << "a config without application.id was accepted";
  EXPECT_THAT(*error, HasSubstr("application.id"));
}

TEST(ConfigTest, MissingBootstrapServersIsRejected) {
  auto error = configError({{"application.id", "config-test"}});
  ASSERT_TRUE(error.has_value()) << "a config without bootstrap.servers was accepted";
  EXPECT_THAT(*error, HasSubstr("bootstrap.servers"));
}

TEST(ConfigTest, ApplicationIdWithCharactersKafkaRejectsIsRejected) {
  auto error = configError(with(base(), "application.id", "my app"));
  ASSERT_TRUE(error.has_value()) << "'my app' was accepted";
  EXPECT_THAT(*error, HasSubstr("application.id"));
}

TEST(ConfigTest, ZeroStreamThreadsIsRejected) {
  auto error = configError(with(base(), "num.stream.threads", "0"));
  ASSERT_TRUE(error.has_value()) << "num.stream.threads=0 was accepted";
  EXPECT_THAT(*error, HasSubstr("num.stream.threads"));
}

TEST(ConfigTest, NonNumericCommitIntervalIsRejected) {
  auto error = configError(with(base(), "commit.interval.ms", "abc"));
  ASSERT_TRUE(error.has_value()) << "commit.interval.ms=abc was accepted";
  EXPECT_THAT(*error, HasSubstr("commit.interval.ms"));
  EXPECT_THAT(*error, HasSubstr("abc"));
}

TEST(ConfigTest, NumberWithTrailingGarbageIsRejected) {
  auto error = configError(with(base(), "num.stream.threads", "2x"));
  ASSERT_TRUE(error.has_value()) << "num.stream.threads=2x was accepted";
  EXPECT_THAT(*error, HasSubstr("num.stream.threads"));
}

TEST(ConfigTest, UnknownProcessingGuaranteeIsRejected) {
  auto error = configError(with(base(), "processing.guarantee", "bogus"));
  ASSERT_TRUE(error.has_value()) << "processing.guarantee=bogus was accepted";
  EXPECT_THAT(*error, HasSubstr("processing.guarantee"));
  EXPECT_THAT(*error, HasSubstr("bogus"));
}

TEST(ConfigTest, ExactlyOnceV2IsRejectedAsNotSupportedYet) {
  auto error = configError(with(base(), "processing.guarantee", "exactly_once_v2"));
  ASSERT_TRUE(error.has_value()) << "exactly_once_v2 was accepted";
  EXPECT_THAT(*error, HasSubstr("processing.guarantee"));
  EXPECT_THAT(*error, HasSubstr("not supported yet"));
}

TEST(ConfigTest, UnknownDeserializationHandlerIsRejected) {
  auto error = configError(with(base(), "default.deserialization.exception.handler", "bogus"));
  ASSERT_TRUE(error.has_value()) << "handler 'bogus' was accepted";
  EXPECT_THAT(*error, HasSubstr("default.deserialization.exception.handler"));
}

TEST(ConfigTest, UnknownProcessingAndProductionHandlersAreRejected) {
  for (const char* key : {"processing.exception.handler", "default.production.exception.handler"}) {
    auto error = configError(with(base(), key, "bogus"));
    ASSERT_TRUE(error.has_value()) << key << "=bogus was accepted";
    EXPECT_THAT(*error, HasSubstr(key));
  }
}

TEST(ConfigTest, HandlersAcceptKafkaJavaClassNames) {
  Properties p = base();
  p["default.deserialization.exception.handler"] = "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler";
  p["processing.exception.handler"] = "org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler";
  p["default.production.exception.handler"] = "org.apache.kafka.streams.errors.DefaultProductionExceptionHandler";
  EXPECT_EQ(configError(p), std::nullopt);

  Properties fail = base();
  fail["default.deserialization.exception.handler"] = "org.apache.kafka.streams.errors.LogAndFailExceptionHandler";
  fail["processing.exception.handler"] = "org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler";
  EXPECT_EQ(configError(fail), std::nullopt);
}

TEST(ConfigTest, PrefixedLibrdkafkaPropertyWithAValidValueIsAccepted) {
  EXPECT_EQ(configError(with(base(), "consumer.fetch.min.bytes", "1")), std::nullopt);
  EXPECT_EQ(configError(with(base(), "producer.linger.ms", "5")), std::nullopt);
  EXPECT_EQ(configError(with(base(), "admin.socket.timeout.ms", "10000")), std::nullopt);
}

TEST(ConfigTest, UnprefixedLibrdkafkaPropertyIsAccepted) {
  EXPECT_EQ(configError(with(base(), "socket.keepalive.enable", "true")), std::nullopt);
}

TEST(ConfigTest, PrefixedPropertyUnknownToLibrdkafkaIsRejectedWithItsName) {
  auto error = configError(with(base(), "consumer.no.such.prop", "1"));
  ASSERT_TRUE(error.has_value()) << "consumer.no.such.prop was accepted";
  EXPECT_THAT(*error, HasSubstr("consumer.no.such.prop"));
}

TEST(ConfigTest, PrefixedLibrdkafkaPropertyWithABadValueIsRejectedWithItsName) {
  auto error = configError(with(base(), "producer.linger.ms", "abc"));
  ASSERT_TRUE(error.has_value()) << "producer.linger.ms=abc was accepted";
  EXPECT_THAT(*error, HasSubstr("producer.linger.ms"));
}

TEST(ConfigTest, SettingsKstreamsManagesAreRejected) {
  const std::vector<std::pair<std::string, std::string>> managed = {
      {"consumer.group.id", "other-group"},
      {"consumer.enable.auto.commit", "true"},
      {"group.id", "other-group"},
      {"enable.auto.commit", "true"},
  };
  for (const auto& [key, value] : managed) {
    auto error = configError(with(base(), key, value));
    ASSERT_TRUE(error.has_value()) << key << " was accepted";
    EXPECT_THAT(*error, HasSubstr(key));
  }
}

TEST(ConfigTest, ConstantsNameTheKafkaStreamsKeys) {
  EXPECT_STREQ(StreamsConfig::APPLICATION_ID_CONFIG, "application.id");
  EXPECT_STREQ(StreamsConfig::BOOTSTRAP_SERVERS_CONFIG, "bootstrap.servers");
  EXPECT_STREQ(StreamsConfig::DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CONFIG,
               "default.deserialization.exception.handler");
  EXPECT_STREQ(StreamsConfig::PROCESSING_EXCEPTION_HANDLER_CONFIG, "processing.exception.handler");
  EXPECT_STREQ(StreamsConfig::ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "errors.dead.letter.queue.topic.name");
}

TEST(ConfigTest, TestDriverValidatesItsConfigToo) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in").to("out");
  auto topology = b.build();
  auto makeDriver = [&topology](const Properties& props) { TopologyTestDriver driver(topology, props); };
  const Properties unknownKey = {{"no.such.key", "1"}};
  const Properties zeroThreads = {{"num.stream.threads", "0"}};
  EXPECT_THROW(makeDriver(unknownKey), ConfigException);
  EXPECT_THROW(makeDriver(zeroThreads), ConfigException);
  EXPECT_NO_THROW(makeDriver(Properties{}));
}

}  // namespace
}  // namespace kstreams
