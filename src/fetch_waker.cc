#include "src/fetch_waker.h"

namespace kstreams::internal {

namespace {
// Long enough for a ListOffsets round trip to a busy broker; the wake-up itself
// happens when the request is queued.
constexpr int kRequestTimeoutMs = 2000;
}  // namespace

FetchWaker::FetchWaker(rd_kafka_t* consumer) : consumer_(consumer) { thread_ = std::thread([this] { run(); }); }

FetchWaker::~FetchWaker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void FetchWaker::setPartitions(std::vector<std::pair<std::string, int32_t>> partitions) {
  std::lock_guard lock(mutex_);
  partitions_ = std::move(partitions);
}

void FetchWaker::wake() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  cv_.notify_one();
}

void FetchWaker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    if (partitions_.empty()) continue;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size()));
    for (const auto& [topic, partition] : partitions_) {
      // Timestamp -1: the latest offset, the cheapest ListOffsets lookup.
      rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = -1;
    }
    lock.unlock();
    // One ListOffsets request per leader broker; its arrival in the broker
    // thread's queue is the wake-up. The answer is not needed, and an error
    // (a leader moving, a timeout) only means this wake-up may not have helped.
    (void)rd_kafka_offsets_for_times(consumer_, list, kRequestTimeoutMs);
    rd_kafka_topic_partition_list_destroy(list);
    lock.lock();
  }
}

}  // namespace kstreams::internal
