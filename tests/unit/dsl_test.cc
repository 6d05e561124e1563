// Stateless DSL operations, specified through the TopologyTestDriver (no broker).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using StringPairs = std::vector<std::pair<std::string, std::string>>;
using HeaderList = std::vector<std::pair<std::string, std::optional<std::string>>>;

template <class K, class V>
std::vector<std::pair<K, V>> pairs(const std::vector<KeyValue<K, V>>& kvs) {
  std::vector<std::pair<K, V>> out;
  for (const auto& kv : kvs) out.emplace_back(kv.key, kv.value);
  return out;
}

HeaderList headerList(const Headers& headers) {
  HeaderList out;
  for (const auto& h : headers) out.emplace_back(h.key, h.value);
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

template <class M>
std::vector<std::string> keysOf(const M& m) {
  std::vector<std::string> out;
  for (const auto& [k, _] : m) out.push_back(k);
  return out;
}

// ---------------------------------------------------------------- filter

TEST(DslTest, FilterKeepsMatchingRecords) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filter([](const std::string& k, const std::string&) { return k != "drop"; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("keep", "a");
  in.pipeInput("drop", "b");
  in.pipeInput("keep", "c");
  EXPECT_THAT(out.readValuesToList(), ElementsAre("a", "c"));
}

TEST(DslTest, FilterSeesTheValueToo) {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
      .filter([](const std::string&, int64_t v) { return v > 10; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("a", 5);
  in.pipeInput("b", 11);
  in.pipeInput("c", 10);
  in.pipeInput("d", 100);
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("b", 11), Pair("d", 100)));
}

TEST(DslTest, FilterNotDropsMatchingRecords) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filterNot([](const std::string& k, const std::string&) { return k == "drop"; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("keep", "a");
  in.pipeInput("drop", "b");
  in.pipeInput("other", "c");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("keep", "a"), Pair("other", "c")));
}

// ---------------------------------------------------------------- map

TEST(DslTest, MapReplacesKeyAndValueWhenMapperReturnsKeyValue) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .map([](const std::string& k, const std::string& v) {
        return KeyValue<std::string, int64_t>{v, static_cast<int64_t>(k.size())};
      })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("abc", "x");
  in.pipeInput("hello", "y");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("x", 3), Pair("y", 5)));
}

TEST(DslTest, MapReplacesKeyAndValueWhenMapperReturnsStdPair) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .map([](const std::string& k, const std::string& v) {
        return std::pair<int64_t, std::string>{static_cast<int64_t>(v.size()), k + v};
      })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<int64_t, std::string>("out");
  in.pipeInput("k", "four");
  in.pipeInput("a", "b");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair(4, "kfour"), Pair(1, "ab")));
}

// ---------------------------------------------------------------- mapValues

TEST(DslTest, MapValuesWithValueOnlyMapperKeepsTheKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return upper(v); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k1", "hello");
  in.pipeInput("k2", "world");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k1", "HELLO"), Pair("k2", "WORLD")));
}

TEST(DslTest, MapValuesWithKeyAndValueMapperSeesTheKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& k, const std::string& v) { return static_cast<int64_t>(k.size() * 100 + v.size()); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("ab", "xyz");
  in.pipeInput("abcd", "");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("ab", 203), Pair("abcd", 400)));
}

// ---------------------------------------------------------------- flatMap / flatMapValues

TEST(DslTest, FlatMapEmitsZeroOrMoreKeyValuesPerRecord) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .flatMap([](const std::string& k, const std::string& v) {
        std::vector<KeyValue<std::string, std::string>> out;
        for (const auto& w : words(v)) out.push_back(KeyValue<std::string, std::string>{w, k});
        return out;
      })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("line1", "a b c");
  in.pipeInput("line2", "");
  in.pipeInput("line3", "d");
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("a", "line1"), Pair("b", "line1"), Pair("c", "line1"), Pair("d", "line3")));
}

