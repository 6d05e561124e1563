// Topology compilation: describe() in Kafka Streams' text form, sub-topologies,
// and the errors build() reports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <sstream>
#include <string>
#include <vector>

namespace kstreams {
namespace {

/// A user type with no DefaultSerde.
struct Foo {
  int x = 0;
};

/// A user type with a DefaultSerde specialisation (below).
struct Bar {
  std::string text;
};

class BarSerde final : public Serde<Bar> {
 public:
  bool serialize(const Bar& v, std::string& out) const override {
    out.append("bar:").append(v.text);
    return true;
  }
  void deserialize(const char* data, size_t size, Bar& out) const override {
    const std::string s = data == nullptr ? std::string() : std::string(data, size);
    if (s.rfind("bar:", 0) != 0) throw SerializationException("not a bar: " + s);
    out.text = s.substr(4);
  }
  [[nodiscard]] std::string name() const override { return "Bar"; }
};

}  // namespace

template <>
struct DefaultSerde<Bar> {
  static SerdePtr<Bar> get() { return std::make_shared<BarSerde>(); }
};

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

/// The message of the TopologyException that build() throws, or "" when it succeeds.
std::string buildError(StreamsBuilder& builder) {
  try {
    (void)builder.build();
  } catch (const TopologyException& e) {
    return e.what();
  }
  return "";
}

std::vector<std::vector<std::string>> nodeNamesBySubtopology(const TopologyDescription& d) {
  std::vector<std::vector<std::string>> out;
  for (const auto& s : d.subtopologies) {
    std::vector<std::string> names;
    for (const auto& n : s.nodes) names.push_back(n.name);
    out.push_back(std::move(names));
  }
  return out;
}

std::vector<std::string> allNodeNames(const TopologyDescription& d) {
  std::vector<std::string> out;
  for (const auto& s : d.subtopologies) {
    for (const auto& n : s.nodes) out.push_back(n.name);
  }
  return out;
}

bool pass(const std::string&, const std::string&) { return true; }

// ---------------------------------------------------------------- describe()

TEST(TopologyTest, DescribeOfALinearTopologyIsKafkaStreamsText) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filter(pass)
      .mapValues([](const std::string& v) { return v; })
      .to("out");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [in])\n"
            "      --> KSTREAM-FILTER-0000000001\n"
            "    Processor: KSTREAM-FILTER-0000000001 (stores: [])\n"
            "      --> KSTREAM-MAPVALUES-0000000002\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000003\n"
            "      <-- KSTREAM-FILTER-0000000001\n"
            "    Sink: KSTREAM-SINK-0000000003 (topic: out)\n"
            "      <-- KSTREAM-MAPVALUES-0000000002\n"
            "\n");
}

TEST(TopologyTest, DescribeOfANamedTopologyIsKafkaStreamsText) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in", Consumed::as("read"))
      .filter(pass, Named::as("keep"))
      .to("out", Produced::as("write"));
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: read (topics: [in])\n"
            "      --> keep\n"
            "    Processor: keep (stores: [])\n"
            "      --> write\n"
            "      <-- read\n"
            "    Sink: write (topic: out)\n"
            "      <-- keep\n"
            "\n");
}

// Kafka Streams' TopologyDescription prints "Topologies:\n " and then "  " before
// each sub-topology, so sub-topologies after the first are indented by two spaces.
TEST(TopologyTest, DescribeOfTwoSubtopologiesIsKafkaStreamsText) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("a").to("x");
  builder.stream<std::string, std::string>("b").to("y");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [a])\n"
            "      --> KSTREAM-SINK-0000000001\n"
            "    Sink: KSTREAM-SINK-0000000001 (topic: x)\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "\n"
            "  Sub-topology: 1\n"
            "    Source: KSTREAM-SOURCE-0000000002 (topics: [b])\n"
            "      --> KSTREAM-SINK-0000000003\n"
            "    Sink: KSTREAM-SINK-0000000003 (topic: y)\n"
            "      <-- KSTREAM-SOURCE-0000000002\n"
            "\n");
}

TEST(TopologyTest, StreamOperatorPrintsTheSameAsToString) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("out");
  auto d = builder.build().describe();
  std::ostringstream os;
  os << d;
  EXPECT_EQ(os.str(), d.toString());
  EXPECT_THAT(os.str(), HasSubstr("Sink: KSTREAM-SINK-0000000001 (topic: out)"));
}

