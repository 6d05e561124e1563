#include <gtest/gtest.h>
#include <kstreams/protobuf_serde.h>

#include "test_event.pb.h"

namespace kstreams {
namespace {

TEST(ProtobufSerdeTest, RoundTripsAGeneratedMessage) {
  auto s = Serdes::Protobuf<kstreams::test::PageView>();
  kstreams::test::PageView v;
  v.set_user("alice");
  v.set_page("/home");
  v.set_ts(1700000000000);
  auto bytes = s->serialize(v);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, v.SerializeAsString());
  auto back = s->deserialize(std::string_view(*bytes));
  EXPECT_EQ(back.user(), "alice");
  EXPECT_EQ(back.page(), "/home");
  EXPECT_EQ(back.ts(), 1700000000000);
}

TEST(ProtobufSerdeTest, GarbageIsASerializationError) {
  auto s = Serdes::Protobuf<kstreams::test::PageView>();
  // Field 1 (length-delimited) claiming 100 bytes that are not there.
  EXPECT_THROW((void)s->deserialize(std::string_view("\x0a\x64" "ab", 4)), SerializationException);
}

}  // namespace
}  // namespace kstreams