TEST(DslTest, FlatMapAcceptsStdPairElements) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .flatMap([](const std::string& k, const std::string& v) {
        std::vector<std::pair<std::string, int64_t>> out;
        for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) out.emplace_back(k, i);
        return out;
      })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k", "xyz");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k", 0), Pair("k", 1), Pair("k", 2)));
}

TEST(DslTest, FlatMapValuesEmitsEachValueWithTheInputKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .flatMapValues([](const std::string& v) { return words(v); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k1", "hello big world");
  in.pipeInput("k2", "   ");
  in.pipeInput("k3", "bye");
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("k1", "hello"), Pair("k1", "big"), Pair("k1", "world"), Pair("k3", "bye")));
}

TEST(DslTest, FlatMapValuesWithKeyAndValueMapperSeesTheKey) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .flatMapValues([](const std::string& k, const std::string& v) {
        return std::vector<std::string>{k + ":" + v, v + ":" + k};
      })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "v");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k", "k:v"), Pair("k", "v:k")));
}

// ---------------------------------------------------------------- selectKey

TEST(DslTest, SelectKeyReplacesTheKeyAndKeepsTheValue) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string& k, const std::string& v) { return v.substr(0, 1) + k; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "apple");
  in.pipeInput("j", "banana");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("ak", "apple"), Pair("bj", "banana")));
}

TEST(DslTest, SelectKeyCanChangeTheKeyType) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string&, const std::string& v) { return static_cast<int64_t>(v.size()); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<int64_t, std::string>("out");
  in.pipeInput("k", "four");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair(4, "four")));
}

// ---------------------------------------------------------------- peek / foreach

