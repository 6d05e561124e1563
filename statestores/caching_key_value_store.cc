#include "statestores/caching_key_value_store.h"

#include <utility>
#include <vector>

#include "statestores/store_context.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

using CachedRange = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// Merges a snapshot of cached entries (tombstones included) with the inner
/// store's iterator over the same range; on equal keys the cache wins.
class MergedIterator : public KeyValueBytesIterator {
 public:
  MergedIterator(CachedRange cached, std::unique_ptr<KeyValueBytesIterator> inner)
      : cached_(std::move(cached)), inner_(std::move(inner)) {
    settle();
  }

  [[nodiscard]] bool valid() const override { return current_ != Source::NONE; }

  void next() override {
    if (current_ == Source::CACHE) {
      if (innerHasSameKey_) inner_->next();
      ++position_;
    } else if (current_ == Source::INNER) {
      inner_->next();
    }
    settle();
  }

  [[nodiscard]] std::string_view key() const override {
    return current_ == Source::CACHE ? std::string_view(cached_.at(position_).first)
                                     : inner_->key();
  }
  [[nodiscard]] std::string_view value() const override {
    return current_ == Source::CACHE ? std::string_view(*cached_.at(position_).second)
                                     : inner_->value();
  }

 private:
  enum class Source { NONE, CACHE, INNER };

  void settle() {
    while (true) {
      const bool hasCached = position_ < cached_.size();
      const bool hasInner = inner_->valid();
      innerHasSameKey_ = false;
      if (!hasCached && !hasInner) {
        current_ = Source::NONE;
        return;
      }
      if (hasCached && hasInner && inner_->key() < cached_[position_].first) {
        current_ = Source::INNER;
        return;
      }
      if (!hasCached) {
        current_ = Source::INNER;
        return;
      }
      innerHasSameKey_ = hasInner && inner_->key() == cached_[position_].first;
      if (cached_[position_].second) {
        current_ = Source::CACHE;
        return;
      }
      // A tombstone: hides the inner key, shows nothing.
      if (innerHasSameKey_) inner_->next();
      ++position_;
    }
  }

  CachedRange cached_;
  std::unique_ptr<KeyValueBytesIterator> inner_;
  size_t position_ = 0;
  Source current_ = Source::NONE;
  bool innerHasSameKey_ = false;
};

/// Sets the context's timestamp for a scope and restores the previous one.
class TimestampScope {
 public:
  TimestampScope(StoreContext& context, int64_t timestamp)
      : context_(context), previous_(context.currentTimestamp()) {
    context_.setCurrentTimestamp(timestamp);
  }
  ~TimestampScope() { context_.setCurrentTimestamp(previous_); }
  TimestampScope(const TimestampScope&) = delete;
  TimestampScope& operator=(const TimestampScope&) = delete;

 private:
  StoreContext& context_;
  int64_t previous_;
};

std::optional<std::string_view> viewOf(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

}  // namespace

CachingKeyValueStore::CachingKeyValueStore(std::unique_ptr<KeyValueBytesStore> inner,
                                           std::shared_ptr<CacheBudget> budget)
    : inner_(std::move(inner)), budget_(std::move(budget)) {
  if (!inner_) throw StoreException("caching store needs an inner store");
  if (!budget_) throw StoreException("caching store " + inner_->name() + " needs a cache budget");
}

CachingKeyValueStore::~CachingKeyValueStore() { clear(); }

void CachingKeyValueStore::setFlushListener(FlushListener listener, bool sendOldValues) {
  listener_ = std::move(listener);
  sendOldValues_ = sendOldValues;
}

void CachingKeyValueStore::init(StoreContext& context) {
  context_ = &context;
  inner_->init(context);
}

StoreContext& CachingKeyValueStore::context() {
  if (context_ == nullptr) throw StoreException("caching store " + name() + " is not initialised");
  return *context_;
}

CachingKeyValueStore::Entries::iterator CachingKeyValueStore::findEntry(std::string_view key) {
  const Entries::iterator* found = index_.find(key);
  return found == nullptr ? entries_.end() : *found;
}

std::optional<std::string> CachingKeyValueStore::get(std::string_view key) {
  const auto it = findEntry(key);
  if (it != entries_.end()) return it->second.value;
  return inner_->get(key);
}

bool CachingKeyValueStore::getInto(std::string_view key, std::string& out) {
  const auto it = findEntry(key);
  if (it == entries_.end()) return inner_->getInto(key, out);
  if (!it->second.value) return false;  // a cached delete
  out.assign(*it->second.value);
  return true;
}

void CachingKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  const int64_t timestamp = context().currentTimestamp();
  auto it = findEntry(key);
  if (it == entries_.end()) {
    it = entries_.emplace(std::string(key), Entry{}).first;
    index_.insert(it);
    it->second.lru = writeOrder_.insert(writeOrder_.end(), &it->first);
  } else {
    budget_->release(it->second.charged);
    writeOrder_.splice(writeOrder_.end(), writeOrder_, it->second.lru);
  }
  Entry& entry = it->second;
  if (value) {
    entry.value.emplace(*value);
  } else {
    entry.value.reset();
  }
  entry.timestamp = timestamp;
  if (const Headers* h = context().currentHeaders(); h != nullptr && !h->empty()) {
    entry.headers = *h;
  } else {
    entry.headers.reset();
  }
  markDirty(it->first, entry);
  entry.charged = CacheBudget::entrySize(key.size(), value ? value->size() : 0);
  budget_->charge(entry.charged);
  evictWhileOverBudget();
}

