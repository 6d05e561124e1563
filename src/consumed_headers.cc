#include "src/consumed_headers.h"

#include <atomic>
#include <cstddef>
#include <string>

#include "src/log.h"

namespace kstreams::internal {

namespace {

// Offsets of librdkafka 2.0.2's rd_kafka_msg_t on LP64 targets, as its own
// headers lay it out.
static_assert(sizeof(void*) != 8 || offsetof(RdKafkaMsgLayout202, flags) == 88);
static_assert(sizeof(void*) != 8 || offsetof(RdKafkaMsgLayout202, timestamp) == 96);
static_assert(sizeof(void*) != 8 || offsetof(RdKafkaMsgLayout202, headers) == 104);
static_assert(sizeof(void*) != 8 || offsetof(RdKafkaMsgLayout202, u.consumerHeaders.len) == 120);
static_assert(sizeof(void*) != 8 || offsetof(RdKafkaMsgLayout202, u.consumerHeaders.data) == 128);

constexpr int kVersion202 = 0x020002ff;
constexpr int kProducerMessageFlag = 0x40000;  // RD_KAFKA_MSG_F_PRODUCER
// This many verdicts of NONE are confirmed with librdkafka before the check
// is trusted on its own.
constexpr int64_t kConfirmations = 256;

std::atomic<bool> g_disabled{false};
std::atomic<int64_t> g_confirmed{0};

bool layoutKnown() {
  static const bool known = rd_kafka_version() == kVersion202;
  return known;
}

rd_kafka_headers_t* askLibrdkafka(const rd_kafka_message_t* message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return nullptr;
  return headers;
}

}  // namespace

HeadersVerdict consumedHeadersVerdict(const rd_kafka_message_t* message, bool layoutKnown) {
  if (!layoutKnown || message == nullptr || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return HeadersVerdict::UNKNOWN;
  }
  const auto* msg = reinterpret_cast<const RdKafkaMsgLayout202*>(message);
  if (msg->headers != nullptr || (msg->flags & kProducerMessageFlag) != 0) return HeadersVerdict::UNKNOWN;
  // The fields before the union must be where the layout says.
  if (msg->timestamp != rd_kafka_message_timestamp(message, nullptr)) return HeadersVerdict::UNKNOWN;
  const int32_t len = msg->u.consumerHeaders.len;
  if (len <= 0) return HeadersVerdict::NONE;  // what rd_kafka_message_headers() answers too
  // A v2 record's headers start right after its value; anything else (a null
  // value, a layout that is not what it seems) is left to librdkafka.
  if (message->payload == nullptr ||
      msg->u.consumerHeaders.data != static_cast<const char*>(message->payload) + message->len) {
    return HeadersVerdict::UNKNOWN;
  }
  // The count is a zigzag varint: 0 is the single byte 0.
  return *static_cast<const unsigned char*>(msg->u.consumerHeaders.data) == 0 ? HeadersVerdict::NONE
                                                                               : HeadersVerdict::UNKNOWN;
}

rd_kafka_headers_t* consumedHeaders(const rd_kafka_message_t* message) {
  if (g_disabled.load(std::memory_order_relaxed) ||
      consumedHeadersVerdict(message, layoutKnown()) != HeadersVerdict::NONE) {
    return askLibrdkafka(message);
  }
  if (g_confirmed.load(std::memory_order_relaxed) >= kConfirmations) return nullptr;
  rd_kafka_headers_t* headers = askLibrdkafka(message);
  if (headers != nullptr && rd_kafka_header_cnt(headers) > 0) {
    if (!g_disabled.exchange(true)) {
      KS_LOG(WARN, "A consumed record of " + std::string(rd_kafka_topic_name(message->rkt)) + "-" +
                       std::to_string(message->partition) + " offset " + std::to_string(message->offset) +
                       " has headers that the check for header-less records missed; every record's headers "
                       "are parsed by librdkafka from now on");
    }
    return headers;
  }
  g_confirmed.fetch_add(1, std::memory_order_relaxed);
  return headers;
}

bool consumedHeadersFastCheckEnabled() { return layoutKnown() && !g_disabled.load(std::memory_order_relaxed); }

}  // namespace kstreams::internal
