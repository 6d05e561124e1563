#include "statestores/in_memory_segmented_bytes_store.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "statestores/store_exception.h"
#include "statestores/vector_key_value_iterator.h"

namespace kstreams::internal {

namespace {
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
}  // namespace

bool InMemorySegmentedBytesStore::ByTime::operator()(Entries::const_iterator a,
                                                     Entries::const_iterator b) const {
  const auto& [keyA, timeA, extraA] = a->first;
  const auto& [keyB, timeB, extraB] = b->first;
  if (timeA != timeB) return timeA < timeB;
  if (keyA != keyB) return keyA < keyB;
  return extraA < extraB;
}

bool InMemorySegmentedBytesStore::ByTime::operator()(Entries::const_iterator a,
                                                     int64_t time) const {
  return std::get<1>(a->first) < time;
}

bool InMemorySegmentedBytesStore::ByTime::operator()(int64_t time,
                                                     Entries::const_iterator b) const {
  return time < std::get<1>(b->first);
}

InMemorySegmentedBytesStore::InMemorySegmentedBytesStore(std::string name, int64_t retentionMs,
                                                         TimeKeyLayout layout)
    : name_(std::move(name)), retentionMs_(retentionMs), layout_(layout) {
  if (retentionMs_ < 0) {
    throw StoreException("segmented store " + name_ + ": retention must not be negative, got " +
                         std::to_string(retentionMs_));
  }
}

void InMemorySegmentedBytesStore::init(StoreContext& /*context*/) {}

InMemorySegmentedBytesStore::EntryKey InMemorySegmentedBytesStore::entryKey(
    std::string_view storeKey) const {
  return {std::string(layout_.key(storeKey)), layout_.time(storeKey), layout_.extra(storeKey)};
}

int64_t InMemorySegmentedBytesStore::liveFrom(int64_t time) const {
  const int64_t boundary = expiryBoundary();
  const int64_t firstLive = boundary == kMaxTime ? kMaxTime : boundary + 1;
  return std::max({time, firstLive, int64_t{0}});
}

void InMemorySegmentedBytesStore::erase(Entries::iterator it) {
  byTime_.erase(Entries::const_iterator(it));
  entries_.erase(it);
}

void InMemorySegmentedBytesStore::dropExpired() {
  const int64_t boundary = expiryBoundary();
  while (!byTime_.empty() && std::get<1>((*byTime_.begin())->first) <= boundary) {
    const Entries::const_iterator entry = *byTime_.begin();
    byTime_.erase(byTime_.begin());
    entries_.erase(entry);
  }
}

bool InMemorySegmentedBytesStore::observe(int64_t time) {
  if (time > observedStreamTime_) {
    observedStreamTime_ = time;
    dropExpired();
  }
  return time > expiryBoundary();
}

void InMemorySegmentedBytesStore::put(std::string_view storeKey,
                                      std::optional<std::string_view> value) {
  EntryKey key = entryKey(storeKey);
  const auto it = entries_.lower_bound(key);
  const bool present = it != entries_.end() && it->first == key;
  if (!value) {
    if (present) erase(it);
  } else if (present) {
    it->second.assign(*value);
  } else {
    const auto inserted = entries_.emplace_hint(it, std::move(key), std::string(*value));
    byTime_.insert(inserted);
  }
}

std::optional<std::string> InMemorySegmentedBytesStore::get(std::string_view storeKey) {
  const auto it = entries_.find(entryKey(storeKey));
  if (it == entries_.end() || std::get<1>(it->first) <= expiryBoundary()) return std::nullopt;
  return it->second;
}

std::unique_ptr<KeyValueBytesIterator> InMemorySegmentedBytesStore::fetch(std::string_view key,
                                                                          int64_t timeFrom,
                                                                          int64_t timeTo,
                                                                          bool forward,
                                                                          const Filter& accept) {
  std::vector<std::pair<std::string, std::string>> snapshot;
  const int64_t from = liveFrom(timeFrom);
  if (from <= timeTo) {
    const std::string owned(key);
    for (auto it = entries_.lower_bound(EntryKey{owned, from, std::numeric_limits<int64_t>::min()});
         it != entries_.end(); ++it) {
      const auto& [entryKey, time, extra] = it->first;
      if (entryKey != owned || time > timeTo) break;
      std::string storeKey = layout_.encode(entryKey, time, extra);
      if (accept && !accept(storeKey)) continue;
      snapshot.emplace_back(std::move(storeKey), it->second);
    }
  }
  if (!forward) std::reverse(snapshot.begin(), snapshot.end());
  return std::make_unique<VectorKeyValueIterator>(std::move(snapshot));
}

std::unique_ptr<KeyValueBytesIterator> InMemorySegmentedBytesStore::fetchRange(
    std::optional<std::string_view> keyFrom, std::optional<std::string_view> keyTo,
    int64_t timeFrom, int64_t timeTo) {
  std::vector<std::pair<std::string, std::string>> snapshot;
  const int64_t from = liveFrom(timeFrom);
  if (from > timeTo || (keyFrom && keyTo && *keyFrom > *keyTo)) {
    return std::make_unique<VectorKeyValueIterator>(std::move(snapshot));
  }
  std::vector<Entries::const_iterator> matches;
  if (!keyFrom && !keyTo) {
    // All keys: the time index finds the range, then back to key order.
    const auto end = byTime_.upper_bound(timeTo);
    for (auto it = byTime_.lower_bound(from); it != end; ++it) matches.push_back(*it);
    std::sort(matches.begin(), matches.end(),
              [](Entries::const_iterator a, Entries::const_iterator b) {
                return a->first < b->first;
              });
  } else {
    auto it = keyFrom ? entries_.lower_bound(EntryKey{std::string(*keyFrom),
                                                      std::numeric_limits<int64_t>::min(),
                                                      std::numeric_limits<int64_t>::min()})
                      : entries_.begin();
    for (; it != entries_.end(); ++it) {
      const auto& [key, time, extra] = it->first;
      if (keyTo && key > *keyTo) break;
      if (time >= from && time <= timeTo) matches.push_back(it);
    }
  }
  snapshot.reserve(matches.size());
  for (const auto it : matches) {
    const auto& [key, time, extra] = it->first;
    snapshot.emplace_back(layout_.encode(key, time, extra), it->second);
  }
  return std::make_unique<VectorKeyValueIterator>(std::move(snapshot));
}

void InMemorySegmentedBytesStore::close() {
  byTime_.clear();
  entries_.clear();
  observedStreamTime_ = kNoStreamTime;
}

void InMemorySegmentedBytesStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  for (const auto& record : records) {
    const int64_t time = layout_.time(record.key);
    if (time < 0) {
      throw StoreException("segmented store " + name_ + ": restored record has negative time " +
                           std::to_string(time));
    }
    if (!observe(time)) continue;
    if (record.value) {
      put(record.key, std::string_view(*record.value));
    } else {
      put(record.key, std::nullopt);
    }
  }
}

}  // namespace kstreams::internal
