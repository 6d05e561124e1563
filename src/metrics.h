// Counters shared by the tasks and threads of one client (or one test driver).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace kstreams::internal {

struct Metrics {
  std::atomic<int64_t> recordsProcessed{0};
  std::atomic<int64_t> recordsProduced{0};
  std::atomic<int64_t> droppedRecords{0};  // skipped by a handler or an invalid timestamp
  std::atomic<int64_t> deserializationErrors{0};
  std::atomic<int64_t> processingErrors{0};
  std::atomic<int64_t> productionErrors{0};
  std::atomic<int64_t> deadLetterRecords{0};
  std::atomic<int64_t> invalidTimestamps{0};
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> rebalances{0};
  std::atomic<int64_t> redeliveredRecordsDropped{0};  // delivered twice by the consumer, kept once
  std::atomic<int64_t> fetchWakeups{0};  // consumer fetchers woken after stopping on a full queue
  std::atomic<int64_t> heapTrims{0};     // free heap pages given back (memory.trim.interval.ms)
  std::atomic<int64_t> heapTrimMicros{0};

  [[nodiscard]] std::map<std::string, double> snapshot() const {
    return {
        {"process-total", static_cast<double>(recordsProcessed.load())},
        {"produce-total", static_cast<double>(recordsProduced.load())},
        {"dropped-records-total", static_cast<double>(droppedRecords.load())},
        {"deserialization-errors-total", static_cast<double>(deserializationErrors.load())},
        {"processing-errors-total", static_cast<double>(processingErrors.load())},
        {"production-errors-total", static_cast<double>(productionErrors.load())},
        {"dead-letter-records-total", static_cast<double>(deadLetterRecords.load())},
        {"invalid-timestamps-total", static_cast<double>(invalidTimestamps.load())},
        {"commit-total", static_cast<double>(commits.load())},
        {"rebalance-total", static_cast<double>(rebalances.load())},
        {"redelivered-records-dropped-total", static_cast<double>(redeliveredRecordsDropped.load())},
        {"fetch-wakeups-total", static_cast<double>(fetchWakeups.load())},
        {"heap-trims-total", static_cast<double>(heapTrims.load())},
        {"heap-trim-time-ms-total", static_cast<double>(heapTrimMicros.load()) / 1000.0},
    };
  }
};

}  // namespace kstreams::internal
