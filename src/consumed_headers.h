// ConsumedHeaders: the headers of a consumed record, without librdkafka's
// header parse for the records that have none.
//
// librdkafka keeps a consumed record's headers unparsed until
// rd_kafka_message_headers() is called. In 2.0.2 that call allocates and frees
// a parse buffer (a zeroed rd_kafka_buf_t and its segment array) even when the
// record's header count is 0, which is the common case: it was about 15% of a
// stream thread's time in the benchmarks, where no input has headers.
//
// A record-format-v2 record stores its headers after its value: a varint
// count, then the headers. librdkafka keeps that region's address and length
// in the message (rkm_u.consumer.binhdrs). For librdkafka 2.0.2 only, whose
// layout is mirrored and checked here, a record is known to have no headers
// when that region is empty or its count byte is 0. Everything else goes
// through rd_kafka_message_headers(): other librdkafka versions, records with
// headers, records whose value is null, and any message the layout checks do
// not recognise. The region is read only when its address is exactly the end
// of the record's value (the two are adjacent in a v2 record), so a
// mismatched layout can never make this read memory it should not.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>

namespace kstreams::internal {

/// librdkafka 2.0.2's rd_kafka_msg_t (src/rdkafka_msg.h) up to the consumer's
/// unparsed headers; a consumed rd_kafka_message_t is its first member.
struct RdKafkaMsgLayout202 {
  rd_kafka_message_t message;
  void* linkNext;
  void* linkPrev;
  int flags;
  int timestampType;
  int64_t timestamp;
  rd_kafka_headers_t* headers;  // parsed headers, once asked for
  int status;
  int32_t brokerId;
  union {
    struct {
      int64_t timeout;
      int64_t enqueued;
      int64_t backoff;
      uint64_t msgId;
      uint64_t lastMsgId;
      int retries;
    } producer;
    struct {
      int32_t len;  // -1 or 0: no headers region
      const void* data;
    } consumerHeaders;
  } u;
};

/// What the fast check can tell about a consumed message's headers.
enum class HeadersVerdict {
  NONE,     // the record has no headers (its header count is 0)
  UNKNOWN,  // ask librdkafka: it may have headers, or the check does not apply
};

/// The fast check alone (no librdkafka call but rd_kafka_message_timestamp).
/// layoutKnown: the linked librdkafka is the version the layout mirrors.
HeadersVerdict consumedHeadersVerdict(const rd_kafka_message_t* message, bool layoutKnown);

/// The consumed message's headers (owned by the message), or nullptr when it
/// has none. Uses the fast check when the linked librdkafka is 2.0.2; the
/// process's first verdicts of NONE are confirmed with librdkafka, and a
/// disagreement turns the fast check off for the rest of the process (logged).
rd_kafka_headers_t* consumedHeaders(const rd_kafka_message_t* message);

/// Whether consumedHeaders() still uses the fast check (for tests and logs).
bool consumedHeadersFastCheckEnabled();

}  // namespace kstreams::internal
