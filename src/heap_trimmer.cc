#include "src/heap_trimmer.h"

#include <atomic>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kstreams::internal {

namespace {
// The last trim of the process (steady-clock nanoseconds): every stream thread
// of every client shares the heap, so one trim serves them all.
std::atomic<int64_t> lastTrimNs{0};
}  // namespace

std::chrono::microseconds HeapTrimmer::maybeTrim(std::chrono::steady_clock::time_point now) {
  using std::chrono::microseconds;
  if (interval_.count() <= 0) return microseconds(-1);
  const int64_t nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  int64_t last = lastTrimNs.load(std::memory_order_relaxed);
  if (last != 0 && nowNs - last < std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count()) {
    return microseconds(-1);
  }
  // One thread wins the interval; the others go on.
  if (!lastTrimNs.compare_exchange_strong(last, nowNs, std::memory_order_relaxed)) return microseconds(-1);
#if defined(__GLIBC__)
  const auto start = std::chrono::steady_clock::now();
  malloc_trim(0);
  return std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start);
#else
  return microseconds(0);
#endif
}

}  // namespace kstreams::internal
