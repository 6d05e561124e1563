// The check for header-less consumed records, on messages laid out as
// librdkafka 2.0.2 lays out a consumed record, and librdkafka's own parse of
// the same messages as the reference.
#include "src/consumed_headers.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace kstreams::internal {
namespace {

constexpr int kVersion202 = 0x020002ff;

// A consumed v2 record as librdkafka holds it: the value, then the headers
// region (count varint and headers) in the same buffer.
struct FakeConsumed {
  std::string buffer;  // value bytes followed by the headers region
  RdKafkaMsgLayout202 msg{};

  FakeConsumed(const std::string& value, const std::string& headersRegion) : buffer(value + headersRegion) {
    msg.message.err = RD_KAFKA_RESP_ERR_NO_ERROR;
    msg.message.payload = buffer.data();
    msg.message.len = value.size();
    msg.message.offset = 42;
    msg.timestampType = RD_KAFKA_TIMESTAMP_CREATE_TIME;
    msg.timestamp = 1700000000000;
    msg.u.consumerHeaders.len = static_cast<int32_t>(headersRegion.size());
    msg.u.consumerHeaders.data = headersRegion.empty() ? nullptr : buffer.data() + value.size();
  }
  ~FakeConsumed() {
    if (msg.headers != nullptr) rd_kafka_headers_destroy(msg.headers);  // parsed by librdkafka
  }
  FakeConsumed(const FakeConsumed&) = delete;
  FakeConsumed& operator=(const FakeConsumed&) = delete;
  [[nodiscard]] const rd_kafka_message_t* message() const { return &msg.message; }
};

// Zigzag varint of a small number, as Kafka's record format writes lengths and counts.
std::string varint(int v) {
  const auto z = static_cast<unsigned>((v << 1) ^ (v >> 31));
  std::string out;
  unsigned rest = z;
  while (rest >= 0x80) {
    out.push_back(static_cast<char>((rest & 0x7f) | 0x80));
    rest >>= 7;
  }
  out.push_back(static_cast<char>(rest));
  return out;
}

// "trace" = "abc", "flag" = null.
std::string twoHeaders() {
  return varint(2) + varint(5) + "trace" + varint(3) + "abc" + varint(4) + "flag" + varint(-1);
}

// The mirrored layout is librdkafka 2.0.2's, the version scripts/install-deps
// installs. Another linked version makes these tests fail on purpose: mirror
// its rd_kafka_msg_t (or drop the check if its parse no longer allocates for
// zero headers) and move the version gate.
class ConsumedHeadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rd_kafka_version(), kVersion202)
        << "the header check mirrors librdkafka 2.0.2's message layout; linked: " << rd_kafka_version_str();
  }
};

TEST_F(ConsumedHeadersTest, LibrdkafkaFindsTheHeadersWhereTheMirroredLayoutPutsThem) {
  FakeConsumed rec("value-bytes", twoHeaders());
  rd_kafka_headers_t* hdrs = nullptr;
  ASSERT_EQ(rd_kafka_message_headers(rec.message(), &hdrs), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_header_cnt(hdrs), 2U);
  const void* value = nullptr;
  size_t size = 0;
  ASSERT_EQ(rd_kafka_header_get_last(hdrs, "trace", &value, &size), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(std::string(static_cast<const char*>(value), size), "abc");
  ASSERT_EQ(rd_kafka_header_get_last(hdrs, "flag", &value, &size), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(value, nullptr);
  EXPECT_EQ(rd_kafka_message_timestamp(rec.message(), nullptr), 1700000000000);
}

TEST_F(ConsumedHeadersTest, ZeroCountRightAfterTheValueIsNoHeadersAsLibrdkafkaSays) {
  FakeConsumed rec("value-bytes", varint(0));
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::NONE);
  rd_kafka_headers_t* hdrs = nullptr;
  EXPECT_EQ(rd_kafka_message_headers(rec.message(), &hdrs), RD_KAFKA_RESP_ERR__NOENT);
}

TEST_F(ConsumedHeadersTest, EmptyRegionOfAnOlderRecordFormatIsNoHeaders) {
  FakeConsumed rec("value-bytes", "");
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::NONE);
}

TEST_F(ConsumedHeadersTest, RecordWithHeadersIsLeftToLibrdkafka) {
  FakeConsumed rec("value-bytes", twoHeaders());
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
  FakeConsumed negative("v", varint(-1));  // a negative count: librdkafka decides (no headers)
  EXPECT_EQ(consumedHeadersVerdict(negative.message(), true), HeadersVerdict::UNKNOWN);
}

TEST_F(ConsumedHeadersTest, RegionNotRightAfterTheValueIsNeverRead) {
  FakeConsumed rec("value-bytes", varint(0));
  const std::string elsewhere(1, '\0');
  rec.msg.u.consumerHeaders.data = elsewhere.data();
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
  rec.msg.u.consumerHeaders.data = rec.buffer.data() + rec.msg.message.len;
  rec.msg.message.payload = nullptr;  // a null value: nothing to be adjacent to
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
}

TEST_F(ConsumedHeadersTest, OtherVersionsErrorsProducerMessagesAndParsedHeadersAreLeftToLibrdkafka) {
  FakeConsumed rec("value-bytes", varint(0));
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), false), HeadersVerdict::UNKNOWN) << "layout not known";
  EXPECT_EQ(consumedHeadersVerdict(nullptr, true), HeadersVerdict::UNKNOWN);
  rec.msg.flags = 0x40000;  // RD_KAFKA_MSG_F_PRODUCER
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
  rec.msg.flags = 0;
  rec.msg.message.err = RD_KAFKA_RESP_ERR__PARTITION_EOF;
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
  rec.msg.message.err = RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_headers_t* parsed = rd_kafka_headers_new(1);
  rec.msg.headers = parsed;  // freed by FakeConsumed
  EXPECT_EQ(consumedHeadersVerdict(rec.message(), true), HeadersVerdict::UNKNOWN);
}

TEST_F(ConsumedHeadersTest, ConsumedHeadersGivesEveryRecordsHeadersAndKeepsTheCheckOn) {
  // More header-less records than the confirmations, mixed with records that have headers.
  std::vector<std::unique_ptr<FakeConsumed>> records;
  for (int i = 0; i < 600; ++i) {
    records.push_back(std::make_unique<FakeConsumed>("value-" + std::to_string(i), i % 3 == 0 ? twoHeaders()
                                                                                              : varint(0)));
  }
  for (size_t i = 0; i < records.size(); ++i) {
    rd_kafka_headers_t* hdrs = consumedHeaders(records[i]->message());
    if (i % 3 == 0) {
      ASSERT_NE(hdrs, nullptr) << "record " << i;
      EXPECT_EQ(rd_kafka_header_cnt(hdrs), 2U);
    } else {
      EXPECT_EQ(hdrs, nullptr) << "record " << i;
    }
  }
  EXPECT_TRUE(consumedHeadersFastCheckEnabled());
}

}  // namespace
}  // namespace kstreams::internal
