// FetchWaker: restarts a consumer's fetching after librdkafka stopped it for a
// full queue.
//
// librdkafka 2.0 stops fetching while the consumer queue holds
// queued.min.messages records or queued.max.messages.kbytes, and decides again
// only when the broker thread wakes up: on network I/O, on an operation queued
// to it, or after up to a second. Draining the queue wakes nothing, so with
// small queues a fast consumer sat idle for most of each second (2.3 added
// fetch.queue.backoff.ms for this). Any request queued to a broker wakes its
// thread; FetchWaker sends one cheap request per leader (ListOffsets, through
// rd_kafka_offsets_for_times) from a thread of its own, so the stream thread
// never blocks on it. That lets the prefetch queues be small.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kstreams::internal {

/// Decides, from the polling thread's view of the consumer queue, when to wake
/// the fetcher. A fetcher stopped on a full queue shows as a queue that only
/// shrinks: wake it when the queue has fallen to half of its peak since the
/// last wake-up, before it runs dry (whichever limit, records or bytes,
/// stopped it). An empty queue while a partition is behind its high watermark
/// wakes it too. At most one wake-up per minInterval; a queue that never held
/// minPeak records (a low rate, fetched as it comes) wakes nothing.
class FetchWakePolicy {
 public:
  explicit FetchWakePolicy(std::chrono::milliseconds minInterval, int64_t minPeak = 1000)
      : minInterval_(minInterval), minPeak_(minPeak) {}

  /// Called with the queue length before each poll. behind() tells whether any
  /// partition has records on the broker not yet fetched; it is asked only
  /// when the queue is empty.
  template <typename Behind>
  bool shouldWake(int64_t queueLength, std::chrono::steady_clock::time_point now, Behind&& behind) {
    if (queueLength > peak_) peak_ = queueLength;
    if (now - last_ < minInterval_) return false;
    if ((peak_ >= minPeak_ && queueLength <= peak_ / 2) || (queueLength == 0 && behind())) {
      last_ = now;
      peak_ = queueLength;
      return true;
    }
    return false;
  }

 private:
  std::chrono::milliseconds minInterval_;
  int64_t minPeak_;
  int64_t peak_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

class FetchWaker {
 public:
  /// The consumer must outlive the waker.
  explicit FetchWaker(rd_kafka_t* consumer);
  ~FetchWaker();
  FetchWaker(const FetchWaker&) = delete;
  FetchWaker& operator=(const FetchWaker&) = delete;

  /// The partitions the consumer fetches (their leaders are the brokers woken).
  void setPartitions(std::vector<std::pair<std::string, int32_t>> partitions);
  /// Asks for a wake-up; returns at once. Requests made while one is being
  /// sent collapse into one more.
  void wake();
  /// Called by the polling thread before each poll of the consumer's queue:
  /// wakes the fetcher when the policy says so. behind(): whether a partition
  /// has records on the broker beyond those received.
  template <typename Behind>
  bool maybeWake(rd_kafka_queue_t* queue, Behind&& behind) {
    if (!policy_.shouldWake(static_cast<int64_t>(rd_kafka_queue_length(queue)), std::chrono::steady_clock::now(),
                            std::forward<Behind>(behind))) {
      return false;
    }
    wake();
    return true;
  }

 private:
  void run();

  rd_kafka_t* consumer_;
  FetchWakePolicy policy_{std::chrono::milliseconds(10)};  // used by the polling thread only
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, int32_t>> partitions_;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kstreams::internal
