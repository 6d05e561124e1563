// Timestamp extractors of Kafka Streams. An extractor that returns a negative
// timestamp makes the record be skipped (logged and counted), as in Kafka Streams.
#pragma once

#include <chrono>
#include <string>

#include "kstreams/errors.h"
#include "kstreams/options.h"

namespace kstreams {

struct TimestampExtractors {
  /// The record's own timestamp; a negative one fails the task (Kafka's default,
  /// FailOnInvalidTimestamp).
  static TimestampExtractor failOnInvalidTimestamp() {
    return [](const RawRecord& r, int64_t) -> int64_t {
      if (r.timestamp < 0) {
        throw StreamsException(
            "Input record of topic " + std::string(r.topic) + " partition " +
            std::to_string(r.partition) + " offset " + std::to_string(r.offset) +
            " has invalid (negative) timestamp " + std::to_string(r.timestamp) +
            ". Use a different TimestampExtractor (for example "
            "TimestampExtractors::logAndSkipOnInvalidTimestamp()) to process it.");
      }
      return r.timestamp;
    };
  }
  /// The record's own timestamp; a record with a negative one is skipped.
  static TimestampExtractor logAndSkipOnInvalidTimestamp() {
    return [](const RawRecord& r, int64_t) -> int64_t { return r.timestamp; };
  }
  /// The record's own timestamp; a negative one is replaced by the partition's
  /// highest timestamp so far (skipped when there is none yet).
  static TimestampExtractor usePartitionTimeOnInvalidTimestamp() {
    return [](const RawRecord& r, int64_t partitionTime) -> int64_t {
      return r.timestamp >= 0 ? r.timestamp : partitionTime;
    };
  }
  /// The current wall-clock time (processing time).
  static TimestampExtractor wallclockTimestampExtractor() {
    return [](const RawRecord&, int64_t) -> int64_t {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
};

}  // namespace kstreams