TEST(DslTest, PeekSeesEachRecordAndForwardsItUnchanged) {
  StringPairs seen;
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .peek([&seen](const std::string& k, const std::string& v) { seen.emplace_back(k, v); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("a", "1", 10);
  in.pipeInput("b", "2", 20);
  EXPECT_THAT(seen, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, "1");
  EXPECT_EQ(records[0].timestamp, 10);
  EXPECT_EQ(records[1].key, "b");
  EXPECT_EQ(records[1].value, "2");
  EXPECT_EQ(records[1].timestamp, 20);
}

TEST(DslTest, ForeachSeesEachRecordAndIsTerminal) {
  StringPairs seen;
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").foreach (
      [&seen](const std::string& k, const std::string& v) { seen.emplace_back(k, v); });
  auto topology = builder.build();
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "1");
  in.pipeInput("b", "2");
  EXPECT_THAT(seen, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(driver.producedTopicNames(), IsEmpty());
  EXPECT_THAT(topology.describe().toString(),
              HasSubstr("    Processor: KSTREAM-FOREACH-0000000001 (stores: [])\n"
                        "      --> none\n"
                        "      <-- KSTREAM-SOURCE-0000000000\n"));
}

// ---------------------------------------------------------------- split / branch

TEST(DslTest, SplitSendsEachRecordToTheFirstMatchingBranchOnly) {
  StreamsBuilder builder;
  auto branches = builder.stream("in", Consumed::with(Serdes::String(), Serdes::Int64()))
                      .split(Named::as("size-"))
                      .branch([](const std::string&, int64_t v) { return v < 10; }, Branched::as("small"))
                      .branch([](const std::string&, int64_t v) { return v < 100; }, Branched::as("medium"))
                      .defaultBranch(Branched::as("large"));
  EXPECT_THAT(keysOf(branches), ElementsAre("size-large", "size-medium", "size-small"));
  branches.at("size-small").to("small");
  branches.at("size-medium").to("medium");
  branches.at("size-large").to("large");

  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto small = driver.createOutputTopic<std::string, int64_t>("small");
  auto medium = driver.createOutputTopic<std::string, int64_t>("medium");
  auto large = driver.createOutputTopic<std::string, int64_t>("large");
  in.pipeInput("a", 5);    // matches both "small" and "medium": the first wins
  in.pipeInput("b", 50);
  in.pipeInput("c", 500);
  in.pipeInput("d", 9);
  EXPECT_THAT(pairs(small.readKeyValuesToList()), ElementsAre(Pair("a", 5), Pair("d", 9)));
  EXPECT_THAT(pairs(medium.readKeyValuesToList()), ElementsAre(Pair("b", 50)));
  EXPECT_THAT(pairs(large.readKeyValuesToList()), ElementsAre(Pair("c", 500)));
}

TEST(DslTest, SplitNamesUnnamedBranchesByPositionAndTheDefaultBranchZero) {
  StreamsBuilder builder;
  auto branches = builder.stream<std::string, std::string>("in")
                      .split(Named::as("s-"))
                      .branch([](const std::string& k, const std::string&) { return k == "x"; })
                      .branch([](const std::string& k, const std::string&) { return k == "y"; })
                      .defaultBranch();
  EXPECT_THAT(keysOf(branches), ElementsAre("s-0", "s-1", "s-2"));
  branches.at("s-1").to("x");
  branches.at("s-2").to("y");
  branches.at("s-0").to("rest");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto x = driver.createOutputTopic<std::string, std::string>("x");
  auto y = driver.createOutputTopic<std::string, std::string>("y");
  auto rest = driver.createOutputTopic<std::string, std::string>("rest");
  in.pipeInput("y", "1");
  in.pipeInput("z", "2");
  in.pipeInput("x", "3");
  EXPECT_THAT(x.readValuesToList(), ElementsAre("3"));
  EXPECT_THAT(y.readValuesToList(), ElementsAre("1"));
  EXPECT_THAT(rest.readValuesToList(), ElementsAre("2"));
}

TEST(DslTest, SplitWithoutDefaultBranchDropsRecordsThatMatchNoPredicate) {
  StreamsBuilder builder;
  auto branches = builder.stream<std::string, std::string>("in")
                      .split(Named::as("s-"))
                      .branch([](const std::string& k, const std::string&) { return k == "x"; }, Branched::as("x"))
                      .noDefaultBranch();
  EXPECT_THAT(keysOf(branches), ElementsAre("s-x"));
  branches.at("s-x").to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("x", "1");
  in.pipeInput("y", "2");
  in.pipeInput("x", "3");
  EXPECT_THAT(out.readValuesToList(), ElementsAre("1", "3"));
  EXPECT_THAT(driver.producedTopicNames(), ElementsAre("out"));
}

TEST(DslTest, BranchedWithConsumerHandsTheBranchToTheConsumerAndLeavesItOutOfTheMap) {
  StreamsBuilder builder;
  int consumerCalls = 0;
  auto branches =
      builder.stream<std::string, std::string>("in")
          .split(Named::as("s-"))
          .branch([](const std::string& k, const std::string&) { return k == "x"; },
                  Branched::withConsumer(
                      [&consumerCalls](const KStream<std::string, std::string>& s) {
                        ++consumerCalls;
                        s.mapValues([](const std::string& v) { return upper(v); }).to("consumed");
                      },
                      "x"))
          .defaultBranch(Branched::as("rest"));
  EXPECT_EQ(consumerCalls, 1);
  EXPECT_THAT(keysOf(branches), ElementsAre("s-rest"));
  branches.at("s-rest").to("rest");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto consumed = driver.createOutputTopic<std::string, std::string>("consumed");
  auto rest = driver.createOutputTopic<std::string, std::string>("rest");
  in.pipeInput("x", "abc");
  in.pipeInput("y", "def");
  EXPECT_THAT(pairs(consumed.readKeyValuesToList()), ElementsAre(Pair("x", "ABC")));
  EXPECT_THAT(pairs(rest.readKeyValuesToList()), ElementsAre(Pair("y", "def")));
}

TEST(DslTest, BranchedWithFunctionPutsTheFunctionResultInTheMap) {
  StreamsBuilder builder;
  auto branches =
      builder.stream<std::string, std::string>("in")
          .split(Named::as("s-"))
          .branch([](const std::string& k, const std::string&) { return k == "x"; },
                  Branched::withFunction(
                      [](const KStream<std::string, std::string>& s) {
                        return s.mapValues([](const std::string& v) { return upper(v); });
                      },
                      "up"))
          .defaultBranch(Branched::withFunction(
              [](const KStream<std::string, std::string>& s) {
                return s.filter([](const std::string&, const std::string& v) { return !v.empty(); });
              }));
  EXPECT_THAT(keysOf(branches), ElementsAre("s-0", "s-up"));
  branches.at("s-up").to("up");
  branches.at("s-0").to("rest");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto up = driver.createOutputTopic<std::string, std::string>("up");
  auto rest = driver.createOutputTopic<std::string, std::string>("rest");
  in.pipeInput("x", "abc");
  in.pipeInput("y", "");
  in.pipeInput("y", "def");
  EXPECT_THAT(pairs(up.readKeyValuesToList()), ElementsAre(Pair("x", "ABC")));
  EXPECT_THAT(pairs(rest.readKeyValuesToList()), ElementsAre(Pair("y", "def")));
}

// ---------------------------------------------------------------- merge

TEST(DslTest, MergeForwardsTheRecordsOfBothStreams) {
  StreamsBuilder builder;
  auto a = builder.stream<std::string, std::string>("a");
  auto b = builder.stream<std::string, std::string>("b").mapValues([](const std::string& v) { return upper(v); });
  a.merge(b).to("out");
  TopologyTestDriver driver(builder.build());
  auto inA = driver.createInputTopic<std::string, std::string>("a");
  auto inB = driver.createInputTopic<std::string, std::string>("b");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  inA.pipeInput("k1", "from-a", 1);
  inB.pipeInput("k2", "from-b", 2);
  inA.pipeInput("k3", "again-a", 3);
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair("k1", "from-a"), Pair("k2", "FROM-B"), Pair("k3", "again-a")));
}

