// HeapTrimmer's schedule: one trim per interval for the whole process.
#include "src/heap_trimmer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace kstreams::internal {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// The process's last trim is shared by every trimmer, so each test starts far
// after anything another test (or a stream thread) did.
std::chrono::steady_clock::time_point farAhead(int h) { return std::chrono::steady_clock::now() + hours(h); }

TEST(HeapTrimmerTest, TrimsOncePerIntervalAcrossTrimmers) {
  HeapTrimmer a(1000);
  HeapTrimmer b(1000);
  const auto t = farAhead(1000);
  EXPECT_GE(a.maybeTrim(t).count(), 0) << "the first call after the interval trims";
  EXPECT_LT(a.maybeTrim(t + milliseconds(999)).count(), 0) << "trimmed again within the interval";
  EXPECT_LT(b.maybeTrim(t + milliseconds(500)).count(), 0) << "another thread's trimmer ignored the last trim";
  EXPECT_GE(b.maybeTrim(t + milliseconds(1000)).count(), 0);
  EXPECT_LT(a.maybeTrim(t + milliseconds(1500)).count(), 0);
}

TEST(HeapTrimmerTest, ZeroIntervalNeverTrims) {
  HeapTrimmer never(0);
  EXPECT_LT(never.maybeTrim(farAhead(2000)).count(), 0);
  EXPECT_LT(never.maybeTrim(farAhead(3000)).count(), 0);
}

TEST(HeapTrimmerTest, TrimmingKeepsLiveMemoryIntact) {
  // Free most of many small blocks so that whole free pages sit between live
  // ones, trim, and check the survivors still hold what was written.
  std::vector<char*> blocks;
  for (int i = 0; i < 20000; ++i) blocks.push_back(static_cast<char*>(std::malloc(1000)));
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 50 == 0) {
      std::fill(blocks[i], blocks[i] + 1000, static_cast<char>(i % 127));
    } else {
      std::free(blocks[i]);
      blocks[i] = nullptr;
    }
  }
  HeapTrimmer trimmer(1);
  EXPECT_GE(trimmer.maybeTrim(farAhead(4000)).count(), 0);
  for (size_t i = 0; i < blocks.size(); i += 50) {
    for (int j = 0; j < 1000; ++j) ASSERT_EQ(blocks[i][j], static_cast<char>(i % 127)) << "block " << i;
    std::free(blocks[i]);
  }
}

}  // namespace
}  // namespace kstreams::internal
