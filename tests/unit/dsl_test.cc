#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

namespace kstreams {
namespace {

using ::testing::ElementsAre;

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

}  // namespace
}  // namespace kstreams