// ---------------------------------------------------------------- to

TEST(DslTest, ToWritesWithTheProducedSerdes) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return static_cast<int64_t>(v.size()); })
      .to("lengths", Produced::with(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k", std::string(258, 'x'));
  in.pipeInput("j", "abc");

  // The raw bytes are Kafka's LongSerializer's: 8 bytes, big-endian.
  auto raw = driver.createOutputTopic<std::string, std::string>("lengths");
  auto first = raw.readRecord();
  EXPECT_EQ(first.key, "k");
  EXPECT_EQ(first.value, std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8));
  // Read back as Int64.
  auto typed = driver.createOutputTopic<std::string, int64_t>("lengths", Serdes::String(), Serdes::Int64());
  EXPECT_THAT(pairs(typed.readKeyValuesToList()), ElementsAre(Pair("j", 3)));
}

/// Writes a string reversed, to tell which serde wrote a record.
class ReversedStringSerde final : public Serde<std::string> {
 public:
  bool serialize(const std::string& v, std::string& out) const override {
    out.append(v.rbegin(), v.rend());
    return true;
  }
  void deserialize(const char* data, size_t size, std::string& out) const override {
    out = data == nullptr ? std::string() : std::string(data, size);
    std::reverse(out.begin(), out.end());
  }
  [[nodiscard]] std::string name() const override { return "Reversed"; }
};

TEST(DslTest, ToUsesTheProducedSerdesInsteadOfTheStreamSerdes) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to(
      "out", Produced::with(Serdes::String(), SerdePtr<std::string>(std::make_shared<ReversedStringSerde>())));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("key", "abc");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("key", "cba")));
}

