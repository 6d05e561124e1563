#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/json_serde.h>
#include <kstreams/serde.h>

#include <cmath>
#include <limits>

namespace kstreams {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// Expected bytes are what Kafka's Java serializers write (big-endian two's
// complement integers, IEEE 754 bits for floating point).
TEST(SerdeTest, Int32MatchesJavaIntegerSerializer) {
  auto s = Serdes::Int32();
  EXPECT_EQ(s->serialize(1).value(), bytes({0, 0, 0, 1}));
  EXPECT_EQ(s->serialize(-1).value(), bytes({0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(s->serialize(0x12345678).value(), bytes({0x12, 0x34, 0x56, 0x78}));
  EXPECT_EQ(s->serialize(std::numeric_limits<int32_t>::min()).value(), bytes({0x80, 0, 0, 0}));
  EXPECT_EQ(s->deserialize(bytes({0xff, 0xff, 0xff, 0xfe})), -2);
}

TEST(SerdeTest, Int64MatchesJavaLongSerializer) {
  auto s = Serdes::Int64();
  EXPECT_EQ(s->serialize(int64_t{1}).value(), bytes({0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(s->serialize(int64_t{-2}).value(), bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}));
  EXPECT_EQ(s->serialize(int64_t{0x0102030405060708}).value(), bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(s->deserialize(bytes({0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            std::numeric_limits<int64_t>::max());
}

TEST(SerdeTest, Int16MatchesJavaShortSerializer) {
  auto s = Serdes::Int16();
  EXPECT_EQ(s->serialize(int16_t{-32768}).value(), bytes({0x80, 0x00}));
  EXPECT_EQ(s->deserialize(bytes({0x01, 0x02})), 258);
}

TEST(SerdeTest, DoubleMatchesJavaDoubleSerializer) {
  auto s = Serdes::Double();
  // Double.doubleToLongBits(1.0) == 0x3FF0000000000000
  EXPECT_EQ(s->serialize(1.0).value(), bytes({0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
  // -2.5 == 0xC004000000000000
  EXPECT_EQ(s->serialize(-2.5).value(), bytes({0xc0, 0x04, 0, 0, 0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(s->deserialize(bytes({0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18})), 3.141592653589793);
}

TEST(SerdeTest, FloatMatchesJavaFloatSerializer) {
  auto s = Serdes::Float();
  // Float.floatToIntBits(1.5f) == 0x3FC00000
  EXPECT_EQ(s->serialize(1.5f).value(), bytes({0x3f, 0xc0, 0, 0}));
  EXPECT_FLOAT_EQ(s->deserialize(bytes({0xc2, 0x28, 0, 0})), -42.0f);
}

TEST(SerdeTest, StringIsUtf8Bytes) {
  auto s = Serdes::String();
  EXPECT_EQ(s->serialize(std::string("h\xc3\xa9llo")).value(), "h\xc3\xa9llo");
  EXPECT_EQ(s->deserialize(std::string_view("abc")), "abc");
  EXPECT_EQ(s->deserialize(std::nullopt), "");
}

TEST(SerdeTest, BooleanIsOneByte) {
  auto s = Serdes::Boolean();
  EXPECT_EQ(s->serialize(true).value(), bytes({1}));
  EXPECT_EQ(s->serialize(false).value(), bytes({0}));
  EXPECT_THROW((void)s->deserialize(bytes({2})), SerializationException);
}

TEST(SerdeTest, ByteArrayRoundTrips) {
  auto s = Serdes::ByteArray();
  Bytes b{0, 1, 255};
  EXPECT_EQ(s->deserialize(std::string_view(*s->serialize(b))), b);
}

TEST(SerdeTest, WrongSizeIsASerializationError) {
  EXPECT_THROW((void)Serdes::Int32()->deserialize(bytes({0, 1})), SerializationException);
  EXPECT_THROW((void)Serdes::Int64()->deserialize(bytes({0, 0, 0, 1})), SerializationException);
  EXPECT_THROW((void)Serdes::Double()->deserialize(bytes({0})), SerializationException);
}

TEST(SerdeTest, NullForANumberIsASerializationErrorButNullableAcceptsIt) {
  EXPECT_THROW((void)Serdes::Int64()->deserialize(std::nullopt), SerializationException);
  auto nullable = Serdes::Nullable(Serdes::Int64());
  EXPECT_EQ(nullable->deserialize(std::nullopt), std::nullopt);
  EXPECT_EQ(nullable->serialize(std::optional<int64_t>{}), std::nullopt);
  EXPECT_EQ(nullable->deserialize(bytes({0, 0, 0, 0, 0, 0, 0, 7})), std::optional<int64_t>(7));
}

TEST(SerdeTest, VoidIsAlwaysNull) {
  auto s = Serdes::Void();
  EXPECT_EQ(s->serialize(Void{}), std::nullopt);
  EXPECT_NO_THROW((void)s->deserialize(std::nullopt));
  EXPECT_THROW((void)s->deserialize(std::string_view("x")), SerializationException);
}

struct Click {
  std::string user;
  int64_t ts = 0;
  bool operator==(const Click&) const = default;
};
void to_json(nlohmann::json& j, const Click& c) { j = nlohmann::json{{"user", c.user}, {"ts", c.ts}}; }
void from_json(const nlohmann::json& j, Click& c) {
  j.at("user").get_to(c.user);
  j.at("ts").get_to(c.ts);
}

TEST(SerdeTest, JsonRoundTripsUserTypes) {
  auto s = Serdes::Json<Click>();
  Click c{"alice", 42};
  auto b = s->serialize(c);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(nlohmann::json::parse(*b), nlohmann::json({{"user", "alice"}, {"ts", 42}}));
  EXPECT_EQ(s->deserialize(std::string_view(*b)), c);
}

TEST(SerdeTest, MalformedJsonIsASerializationErrorNotACrash) {
  auto s = Serdes::Json<Click>();
  EXPECT_THROW((void)s->deserialize(std::string_view("{not json")), SerializationException);
  EXPECT_THROW((void)s->deserialize(std::string_view("{\"user\": 1}")), SerializationException);
  EXPECT_THROW((void)s->deserialize(std::string_view("")), SerializationException);
  auto any = Serdes::Json<nlohmann::json>();
  EXPECT_THROW((void)any->deserialize(std::string_view("[1,")), SerializationException);
  EXPECT_TRUE(any->deserialize(std::nullopt).is_null());
}

}  // namespace
}  // namespace kstreams