TEST(TopologyTest, RepartitionSplitsTheTopologyIntoTwoSubtopologies) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string&, const std::string& v) { return v; })
      .repartition(Repartitioned::as("rekey"))
      .to("out");
  const auto d = builder.build().describe();
  ASSERT_EQ(d.subtopologies.size(), 2u);
  EXPECT_EQ(d.subtopologies[0].id, 0);
  EXPECT_EQ(d.subtopologies[1].id, 1);
  EXPECT_THAT(nodeNamesBySubtopology(d),
              ElementsAre(ElementsAre("KSTREAM-SOURCE-0000000000", "KSTREAM-KEY-SELECT-0000000001", "rekey-repartition-sink"),
                          ElementsAre("rekey-repartition-source", "KSTREAM-SINK-0000000003")));
  using Kind = TopologyDescription::NodeDescription::Kind;
  const auto& sink = d.subtopologies[0].nodes[2];
  EXPECT_EQ(sink.kind, Kind::SINK);
  EXPECT_THAT(sink.topics, ElementsAre("rekey-repartition"));
  EXPECT_THAT(sink.predecessors, ElementsAre("KSTREAM-KEY-SELECT-0000000001"));
  const auto& source = d.subtopologies[1].nodes[0];
  EXPECT_EQ(source.kind, Kind::SOURCE);
  EXPECT_THAT(source.topics, ElementsAre("rekey-repartition"));
  EXPECT_THAT(source.successors, ElementsAre("KSTREAM-SINK-0000000003"));
  EXPECT_THAT(d.toString(), HasSubstr("    Sink: rekey-repartition-sink (topic: rekey-repartition)\n"
                                      "      <-- KSTREAM-KEY-SELECT-0000000001\n"));
  EXPECT_THAT(d.toString(), HasSubstr("    Source: rekey-repartition-source (topics: [rekey-repartition])\n"
                                      "      --> KSTREAM-SINK-0000000003\n"));
}

TEST(TopologyTest, MergedStreamsShareASubtopology) {
  StreamsBuilder builder;
  auto a = builder.stream<std::string, std::string>("a");
  auto b = builder.stream<std::string, std::string>("b");
  a.merge(b).to("out");
  const auto d = builder.build().describe();
  ASSERT_EQ(d.subtopologies.size(), 1u);
  EXPECT_THAT(nodeNamesBySubtopology(d), ElementsAre(ElementsAre("KSTREAM-SOURCE-0000000000", "KSTREAM-SOURCE-0000000001",
                                                                 "KSTREAM-MERGE-0000000002", "KSTREAM-SINK-0000000003")));
  EXPECT_THAT(d.subtopologies[0].nodes[2].predecessors,
              ElementsAre("KSTREAM-SOURCE-0000000000", "KSTREAM-SOURCE-0000000001"));
}

TEST(TopologyTest, DescribeShowsATopicNameExtractorSinkByItsExtractor) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to(
      [](const std::string& k, const std::string&, const RecordContext&) { return k; });
  const std::string text = builder.build().describe().toString();
  EXPECT_THAT(text, HasSubstr("    Sink: KSTREAM-SINK-0000000001 (extractor class: "));
  EXPECT_THAT(text, Not(HasSubstr("(topic: ")));
}

// Kafka Streams burns one index of the generated names for every branch of a
// split(), so that the names of later nodes (and of the internal topics derived
// from them) match between the two implementations.
TEST(TopologyTest, GeneratedNamesCountSplitBranchesAsKafkaStreamsDoes) {
  StreamsBuilder builder;
  auto branches = builder.stream<std::string, std::string>("in")  // 0
                      .split(Named::as("s-"))                     // 1
                      .branch(pass, Branched::as("a"))            // 2
                      .defaultBranch(Branched::as("b"));          // 3
  branches.at("s-a").to("out");                                   // 4
  EXPECT_THAT(allNodeNames(builder.build().describe()),
              ElementsAre("KSTREAM-SOURCE-0000000000", "s-", "s-a", "s-b", "KSTREAM-SINK-0000000004"));
}

// ---------------------------------------------------------------- build() errors