TEST(DslTest, ToWithTopicNameExtractorChoosesTheTopicPerRecord) {
  StreamsBuilder builder;
  std::vector<std::string> contextTopics;
  builder.stream<std::string, std::string>("in").to(
      [&contextTopics](const std::string& k, const std::string& v, const RecordContext& ctx) {
        contextTopics.emplace_back(ctx.topic);
        return "out-" + k + "-" + std::to_string(v.size());
      });
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x");
  in.pipeInput("b", "yy");
  in.pipeInput("a", "z");
  EXPECT_THAT(driver.producedTopicNames(), ElementsAre("out-a-1", "out-b-2"));
  auto outA = driver.createOutputTopic<std::string, std::string>("out-a-1");
  auto outB = driver.createOutputTopic<std::string, std::string>("out-b-2");
  EXPECT_THAT(outA.readValuesToList(), ElementsAre("x", "z"));
  EXPECT_THAT(outB.readValuesToList(), ElementsAre("yy"));
  EXPECT_THAT(contextTopics, ElementsAre("in", "in", "in"));
}

TEST(DslTest, ToUsesTheStreamPartitionerToChooseThePartition) {
  std::vector<std::string> calls;
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to(
      "out", Produced::with(Serdes::String(), Serdes::String())
                 .withStreamPartitioner([&calls](const std::string& topic, const std::string& k, const std::string& v,
                                                 int32_t numPartitions) -> std::optional<int32_t> {
                   calls.push_back(topic + "/" + k + "/" + v + "/" + std::to_string(numPartitions));
                   return numPartitions - 1;
                 }));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  in.pipeInput("k", "v");
  EXPECT_THAT(calls, ElementsAre("out/k/v/1"));
  auto& q = driver.outputQueue("out");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front().partition, 0);
}

// ---------------------------------------------------------------- repartition

