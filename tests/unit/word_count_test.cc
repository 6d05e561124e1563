// The word-count example: its splitting (Java's toLowerCase().split("\\W+")),
// and its whole topology run through the TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "word-count/word_count.h"

namespace examples::wordcount {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using kstreams::Serdes;
using OptString = std::optional<std::string>;

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<kstreams::KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

// ---------------------------------------------------------------- splitWords

TEST(WordCountTest, SplitsOnRunsOfNonWordCharactersAndLowerCases) {
  EXPECT_THAT(splitWords("Kafka Streams"), ElementsAre("kafka", "streams"));
  EXPECT_THAT(splitWords("Hello,   World!! foo_bar-42"), ElementsAre("hello", "world", "foo_bar", "42"));
  EXPECT_THAT(splitWords("a\tb\nc"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(splitWords("MiXeD CASE"), ElementsAre("mixed", "case"));
}

TEST(WordCountTest, SplitGivesALeadingEmptyWordWhenTheLineStartsWithASeparator) {
  EXPECT_THAT(splitWords(" hello"), ElementsAre("", "hello"));
  EXPECT_THAT(splitWords("--a--b"), ElementsAre("", "a", "b"));
}

TEST(WordCountTest, SplitDropsTrailingEmptyWords) {
  EXPECT_THAT(splitWords("hello "), ElementsAre("hello"));
  EXPECT_THAT(splitWords("a b!!!"), ElementsAre("a", "b"));
  EXPECT_THAT(splitWords(" a "), ElementsAre("", "a"));
}

TEST(WordCountTest, SplitOfAnEmptyLineIsOneEmptyWord) { EXPECT_THAT(splitWords(""), ElementsAre("")); }

TEST(WordCountTest, SplitOfOnlySeparatorsIsNoWords) {
  EXPECT_THAT(splitWords("!!!"), IsEmpty());
  EXPECT_THAT(splitWords(" "), IsEmpty());
  EXPECT_THAT(splitWords(" \t, "), IsEmpty());
}

TEST(WordCountTest, SplitTreatsNonAsciiBytesAsSeparators) {
  // Java's \W without UNICODE_CHARACTER_CLASS is [^a-zA-Z0-9_]: "café" -> "caf".
  EXPECT_THAT(splitWords("caf\xC3\xA9 ok"), ElementsAre("caf", "ok"));
  EXPECT_THAT(splitWords("\xC3\x9C" "ber"), ElementsAre("", "ber"));
}

// ---------------------------------------------------------------- the topology

class WordCountTopologyTest : public ::testing::Test {
 protected:
  explicit WordCountTopologyTest(const kstreams::Properties& config = {{"application.id", "wordcount"}})
      : driver_(buildTopology("lines", "counts"), config),
        in_(driver_.createInputTopic<OptString, std::string>("lines", Serdes::Nullable(Serdes::String()),
                                                             Serdes::String())),
        out_(driver_.createOutputTopic<std::string, int64_t>("counts", Serdes::String(), Serdes::Int64())) {}

  kstreams::TopologyTestDriver driver_;
  kstreams::TestInputTopic<OptString, std::string> in_;
  kstreams::TestOutputTopic<std::string, int64_t> out_;
};

TEST_F(WordCountTopologyTest, CountsWordsAcrossLinesCaseInsensitively) {
  in_.pipeInput("Kafka Streams");
  in_.pipeInput("kafka");
  EXPECT_THAT(out_.readKeyValuesToMap(), UnorderedElementsAre(Pair("kafka", 2), Pair("streams", 1)));
}

TEST_F(WordCountTopologyTest, EmitsTheUpdatedCountOfEachWordInOrder) {
  in_.pipeInput("all streams lead to kafka");
  auto first = out_.readKeyValuesToMap();
  EXPECT_THAT(first, UnorderedElementsAre(Pair("all", 1), Pair("streams", 1), Pair("lead", 1), Pair("to", 1),
                                          Pair("kafka", 1)));
  in_.pipeInput("hello kafka streams");
  EXPECT_THAT(out_.readKeyValuesToMap(),
              UnorderedElementsAre(Pair("hello", 1), Pair("kafka", 2), Pair("streams", 2)));
  in_.pipeInput("join kafka summit");
  EXPECT_THAT(out_.readKeyValuesToMap(), UnorderedElementsAre(Pair("join", 1), Pair("kafka", 3), Pair("summit", 1)));
}

TEST_F(WordCountTopologyTest, CountsALeadingEmptyWordAsJavaDoes) {
  in_.pipeInput(" hello");
  EXPECT_THAT(out_.readKeyValuesToMap(), UnorderedElementsAre(Pair("", 1), Pair("hello", 1)));
}

TEST_F(WordCountTopologyTest, LinesOfOnlySeparatorsCountNothing) {
  in_.pipeInput("!!! ... ???");
  EXPECT_TRUE(out_.isEmpty());
}

TEST_F(WordCountTopologyTest, LinesWithAKeyAreCountedToo) {
  in_.pipeInput(OptString("line-1"), "Streams streams");
  EXPECT_THAT(out_.readKeyValuesToMap(), ElementsAre(Pair("streams", 2)));
}

TEST_F(WordCountTopologyTest, RepartitionsThroughTheWordCountsTopic) {
  in_.pipeInput("a b");
  EXPECT_THAT(driver_.producedTopicNames(),
              UnorderedElementsAre("wordcount-word-counts-repartition", "wordcount-word-counts-changelog", "counts"));
  auto through = driver_.createOutputTopic<std::string, std::string>("wordcount-word-counts-repartition");
  EXPECT_THAT(pairs(through.readKeyValuesToList()), ElementsAre(Pair("a", "a"), Pair("b", "b")));
}

TEST_F(WordCountTopologyTest, CountsCarryTheTimestampOfTheLatestLine) {
  in_.pipeInput(std::nullopt, "kafka", 1000);
  in_.pipeInput(std::nullopt, "kafka", 2000);
  auto records = out_.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].timestamp, 1000);
  EXPECT_EQ(records[1].timestamp, 2000);
  EXPECT_EQ(records[1].value, 2);
}

TEST(WordCountUncachedTest, GivesTheSameFinalCountsWithoutTheRecordCache) {
  kstreams::TopologyTestDriver driver(buildTopology("lines", "counts"),
                                      {{"application.id", "wordcount"}, {"statestore.cache.max.bytes", "0"}});
  auto in = driver.createInputTopic<OptString, std::string>("lines", Serdes::Nullable(Serdes::String()),
                                                            Serdes::String());
  auto out = driver.createOutputTopic<std::string, int64_t>("counts", Serdes::String(), Serdes::Int64());
  in.pipeInput("a a b");
  // Without the cache each update is written; with it, one per word and input line.
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("a", 1), Pair("a", 2), Pair("b", 1)));
  in.pipeInput("B");
  EXPECT_THAT(out.readKeyValuesToMap(), ElementsAre(Pair("b", 2)));
}

}  // namespace
}  // namespace examples::wordcount
