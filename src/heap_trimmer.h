// HeapTrimmer: gives the heap's free pages back to the operating system.
//
// glibc's malloc keeps freed memory in its arenas (one per thread that
// allocated concurrently) and returns it to the system only from the top of
// an arena. A stream-processing client churns memory across threads: the
// consumer's messages are allocated on librdkafka's threads and freed on the
// stream thread, RocksDB's memtables come and go, fetch and produce buffers
// rise and fall with the rate. Its resident memory therefore creeps up to the
// sum of every arena's high-water mark and stays there (in the stream-stream
// join benchmark, malloc_info showed 82 MB free inside 179 MB of heap).
// malloc_trim(0) releases every whole free page inside every arena.
#pragma once

#include <chrono>
#include <cstdint>

namespace kstreams::internal {

class HeapTrimmer {
 public:
  /// intervalMs: at least this long between two trims of the process, whichever
  /// thread asks; 0 never trims.
  explicit HeapTrimmer(int64_t intervalMs) : interval_(std::chrono::milliseconds(intervalMs)) {}

  /// Trims when the interval has passed since the process's last trim. Returns
  /// the time the trim took, or a negative duration when it did not trim.
  std::chrono::microseconds maybeTrim(std::chrono::steady_clock::time_point now);

 private:
  std::chrono::milliseconds interval_;
};

}  // namespace kstreams::internal