TEST(DslTest, RepartitionSendsRecordsThroughTheInternalTopicAndReadsThemBack) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string&, const std::string& v) { return v; })
      .repartition()
      .mapValues([](const std::string& v) { return upper(v); })
      .to("out");
  TopologyTestDriver driver(builder.build(), {{"application.id", "my-app"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k1", "a", 100);
  in.pipeInput("k2", "b", 200);

  const std::string internal = "my-app-KSTREAM-REPARTITION-0000000002-repartition";
  EXPECT_THAT(driver.producedTopicNames(), UnorderedElementsAre(internal, "out"));
  auto through = driver.createOutputTopic<std::string, std::string>(internal);
  EXPECT_THAT(pairs(through.readKeyValuesToList()), ElementsAre(Pair("a", "a"), Pair("b", "b")));
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, "A");
  EXPECT_EQ(records[0].timestamp, 100);
  EXPECT_EQ(records[1].key, "b");
  EXPECT_EQ(records[1].value, "B");
  EXPECT_EQ(records[1].timestamp, 200);
}

TEST(DslTest, RepartitionAsUsesTheGivenNameInTheInternalTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").repartition(Repartitioned::as("x")).to("out");
  TopologyTestDriver driver(builder.build(), {{"application.id", "my-app"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "v");
  EXPECT_THAT(driver.producedTopicNames(), UnorderedElementsAre("my-app-x-repartition", "out"));
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k", "v")));
}

TEST(DslTest, RepartitionKeepsHeaders) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").repartition(Repartitioned::as("x")).to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "v", 7, Headers{{"trace", "t-1"}});
  auto r = out.readRecord();
  EXPECT_THAT(headerList(r.headers), ElementsAre(Pair("trace", std::optional<std::string>("t-1"))));
  EXPECT_EQ(r.timestamp, 7);
}

// ---------------------------------------------------------------- processValues

/// Forwards one record per comma-separated part of the value (none for an empty
/// value), each with a header naming where the input came from.
class ExplodeProcessor final : public FixedKeyProcessor<std::string, std::string, std::string> {
 public:
  void process(const FixedKeyRecord<std::string, std::string>& record) override {
    const std::string& v = record.value();
    const auto ctx = context().recordContext();
    size_t pos = 0;
    while (pos < v.size()) {
      size_t end = v.find(',', pos);
      if (end == std::string::npos) end = v.size();
      auto out = record.withValue(v.substr(pos, end - pos));
      out.headers().add("origin", std::string(ctx.topic) + "@" + std::to_string(ctx.offset));
      context().forward(out);
      pos = end + 1;
    }
  }
};

TEST(DslTest, ProcessValuesForwardsZeroOrMoreRecordsWithAddedHeaders) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .processValues([] { return std::make_unique<ExplodeProcessor>(); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k1", "a,b", 10, Headers{{"h", "1"}});
  in.pipeInput("k2", "", 20);
  in.pipeInput("k3", "c", 30);

  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, "k1");
  EXPECT_EQ(records[0].value, "a");
  EXPECT_EQ(records[0].timestamp, 10);
  EXPECT_THAT(headerList(records[0].headers),
              ElementsAre(Pair("h", std::optional<std::string>("1")), Pair("origin", std::optional<std::string>("in@0"))));
  EXPECT_EQ(records[1].key, "k1");
  EXPECT_EQ(records[1].value, "b");
  EXPECT_THAT(headerList(records[1].headers),
              ElementsAre(Pair("h", std::optional<std::string>("1")), Pair("origin", std::optional<std::string>("in@0"))));
  EXPECT_EQ(records[2].key, "k3");
  EXPECT_EQ(records[2].value, "c");
  EXPECT_EQ(records[2].timestamp, 30);
  EXPECT_THAT(headerList(records[2].headers), ElementsAre(Pair("origin", std::optional<std::string>("in@2"))));
}

/// Turns the value into its length and moves the record 1 s later.
class LengthLaterProcessor final : public FixedKeyProcessor<std::string, std::string, int64_t> {
 public:
  void process(const FixedKeyRecord<std::string, std::string>& record) override {
    context().forward(record.withValue(static_cast<int64_t>(record.value().size())).withTimestamp(record.timestamp() + 1000));
  }
};

TEST(DslTest, ProcessValuesCanChangeTheValueTypeAndTheTimestamp) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .processValues([] { return std::make_unique<LengthLaterProcessor>(); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k", "four", 5);
  auto r = out.readRecord();
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, 4);
  EXPECT_EQ(r.timestamp, 1005);
  EXPECT_TRUE(out.isEmpty());
}

// ---------------------------------------------------------------- naming

TEST(DslTest, NamedOperationsAppearInTheTopologyDescription) {
  StreamsBuilder builder;
  auto s = builder.stream<std::string, std::string>("in", Consumed::as("read-in"));
  s.filter([](const std::string&, const std::string& v) { return !v.empty(); }, Named::as("non-empty"))
      .mapValues([](const std::string& v) { return upper(v); }, Named::as("upper"))
      .flatMapValues([](const std::string& v) { return words(v); }, Named::as("words"))
      .selectKey([](const std::string&, const std::string& v) { return v; }, Named::as("by-word"))
      .peek([](const std::string&, const std::string&) {}, Named::as("look"))
      .to("out", Produced::as("write-out"));
  s.foreach ([](const std::string&, const std::string&) {}, Named::as("each"));
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("Source: read-in (topics: [in])\n"));
  EXPECT_THAT(text, HasSubstr("Processor: non-empty (stores: [])\n      --> upper\n      <-- read-in\n"));
  EXPECT_THAT(text, HasSubstr("Processor: upper (stores: [])\n      --> words\n      <-- non-empty\n"));
  EXPECT_THAT(text, HasSubstr("Processor: words (stores: [])\n      --> by-word\n      <-- upper\n"));
  EXPECT_THAT(text, HasSubstr("Processor: by-word (stores: [])\n      --> look\n      <-- words\n"));
  EXPECT_THAT(text, HasSubstr("Processor: look (stores: [])\n      --> write-out\n      <-- by-word\n"));
  EXPECT_THAT(text, HasSubstr("Sink: write-out (topic: out)\n      <-- look\n"));
  EXPECT_THAT(text, HasSubstr("Processor: each (stores: [])\n      --> none\n      <-- read-in\n"));
}

TEST(DslTest, NamedSplitMergeAndProcessValuesAppearInTheTopologyDescription) {
  StreamsBuilder builder;
  auto s = builder.stream<std::string, std::string>("in");
  auto branches = s.split(Named::as("split-"))
                      .branch([](const std::string& k, const std::string&) { return k == "a"; }, Branched::as("a"))
                      .defaultBranch(Branched::as("other"));
  branches.at("split-a")
      .merge(branches.at("split-other"), Named::as("joined"))
      .processValues([] { return std::make_unique<ExplodeProcessor>(); }, Named::as("explode"))
      .to("out");
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("Processor: split- (stores: [])\n"));
  EXPECT_THAT(text, HasSubstr("Processor: split-a (stores: [])\n      --> joined\n      <-- split-\n"));
  EXPECT_THAT(text, HasSubstr("Processor: split-other (stores: [])\n      --> joined\n      <-- split-\n"));
  EXPECT_THAT(text, HasSubstr("Processor: joined (stores: [])\n      --> explode\n"));
  EXPECT_THAT(text, HasSubstr("Processor: explode (stores: [])\n"));
}

