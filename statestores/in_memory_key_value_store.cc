#include "statestores/in_memory_key_value_store.h"

#include <utility>

#include "statestores/vector_key_value_iterator.h"

namespace kstreams::internal {

InMemoryKeyValueStore::InMemoryKeyValueStore(std::string name) : name_(std::move(name)) {}

void InMemoryKeyValueStore::init(StoreContext& /*context*/) {}

std::optional<std::string> InMemoryKeyValueStore::get(std::string_view key) {
  const auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

bool InMemoryKeyValueStore::getInto(std::string_view key, std::string& out) {
  const auto it = map_.find(key);
  if (it == map_.end()) return false;
  out.assign(it->second);
  return true;
}

void InMemoryKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  if (!value) {
    const auto it = map_.find(key);
    if (it != map_.end()) map_.erase(it);
    return;
  }
  const auto it = map_.lower_bound(key);
  if (it != map_.end() && it->first == key) {
    it->second.assign(*value);
  } else {
    map_.emplace_hint(it, std::string(key), std::string(*value));
  }
}

std::optional<std::string> InMemoryKeyValueStore::putIfAbsent(std::string_view key,
                                                              std::string_view value) {
  const auto it = map_.lower_bound(key);
  if (it != map_.end() && it->first == key) return it->second;
  map_.emplace_hint(it, std::string(key), std::string(value));
  return std::nullopt;
}

std::optional<std::string> InMemoryKeyValueStore::remove(std::string_view key) {
  const auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  std::optional<std::string> old = std::move(it->second);
  map_.erase(it);
  return old;
}

std::unique_ptr<KeyValueBytesIterator> InMemoryKeyValueStore::range(
    std::optional<std::string_view> from, std::optional<std::string_view> to) {
  std::vector<std::pair<std::string, std::string>> snapshot;
  if (!(from && to && *from > *to)) {
    auto it = from ? map_.lower_bound(*from) : map_.begin();
    const auto end = to ? map_.upper_bound(*to) : map_.end();
    for (; it != end; ++it) snapshot.emplace_back(it->first, it->second);
  }
  return std::make_unique<VectorKeyValueIterator>(std::move(snapshot));
}

std::unique_ptr<KeyValueBytesIterator> InMemoryKeyValueStore::prefixScan(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> snapshot;
  for (auto it = map_.lower_bound(prefix); it != map_.end() && it->first.starts_with(prefix);
       ++it) {
    snapshot.emplace_back(it->first, it->second);
  }
  return std::make_unique<VectorKeyValueIterator>(std::move(snapshot));
}

void InMemoryKeyValueStore::close() { map_.clear(); }

void InMemoryKeyValueStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  for (const auto& record : records) {
    if (record.value) {
      put(record.key, std::string_view(*record.value));
    } else {
      put(record.key, std::nullopt);
    }
  }
}

}  // namespace kstreams::internal
