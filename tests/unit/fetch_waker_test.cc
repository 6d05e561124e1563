// When the stream thread wakes a consumer's fetcher that librdkafka stopped
// on a full queue (FetchWakePolicy).
#include <gtest/gtest.h>

#include <chrono>

#include "src/fetch_waker.h"

namespace kstreams::internal {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

constexpr milliseconds kInterval{10};
const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

auto never() {
  return [] { return false; };
}

TEST(FetchWakePolicyTest, AQueueDrainedToHalfItsPeakWakesTheFetcherOnce) {
  FetchWakePolicy policy(kInterval);
  TimePoint t = kStart;
  EXPECT_FALSE(policy.shouldWake(50000, t, never()));
  EXPECT_FALSE(policy.shouldWake(40000, t += kInterval, never()));
  EXPECT_FALSE(policy.shouldWake(25001, t += kInterval, never()));
  EXPECT_TRUE(policy.shouldWake(25000, t += kInterval, never()));
  // The peak starts again from the queue at the wake-up: no second wake-up
  // until the queue halves again.
  EXPECT_FALSE(policy.shouldWake(20000, t += kInterval, never()));
  EXPECT_FALSE(policy.shouldWake(12501, t += kInterval, never()));
  EXPECT_TRUE(policy.shouldWake(12500, t += kInterval, never()));
}

TEST(FetchWakePolicyTest, ARefilledQueueRaisesThePeak) {
  FetchWakePolicy policy(kInterval);
  TimePoint t = kStart;
  EXPECT_FALSE(policy.shouldWake(10000, t, never()));
  EXPECT_FALSE(policy.shouldWake(40000, t += kInterval, never()));  // a fetch arrived
  EXPECT_FALSE(policy.shouldWake(21000, t += kInterval, never()));
  EXPECT_TRUE(policy.shouldWake(20000, t += kInterval, never()));
}

TEST(FetchWakePolicyTest, WakeUpsAreAtLeastTheIntervalApart) {
  FetchWakePolicy policy(kInterval);
  TimePoint t = kStart;
  EXPECT_FALSE(policy.shouldWake(8000, t, never()));
  EXPECT_TRUE(policy.shouldWake(4000, t += milliseconds(1), never()));
  EXPECT_FALSE(policy.shouldWake(0, t += milliseconds(1), [] { return true; }));
  EXPECT_FALSE(policy.shouldWake(0, t += milliseconds(8), [] { return true; }));
  EXPECT_TRUE(policy.shouldWake(0, t += milliseconds(1), [] { return true; }));
}

TEST(FetchWakePolicyTest, ASmallQueueWakesNothingUnlessEmptyWithRecordsOnTheBroker) {
  FetchWakePolicy policy(kInterval, 1000);
  TimePoint t = kStart;
  // A low rate: each fetch brings a few records and the thread takes them all.
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(policy.shouldWake(900, t += kInterval, never()));
    EXPECT_FALSE(policy.shouldWake(0, t += kInterval, never()));
  }
  // Stopped on its byte limit with fewer records than minPeak: empty, and a
  // partition's high watermark is beyond what was received.
  EXPECT_TRUE(policy.shouldWake(0, t += kInterval, [] { return true; }));
}

TEST(FetchWakePolicyTest, WhetherPartitionsAreBehindIsAskedOnlyOfAnEmptyQueue) {
  FetchWakePolicy policy(kInterval);
  int asked = 0;
  auto behind = [&asked] {
    ++asked;
    return false;
  };
  TimePoint t = kStart;
  EXPECT_FALSE(policy.shouldWake(500, t, behind));
  EXPECT_FALSE(policy.shouldWake(300, t += kInterval, behind));
  EXPECT_EQ(asked, 0);
  EXPECT_FALSE(policy.shouldWake(0, t += kInterval, behind));
  EXPECT_EQ(asked, 1);
}

}  // namespace
}  // namespace kstreams::internal