TEST(TopologyTest, BuildFailsWhenASinkHasNoSerdeForAUserType) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string&) { return Foo{}; })
      .to("out", Produced::as("foo-sink"));
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("foo-sink"));
  EXPECT_THAT(error, HasSubstr("out"));
  EXPECT_THAT(error, HasSubstr("value serde"));
  EXPECT_THAT(error, HasSubstr("Produced::with"));
}

TEST(TopologyTest, BuildFailsWhenAnUnnamedSinkHasNoSerdeAndNamesTheGeneratedNode) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .selectKey([](const std::string&, const std::string&) { return Foo{}; })
      .to("out");
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("KSTREAM-SINK-0000000002"));
  EXPECT_THAT(error, HasSubstr("key serde"));
  EXPECT_THAT(error, HasSubstr("Produced::with"));
}

TEST(TopologyTest, BuildFailsWhenASourceHasNoSerdeForAUserType) {
  StreamsBuilder builder;
  builder.stream<std::string, Foo>("in").foreach ([](const std::string&, const Foo&) {});
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("KSTREAM-SOURCE-0000000000"));
  EXPECT_THAT(error, HasSubstr("Consumed::with"));
}

TEST(TopologyTest, BuildFailsWhenARepartitionHasNoSerdeForAUserType) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string&) { return Foo{}; })
      .repartition(Repartitioned::as("foos"))
      .foreach ([](const std::string&, const Foo&) {});
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("foos-repartition"));
  EXPECT_THAT(error, HasSubstr("Repartitioned::with"));
}

TEST(TopologyTest, BuildSucceedsForAUserTypeWithADefaultSerdeSpecialisation) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .mapValues([](const std::string& v) { return Bar{v}; })
      .to("out");
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("k", "hello");
  EXPECT_EQ(out.readValue(), "bar:hello");
}

TEST(TopologyTest, BuildFailsForARepartitionWithZeroPartitions) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").repartition(Repartitioned::numberOfPartitions(0)).to("out");
  EXPECT_THAT(buildError(builder), HasSubstr("partitions"));
}

TEST(TopologyTest, BuildFailsOnAnEmptyName) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").filter(pass, Named::as("")).to("out");
  EXPECT_THROW((void)builder.build(), TopologyException);
}

TEST(TopologyTest, BuildFailsWhenTwoNodesHaveTheSameName) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filter(pass, Named::as("dup"))
      .mapValues([](const std::string& v) { return v; }, Named::as("dup"))
      .to("out");
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("dup"));
  EXPECT_THAT(error, HasSubstr("twice"));
}

TEST(TopologyTest, BuildFailsWhenASinkWritesToItsOwnSourceTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("loop").mapValues([](const std::string& v) { return v + "!"; }).to("loop");
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("cycle"));
  EXPECT_THAT(error, HasSubstr("loop"));
}

TEST(TopologyTest, BuildFailsWhenASinkFeedsItsOwnSourceThroughARepartitionTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("loop").repartition(Repartitioned::as("r")).to("loop");
  EXPECT_THAT(buildError(builder), HasSubstr("cycle"));
}

TEST(TopologyTest, WritingToATopicReadByAnotherSubtopologyIsNotACycle) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("middle");
  builder.stream<std::string, std::string>("middle").to("out");
  EXPECT_EQ(buildError(builder), "");
}

TEST(TopologyTest, BuildFailsWhenTwoSourcesReadTheSameTopic) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to("a");
  builder.stream<std::string, std::string>("in").to("b");
  const std::string error = buildError(builder);
  EXPECT_THAT(error, HasSubstr("in"));
  EXPECT_THAT(error, HasSubstr("KSTREAM-SOURCE-0000000000"));
  EXPECT_THAT(error, HasSubstr("KSTREAM-SOURCE-0000000002"));
}

TEST(TopologyTest, BuildFailsForAnEmptyBuilder) {
  StreamsBuilder builder;
  EXPECT_THROW((void)builder.build(), TopologyException);
}

TEST(TopologyTest, BuildErrorsAreTopologyExceptionsPrefixedInvalidTopology) {
  StreamsBuilder builder;
  EXPECT_THAT(buildError(builder), HasSubstr("Invalid topology: "));
}

}  // namespace
}  // namespace kstreams