std::optional<std::string> CachingKeyValueStore::putIfAbsent(std::string_view key,
                                                             std::string_view value) {
  std::optional<std::string> existing = get(key);
  if (!existing) put(key, value);
  return existing;
}

std::optional<std::string> CachingKeyValueStore::remove(std::string_view key) {
  std::optional<std::string> old = get(key);
  put(key, std::nullopt);
  return old;
}

std::unique_ptr<KeyValueBytesIterator> CachingKeyValueStore::range(
    std::optional<std::string_view> from, std::optional<std::string_view> to) {
  CachedRange cached;
  if (!(from && to && *from > *to)) {
    auto it = from ? entries_.lower_bound(*from) : entries_.begin();
    const auto end = to ? entries_.upper_bound(*to) : entries_.end();
    for (; it != end; ++it) cached.emplace_back(it->first, it->second.value);
  }
  return std::make_unique<MergedIterator>(std::move(cached), inner_->range(from, to));
}

std::unique_ptr<KeyValueBytesIterator> CachingKeyValueStore::prefixScan(std::string_view prefix) {
  CachedRange cached;
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.starts_with(prefix); ++it) {
    cached.emplace_back(it->first, it->second.value);
  }
  return std::make_unique<MergedIterator>(std::move(cached), inner_->prefixScan(prefix));
}

void CachingKeyValueStore::sendDown(const std::string& key, Entry& entry) {
  StoreContext& ctx = context();
  std::optional<std::string> oldValue;
  const bool readOld = listener_ && (sendOldValues_ || !entry.value);
  if (readOld) oldValue = inner_->get(key);
  const TimestampScope scope(ctx, entry.timestamp);
  const Headers* previousHeaders = ctx.currentHeaders();
  ctx.setCurrentHeaders(entry.headers ? &*entry.headers : nullptr);
  struct RestoreHeaders {
    StoreContext& c;
    const Headers* h;
    ~RestoreHeaders() { c.setCurrentHeaders(h); }
  } restoreHeaders{ctx, previousHeaders};
  inner_->put(key, viewOf(entry.value));
  if (listener_ && (entry.value || oldValue)) {
    listener_(key, viewOf(entry.value), sendOldValues_ ? viewOf(oldValue) : std::nullopt,
              entry.timestamp);
  }
}

void CachingKeyValueStore::evictWhileOverBudget() {
  while (budget_->overBudget() && !writeOrder_.empty()) {
    const auto it = findEntry(*writeOrder_.front());
    if (it->second.dirty) {
      sendDown(it->first, it->second);
      markClean(it->second);
    }
    erase(it);
  }
}

void CachingKeyValueStore::sendDirtyEntriesDown() {
  if (dirtyCount_ == 0) return;
  std::vector<std::string> dirtyKeys;
  dirtyKeys.reserve(dirtyCount_);
  for (const std::string* key : dirtyOrder_) dirtyKeys.push_back(*key);
  for (const auto& key : dirtyKeys) {
    const auto it = findEntry(key);
    if (it == entries_.end() || !it->second.dirty) continue;
    sendDown(it->first, it->second);
    markClean(it->second);
  }
}

void CachingKeyValueStore::markDirty(const std::string& key, Entry& entry) {
  if (entry.dirty) {
    dirtyOrder_.splice(dirtyOrder_.end(), dirtyOrder_, entry.dirtyPos);
    return;
  }
  entry.dirtyPos = dirtyOrder_.insert(dirtyOrder_.end(), &key);
  entry.dirty = true;
  ++dirtyCount_;
}

void CachingKeyValueStore::markClean(Entry& entry) {
  if (!entry.dirty) return;
  dirtyOrder_.erase(entry.dirtyPos);
  entry.dirty = false;
  --dirtyCount_;
}

void CachingKeyValueStore::erase(Entries::iterator it) {
  markClean(it->second);
  budget_->release(it->second.charged);
  writeOrder_.erase(it->second.lru);
  index_.erase(it->first);
  entries_.erase(it);
}

void CachingKeyValueStore::clear() {
  while (!entries_.empty()) erase(entries_.begin());
}

void CachingKeyValueStore::flush() {
  sendDirtyEntriesDown();
  inner_->flush();
}

void CachingKeyValueStore::close() {
  sendDirtyEntriesDown();
  clear();
  inner_->close();
}

void CachingKeyValueStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  for (const auto& record : records) {
    const auto it = findEntry(record.key);
    if (it != entries_.end()) erase(it);
  }
  inner_->restoreBatch(records);
}

}  // namespace kstreams::internal
