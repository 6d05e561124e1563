#include <gtest/gtest.h>
#include <kstreams/kstreams.h>

namespace kstreams {
namespace {

Topology tiny() {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in").to("out");
  return b.build();
}

TEST(ConfigTest, UnknownKeyIsRejectedWithItsName) {
  try {
    KafkaStreams s(tiny(), {{"application.id", "a"}, {"bootstrap.servers", "127.0.0.1:1"}, {"no.such.key", "1"}});
    FAIL() << "expected ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find("no.such.key"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kstreams