// ---------------------------------------------------------------- timestamps, headers, nulls

TEST(DslTest, OutputRecordsKeepTheInputTimestamp) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return v + "!"; })
      .flatMapValues([](const std::string& v) { return std::vector<std::string>{v, v}; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "a", 1234567);
  in.pipeInput("k", "b", 42);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].timestamp, 1234567);
  EXPECT_EQ(records[1].timestamp, 1234567);
  EXPECT_EQ(records[2].timestamp, 42);
  EXPECT_EQ(records[3].timestamp, 42);
}

TEST(DslTest, InputTopicAutoAdvancesTimestampsOfRecordsPipedWithoutOne) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in", Serdes::String(), Serdes::String(), 1000, 10);
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "a");
  in.pipeInput("k", "b");
  in.advanceTime(std::chrono::milliseconds(100));
  in.pipeInput("k", "c");
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].timestamp, 1000);
  EXPECT_EQ(records[1].timestamp, 1010);
  EXPECT_EQ(records[2].timestamp, 1120);
}

TEST(DslTest, TimestampExtractorOfTheSourceSetsTheRecordTimestamp) {
  StreamsBuilder builder;
  builder
      .stream("in", Consumed::with(Serdes::String(), Serdes::Int64())
                        .withTimestampExtractor([](const RawRecord& r, int64_t) {
                          return Serdes::Int64()->deserialize(std::string_view(r.value, r.valueSize));
                        }))
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, int64_t>("in");
  auto out = driver.createOutputTopic<std::string, int64_t>("out");
  in.pipeInput("k", 777, 1);
  auto r = out.readRecord();
  EXPECT_EQ(r.value, 777);
  EXPECT_EQ(r.timestamp, 777);
}

