#include "statestores/segmented_window_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"

namespace kstreams::internal {

namespace {
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int32_t kSeqnumMask = 0x7FFFFFFF;
}  // namespace

std::string_view WindowStoreKeyIterator::key() const {
  return WindowKeyCodec::extractKey(inner_->key());
}

int64_t WindowStoreKeyIterator::windowStart() const {
  return WindowKeyCodec::extractWindowStart(inner_->key());
}

SegmentedWindowStore::SegmentedWindowStore(std::unique_ptr<SegmentedBytesStore> bytes,
                                           bool retainDuplicates)
    : bytes_(std::move(bytes)), retainDuplicates_(retainDuplicates) {
  if (!bytes_) throw StoreException("window store needs a segmented bytes store");
}

void SegmentedWindowStore::init(StoreContext& context) {
  lastPutSeqnum_.reset();
  bytes_->init(context);
}

void SegmentedWindowStore::put(std::string_view key, std::optional<std::string_view> value,
                               int64_t windowStart) {
  lastPutSeqnum_.reset();
  if (windowStart < 0) {
    throw StoreException("window store " + name() + ": negative window start " +
                         std::to_string(windowStart));
  }
  // A delete of one duplicate cannot name it: a no-op, as in Kafka Streams.
  if (retainDuplicates_ && !value) return;
  if (!bytes_->observe(windowStart)) return;  // expired window
  int32_t seqnum = 0;
  if (retainDuplicates_) {
    seqnum_ = (seqnum_ + 1) & kSeqnumMask;
    seqnum = seqnum_;
  }
  WindowKeyCodec::toStoreKey(storeKeyBuf_, key, windowStart, seqnum);
  bytes_->put(storeKeyBuf_, value);
  lastPutSeqnum_ = seqnum;
}

std::optional<std::string> SegmentedWindowStore::fetch(std::string_view key,
                                                       int64_t windowStart) {
  if (windowStart < 0) return std::nullopt;
  if (!retainDuplicates_) return bytes_->get(WindowKeyCodec::toStoreKey(key, windowStart, 0));
  auto it = bytes_->fetch(key, windowStart, windowStart, true, {});
  if (!it->valid()) return std::nullopt;
  return std::string(it->value());
}

std::unique_ptr<WindowBytesIterator> SegmentedWindowStore::fetch(std::string_view key,
                                                                 int64_t timeFrom,
                                                                 int64_t timeTo) {
  return std::make_unique<WindowStoreKeyIterator>(
      bytes_->fetch(key, timeFrom, timeTo, true, {}));
}

std::unique_ptr<WindowBytesIterator> SegmentedWindowStore::backwardFetch(std::string_view key,
                                                                         int64_t timeFrom,
                                                                         int64_t timeTo) {
  return std::make_unique<WindowStoreKeyIterator>(
      bytes_->fetch(key, timeFrom, timeTo, false, {}));
}

std::unique_ptr<WindowBytesIterator> SegmentedWindowStore::fetchRange(
    std::optional<std::string_view> keyFrom, std::optional<std::string_view> keyTo,
    int64_t timeFrom, int64_t timeTo) {
  return std::make_unique<WindowStoreKeyIterator>(
      bytes_->fetchRange(keyFrom, keyTo, timeFrom, timeTo));
}

std::unique_ptr<WindowBytesIterator> SegmentedWindowStore::fetchAll(int64_t timeFrom,
                                                                    int64_t timeTo) {
  return fetchRange(std::nullopt, std::nullopt, timeFrom, timeTo);
}

std::unique_ptr<WindowBytesIterator> SegmentedWindowStore::all() {
  return fetchRange(std::nullopt, std::nullopt, 0, kMaxTime);
}

void SegmentedWindowStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  if (retainDuplicates_) {
    for (const auto& record : records) {
      seqnum_ = std::max(seqnum_, WindowKeyCodec::extractSequenceNumber(record.key));
    }
  }
  bytes_->restoreBatch(records);
}

}  // namespace kstreams::internal