TEST(DslTest, HeadersOfInputRecordsAppearOnOutputRecords) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filter([](const std::string&, const std::string&) { return true; })
      .map([](const std::string& k, const std::string& v) { return std::pair{v, k}; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  Headers headers;
  headers.add("a", "1").add("b", std::nullopt).add("a", "2");
  in.pipeInput("k", "v", 0, headers);
  in.pipeInput("k2", "v2", 0);
  auto first = out.readRecord();
  EXPECT_EQ(first.key, "v");
  EXPECT_THAT(headerList(first.headers),
              ElementsAre(Pair("a", std::optional<std::string>("1")), Pair("b", std::optional<std::string>()),
                          Pair("a", std::optional<std::string>("2"))));
  auto second = out.readRecord();
  EXPECT_TRUE(second.headers.empty());
}

TEST(DslTest, NullKeysStayNullWithANullableSerde) {
  using OptString = std::optional<std::string>;
  std::vector<bool> keyWasNull;
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::Nullable(Serdes::String()), Serdes::String()))
      .peek([&keyWasNull](const OptString& k, const std::string&) { keyWasNull.push_back(!k.has_value()); })
      .mapValues([](const std::string& v) { return upper(v); })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<OptString, std::string>("in", Serdes::Nullable(Serdes::String()), Serdes::String());
  auto out = driver.createOutputTopic<OptString, std::string>("out", Serdes::Nullable(Serdes::String()), Serdes::String());
  in.pipeInput(std::nullopt, "a", 1);
  in.pipeInput("k", "b", 2);
  in.pipeInput("c");  // the null-key form
  EXPECT_THAT(keyWasNull, ElementsAre(true, false, true));
  EXPECT_THAT(pairs(out.readKeyValuesToList()),
              ElementsAre(Pair(OptString(), "A"), Pair(OptString("k"), "B"), Pair(OptString(), "C")));
}

TEST(DslTest, NullKeyIsWrittenAsNullNotAsEmptyBytes) {
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::Nullable(Serdes::String()), Serdes::String())).to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::optional<std::string>, std::string>("in", Serdes::Nullable(Serdes::String()),
                                                                               Serdes::String());
  in.pipeInput(std::nullopt, "a", 1);
  in.pipeInput(std::string(), "b", 2);
  auto& q = driver.outputQueue("out");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].key, std::nullopt);
  EXPECT_EQ(q[1].key, std::optional<std::string>(""));
}

TEST(DslTest, NullValuesStayNullWithANullableSerde) {
  using OptString = std::optional<std::string>;
  StreamsBuilder builder;
  builder.stream("in", Consumed::with(Serdes::String(), Serdes::Nullable(Serdes::String())))
      .filter([](const std::string& k, const OptString&) { return k != "skip"; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, OptString>("in", Serdes::String(), Serdes::Nullable(Serdes::String()));
  auto out = driver.createOutputTopic<std::string, OptString>("out", Serdes::String(), Serdes::Nullable(Serdes::String()));
  in.pipeInput("k", std::nullopt);
  in.pipeInput("skip", std::nullopt);
  in.pipeInput("k", "v");
  EXPECT_THAT(pairs(out.readKeyValuesToList()), ElementsAre(Pair("k", OptString()), Pair("k", OptString("v"))));
}

// ---------------------------------------------------------------- topics read back

TEST(DslTest, RecordsWrittenToATopicTheTopologyReadsAreFedBackIn) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").mapValues([](const std::string& v) { return v + "1"; }).to("middle");
  builder.stream<std::string, std::string>("middle").mapValues([](const std::string& v) { return v + "2"; }).to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto middle = driver.createOutputTopic<std::string, std::string>("middle");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "v", 9);
  EXPECT_THAT(middle.readValuesToList(), ElementsAre("v1"));
  auto r = out.readRecord();
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, "v12");
  EXPECT_EQ(r.timestamp, 9);
}

// ---------------------------------------------------------------- the driver itself

TEST(TopologyTestDriverTest, CreatingAnInputTopicTheTopologyDoesNotReadFails) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("out");
  TopologyTestDriver driver(builder.build());
  auto create = [&driver] { (void)driver.createInputTopic<std::string, std::string>("not-read"); };
  EXPECT_THROW(create(), StreamsException);
}

TEST(TopologyTestDriverTest, ReadingFromAnEmptyOutputTopicFails) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("out");
  TopologyTestDriver driver(builder.build());
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  EXPECT_TRUE(out.isEmpty());
  EXPECT_THROW((void)out.readRecord(), StreamsException);
}

}  // namespace
}  // namespace kstreams
