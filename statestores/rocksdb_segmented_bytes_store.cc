#include "statestores/rocksdb_segmented_bytes_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>

#include "statestores/store_context.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
/// In the directory of a segment opened ahead of its first write.
constexpr const char* kPreparedMarker = RocksDBSegmentedBytesStore::kPreparedMarker;
/// The directory of such a segment is made under its name + this, then renamed.
constexpr const char* kStagingSuffix = ".staging";
/// An expired segment's directory is renamed to its name + this, then removed.
constexpr const char* kExpiredSuffix = ".expired";
/// Expired segments being removed at once, at most.
constexpr size_t kMaxDiscarding = 4;

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// splitmix64's finaliser: spreads every input bit over the output.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

/// Skips the entries of `inner` that `accept` rejects.
class FilteredIterator : public KeyValueBytesIterator {
 public:
  FilteredIterator(std::unique_ptr<KeyValueBytesIterator> inner,
                   SegmentedBytesStore::Filter accept)
      : inner_(std::move(inner)), accept_(std::move(accept)) {
    settle();
  }
  [[nodiscard]] bool valid() const override { return inner_->valid(); }
  void next() override {
    inner_->next();
    settle();
  }
  [[nodiscard]] std::string_view key() const override { return inner_->key(); }
  [[nodiscard]] std::string_view value() const override { return inner_->value(); }

 private:
  void settle() {
    while (inner_->valid() && !accept_(inner_->key())) inner_->next();
  }

  std::unique_ptr<KeyValueBytesIterator> inner_;
  SegmentedBytesStore::Filter accept_;
};

/// fetch() of one key, forward: the segments' range iterators one after the
/// other, keeping the store keys of exactly `keyBytes` + suffix bytes. Inside the
/// range [key + from, key + to] every store key starts with the key's bytes, so
/// its length tells it from the store keys of longer keys sharing that prefix.
class KeyFetchIterator : public KeyValueBytesIterator {
 public:
  KeyFetchIterator(std::vector<std::unique_ptr<KeyValueBytesIterator>> parts, size_t storeKeyBytes,
                   SegmentedBytesStore::Filter accept)
      : parts_(std::move(parts)), storeKeyBytes_(storeKeyBytes), accept_(std::move(accept)) {
    settle();
  }
  [[nodiscard]] bool valid() const override { return current_ < parts_.size(); }
  void next() override {
    parts_[current_]->next();
    settle();
  }
  [[nodiscard]] std::string_view key() const override { return parts_[current_]->key(); }
  [[nodiscard]] std::string_view value() const override { return parts_[current_]->value(); }

 private:
  void settle() {
    while (current_ < parts_.size()) {
      KeyValueBytesIterator& part = *parts_[current_];
      if (!part.valid()) {
        parts_[current_].reset();  // hands its RocksDB iterator back for reuse early
        ++current_;
        continue;
      }
      const std::string_view storeKey = part.key();
      if (storeKey.size() == storeKeyBytes_ && (!accept_ || accept_(storeKey))) return;
      part.next();
    }
  }

  std::vector<std::unique_ptr<KeyValueBytesIterator>> parts_;
  size_t storeKeyBytes_;
  SegmentedBytesStore::Filter accept_;  // empty: every store key of the key
  size_t current_ = 0;
};

/// The segments' iterators (given newest segment first) each read in reverse:
/// one segment at a time is read into memory.
class BackwardIterator : public KeyValueBytesIterator {
 public:
  explicit BackwardIterator(std::vector<std::unique_ptr<KeyValueBytesIterator>> parts)
      : parts_(std::move(parts)) {
    settle();
  }
  [[nodiscard]] bool valid() const override { return position_ < buffer_.size(); }
  void next() override {
    ++position_;
    settle();
  }
  [[nodiscard]] std::string_view key() const override { return buffer_[position_].first; }
  [[nodiscard]] std::string_view value() const override { return buffer_[position_].second; }

 private:
  void settle() {
    while (position_ >= buffer_.size() && next_ < parts_.size()) {
      buffer_.clear();
      position_ = 0;
      for (auto& it = parts_[next_]; it->valid(); it->next()) {
        buffer_.emplace_back(std::string(it->key()), std::string(it->value()));
      }
      parts_[next_].reset();
      ++next_;
      std::reverse(buffer_.begin(), buffer_.end());
    }
  }

  std::vector<std::unique_ptr<KeyValueBytesIterator>> parts_;
  size_t next_ = 0;
  std::vector<std::pair<std::string, std::string>> buffer_;
  size_t position_ = 0;
};

/// Merges the segments' iterators in the layout's (key, time, extra) order.
class MergeIterator : public KeyValueBytesIterator {
 public:
  MergeIterator(std::vector<std::unique_ptr<KeyValueBytesIterator>> parts, TimeKeyLayout layout)
      : parts_(std::move(parts)), layout_(layout) {
    settle();
  }
  [[nodiscard]] bool valid() const override { return current_ < parts_.size(); }
  void next() override {
    parts_[current_]->next();
    settle();
  }
  [[nodiscard]] std::string_view key() const override { return parts_[current_]->key(); }
  [[nodiscard]] std::string_view value() const override { return parts_[current_]->value(); }

 private:
  void settle() {
    current_ = parts_.size();
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (!parts_[i]->valid()) continue;
      if (current_ == parts_.size() ||
          layout_.compare(parts_[i]->key(), parts_[current_]->key()) < 0) {
        current_ = i;
      }
    }
  }

  std::vector<std::unique_ptr<KeyValueBytesIterator>> parts_;
  TimeKeyLayout layout_;
  size_t current_ = 0;
};

/// The greatest store key of any key at or before `keyTo` (in key order) with a
/// time at or before `timeTo`: a key that is a proper prefix of keyTo sorts
/// before it but its store keys may sort after keyTo's.
std::string upperBound(const TimeKeyLayout& layout, std::string_view keyTo, int64_t timeTo) {
  const std::string suffix = layout.encode("", timeTo, -1);
  std::string best = suffix;
  for (size_t length = 1; length <= keyTo.size(); ++length) {
    std::string candidate = std::string(keyTo.substr(0, length)) + suffix;
    if (candidate > best) best = std::move(candidate);
  }
  return best;
}

}  // namespace

RocksDBSegmentedBytesStore::RocksDBSegmentedBytesStore(std::string name, int64_t retentionMs,
                                                       int64_t segmentIntervalMs,
                                                       TimeKeyLayout layout)
    : name_(std::move(name)),
      retentionMs_(retentionMs),
      segmentIntervalMs_(segmentIntervalMs),
      layout_(layout) {
  if (retentionMs_ < 0) {
    throw StoreException("segmented store " + name_ + ": retention must not be negative, got " +
                         std::to_string(retentionMs_));
  }
  if (segmentIntervalMs_ <= 0) {
    throw StoreException("segmented store " + name_ + ": segment interval must be positive, got " +
                         std::to_string(segmentIntervalMs_));
  }
}

RocksDBSegmentedBytesStore::~RocksDBSegmentedBytesStore() {
  try {
    close();
  } catch (const StoreException&) {
    // Nothing to do in a destructor: the changelog restores what was lost.
  }
}

StoreContext& RocksDBSegmentedBytesStore::context() {
  if (context_ == nullptr) throw StoreException("segmented store " + name_ + " is not open");
  return *context_;
}

int64_t RocksDBSegmentedBytesStore::segmentId(int64_t time) const {
  return floorDiv(time, segmentIntervalMs_);
}

std::string RocksDBSegmentedBytesStore::segmentName(int64_t segmentId) const {
  return name_ + "." + std::to_string(segmentId * segmentIntervalMs_);
}

void RocksDBSegmentedBytesStore::init(StoreContext& context) {
  if (context_ != nullptr) throw StoreException("segmented store " + name_ + " is already open");
  namespace fs = std::filesystem;
  const fs::path directory = fs::path(context.taskDirectory()) / "rocksdb" / name_;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    throw StoreException("segmented store " + name_ + ": cannot create " + directory.string() +
                         ": " + error.message());
  }

  std::vector<int64_t> existing;
  const std::string prefix = name_ + ".";
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix) || !it->is_directory(error)) continue;
    if (file.ends_with(kStagingSuffix) || file.ends_with(kExpiredSuffix)) {
      // Left by a crash while a segment was being prepared or removed.
      RocksDBKeyValueStore::destroy(it->path().string());
      continue;
    }
    const std::string_view digits = std::string_view(file).substr(prefix.size());
    int64_t start = 0;
    const char* const digitsEnd = digits.data() + digits.size();
    const auto [rest, status] = std::from_chars(digits.data(), digitsEnd, start);
    if (status != std::errc() || rest != digitsEnd) continue;
    if (start < 0 || start % segmentIntervalMs_ != 0) {
      throw StoreException("segmented store " + name_ + ": segment " + file +
                           " does not fit the segment interval of " +
                           std::to_string(segmentIntervalMs_) + " ms");
    }
    std::error_code markerError;
    if (fs::exists(it->path() / kPreparedMarker, markerError)) {
      // Opened ahead and never written: not a segment.
      RocksDBKeyValueStore::destroy(it->path().string());
      continue;
    }
    existing.push_back(start / segmentIntervalMs_);
  }
  if (error) {
    throw StoreException("segmented store " + name_ + ": cannot list " + directory.string() + ": " +
                         error.message());
  }

  context_ = &context;
  directory_ = directory.string();
  observedStreamTime_ = kNoStreamTime;
  try {
    std::sort(existing.begin(), existing.end());
    for (const int64_t id : existing) getOrCreateSegment(id, false);
  } catch (const StoreException&) {
    segments_.clear();
    context_ = nullptr;
    throw;
  }
  if (!segments_.empty()) {
    observedStreamTime_ = segments_.rbegin()->first * segmentIntervalMs_;
    dropExpiredSegments();
  }
}

RocksDBSegmentedBytesStore::Segment* RocksDBSegmentedBytesStore::findSegment(int64_t segmentId) {
  const auto it = segments_.find(segmentId);
  return it == segments_.end() ? nullptr : &it->second;
}

RocksDBSegmentedBytesStore::Segment& RocksDBSegmentedBytesStore::getOrCreateSegment(
    int64_t segmentId, bool created) {
  if (Segment* segment = findSegment(segmentId)) return *segment;
  Segment segment;
  if (created) segment.store = takePrepared(segmentId);
  if (!segment.store) {
    segment.store = std::make_unique<RocksDBKeyValueStore>(
        segmentName(segmentId), (std::filesystem::path("rocksdb") / name_).string());
    segment->init(context());
  }
  if (created) segment.keys = std::make_unique<KeyFilter>();
  Segment& added = segments_.emplace(segmentId, std::move(segment)).first->second;
  if (created && segments_.rbegin()->first == segmentId) prepareSegment(segmentId + 1);
  return added;
}

void RocksDBSegmentedBytesStore::prepareSegment(int64_t segmentId) {
  if (prepared_) return;
  const std::filesystem::path directory = std::filesystem::path(directory_) / segmentName(segmentId);
  auto store = std::make_unique<RocksDBKeyValueStore>(
      segmentName(segmentId), (std::filesystem::path("rocksdb") / name_).string());
  StoreContext& storeContext = context();
  prepared_ = Prepared{
      segmentId, std::async(std::launch::async, [directory, &storeContext, store = std::move(store)]() mutable {
        // The directory shows up with its marker in it: made under another
        // name, then renamed.
        namespace fs = std::filesystem;
        const fs::path staging = directory.string() + kStagingSuffix;
        std::error_code error;
        fs::remove_all(staging, error);
        fs::create_directories(staging, error);
        if (!error) std::ofstream(staging / kPreparedMarker).flush();
        if (!error && fs::exists(staging / kPreparedMarker, error)) fs::rename(staging, directory, error);
        if (error || !fs::exists(directory / kPreparedMarker, error)) {
          throw StoreException("cannot create " + (directory / kPreparedMarker).string() +
                               (error ? ": " + error.message() : std::string()));
        }
        store->init(storeContext);
        return std::move(store);
      })};
}

std::unique_ptr<RocksDBKeyValueStore> RocksDBSegmentedBytesStore::takePrepared(int64_t segmentId) {
  if (!prepared_) return nullptr;
  if (prepared_->id != segmentId) {
    // Time moved past it, or this write is older: start afresh.
    if (prepared_->id < segmentId) discardPrepared();
    return nullptr;
  }
  std::future<std::unique_ptr<RocksDBKeyValueStore>> future = std::move(prepared_->store);
  prepared_.reset();
  std::unique_ptr<RocksDBKeyValueStore> store = future.get();  // rethrows a failed open
  std::error_code error;
  std::filesystem::remove(std::filesystem::path(store->path()) / kPreparedMarker, error);
  if (error) {
    store->discard();
    throw StoreException("segmented store " + name_ + ": cannot remove " + kPreparedMarker +
                         " from " + store->path() + ": " + error.message());
  }
  return store;
}

void RocksDBSegmentedBytesStore::discardPrepared() {
  if (!prepared_) return;
  std::future<std::unique_ptr<RocksDBKeyValueStore>> future = std::move(prepared_->store);
  const std::string directory = (std::filesystem::path(directory_) / segmentName(prepared_->id)).string();
  prepared_.reset();
  try {
    future.get()->discard();
  } catch (const std::exception&) {
    // A failed open leaves at most a directory, removed below.
  }
  RocksDBKeyValueStore::destroy(directory);
}

void RocksDBSegmentedBytesStore::waitForBackgroundWork() {
  if (prepared_) prepared_->store.wait();
  waitForDiscarding(true);
}

void RocksDBSegmentedBytesStore::waitForDiscarding(bool all) {
  std::erase_if(discarding_, [all](std::future<void>& done) {
    if (!all && done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    done.get();
    return true;
  });
}

void RocksDBSegmentedBytesStore::dropExpiredSegments() {
  const int64_t minLiveSegment = segmentId(expiryBoundary());
  while (!segments_.empty() && segments_.begin()->first < minLiveSegment) {
    Segment segment = std::move(segments_.begin()->second);
    segments_.erase(segments_.begin());
    waitForDiscarding(false);
    if (discarding_.size() >= kMaxDiscarding) {
      // The disk is behind: wait for the oldest removal rather than pile up threads.
      discarding_.front().get();
      discarding_.erase(discarding_.begin());
    }
    // Renamed at once, so that it is no segment from now on (a crash leaves a
    // directory the next open removes); closed and removed on another thread.
    const std::string path = segment->path();
    const std::string expired = path + kExpiredSuffix;
    std::error_code error;
    std::filesystem::rename(path, expired, error);
    if (error) {
      segment->discard();
      continue;
    }
    discarding_.push_back(std::async(std::launch::async, [store = std::move(segment.store), expired] {
      try {
        store->closeWithoutFlush();
      } catch (const std::exception&) {
        // Its contents are not wanted.
      }
      std::error_code ignored;
      std::filesystem::remove_all(expired, ignored);  // else removed by the next open
    }));
  }
  if (prepared_ && prepared_->id < minLiveSegment) discardPrepared();
}

bool RocksDBSegmentedBytesStore::observe(int64_t time) {
  context();
  if (time > observedStreamTime_) {
    observedStreamTime_ = time;
    dropExpiredSegments();
  }
  return time > expiryBoundary();
}

int64_t RocksDBSegmentedBytesStore::liveFrom(int64_t time) const {
  const int64_t boundary = expiryBoundary();
  const int64_t firstLive = boundary == kMaxTime ? kMaxTime : boundary + 1;
  return std::max({time, firstLive, int64_t{0}});
}

std::vector<RocksDBKeyValueStore*> RocksDBSegmentedBytesStore::segmentsFor(int64_t timeFrom,
                                                                          int64_t timeTo) {
  context();
  std::vector<RocksDBKeyValueStore*> out;
  const auto end = segments_.upper_bound(segmentId(timeTo));
  for (auto it = segments_.lower_bound(segmentId(timeFrom)); it != end; ++it) {
    out.push_back(it->second.store.get());
  }
  return out;
}

void RocksDBSegmentedBytesStore::put(std::string_view storeKey,
                                     std::optional<std::string_view> value) {
  const int64_t id = segmentId(layout_.time(storeKey));
  if (value) {
    Segment& segment = getOrCreateSegment(id);
    segment->put(storeKey, value);
    segment.add(storeKey, layout_);
  } else if (Segment* segment = findSegment(id)) {
    (*segment)->put(storeKey, std::nullopt);
  }
}

std::optional<std::string> RocksDBSegmentedBytesStore::get(std::string_view storeKey) {
  context();
  const int64_t time = layout_.time(storeKey);
  if (time <= expiryBoundary()) return std::nullopt;
  const Segment* segment = findSegment(segmentId(time));
  if (segment == nullptr || !segment->mayContain(KeyFilter::hash(storeKey))) {
    return std::nullopt;
  }
  return (*segment)->get(storeKey);
}

std::unique_ptr<KeyValueBytesIterator> RocksDBSegmentedBytesStore::fetch(std::string_view key,
                                                                         int64_t timeFrom,
                                                                         int64_t timeTo,
                                                                         bool forward,
                                                                         const Filter& accept) {
  context();
  const int64_t from = liveFrom(timeFrom);
  std::vector<std::unique_ptr<KeyValueBytesIterator>> parts;
  if (from <= timeTo) {
    layout_.encodeInto(lowerBuf_, key, from, 0);
    layout_.encodeInto(upperBuf_, key, timeTo, -1);
    const uint64_t keyHash = KeyFilter::hash(key);
    const auto end = segments_.upper_bound(segmentId(timeTo));
    for (auto it = segments_.lower_bound(segmentId(from)); it != end; ++it) {
      if (it->second.mayContain(keyHash)) parts.push_back(it->second->range(lowerBuf_, upperBuf_));
    }
  }
  const size_t storeKeyBytes = key.size() + layout_.suffixBytes();
  if (forward) return std::make_unique<KeyFetchIterator>(std::move(parts), storeKeyBytes, accept);
  const Filter sameKey = [storeKeyBytes, accept](std::string_view storeKey) {
    return storeKey.size() == storeKeyBytes && (!accept || accept(storeKey));
  };
  for (auto& part : parts) part = std::make_unique<FilteredIterator>(std::move(part), sameKey);
  std::reverse(parts.begin(), parts.end());
  return std::make_unique<BackwardIterator>(std::move(parts));
}

std::unique_ptr<KeyValueBytesIterator> RocksDBSegmentedBytesStore::fetchRange(
    std::optional<std::string_view> keyFrom, std::optional<std::string_view> keyTo,
    int64_t timeFrom, int64_t timeTo) {
  const int64_t from = liveFrom(timeFrom);
  std::vector<std::unique_ptr<KeyValueBytesIterator>> parts;
  if (from <= timeTo && !(keyFrom && keyTo && *keyFrom > *keyTo)) {
    std::optional<std::string> lower;
    std::optional<std::string> upper;
    if (keyFrom) lower = std::string(*keyFrom) + std::string(layout_.suffixBytes(), '\0');
    if (keyTo) upper = upperBound(layout_, *keyTo, timeTo);
    const std::optional<std::string> first =
        keyFrom ? std::optional<std::string>(*keyFrom) : std::nullopt;
    const std::optional<std::string> last =
        keyTo ? std::optional<std::string>(*keyTo) : std::nullopt;
    const TimeKeyLayout layout = layout_;
    const Filter inRange = [layout, first, last, from, timeTo](std::string_view storeKey) {
      const std::string_view key = layout.key(storeKey);
      const int64_t time = layout.time(storeKey);
      return (!first || key >= *first) && (!last || key <= *last) && time >= from &&
             time <= timeTo;
    };
    for (RocksDBKeyValueStore* segment : segmentsFor(from, timeTo)) {
      parts.push_back(std::make_unique<FilteredIterator>(segment->range(lower, upper), inRange));
    }
  }
  return std::make_unique<MergeIterator>(std::move(parts), layout_);
}

void RocksDBSegmentedBytesStore::flush() {
  context();
  for (auto& [id, segment] : segments_) segment->flush();
}

void RocksDBSegmentedBytesStore::close() {
  std::vector<std::string> failures;
  waitForDiscarding(true);
  try {
    discardPrepared();
  } catch (const StoreException& e) {
    failures.emplace_back(e.what());
  }
  for (auto& [id, segment] : segments_) {
    try {
      segment->close();
    } catch (const StoreException& e) {
      failures.emplace_back(e.what());
    }
  }
  segments_.clear();
  context_ = nullptr;
  observedStreamTime_ = kNoStreamTime;
  if (!failures.empty()) throw StoreException(failures.front());
}

void RocksDBSegmentedBytesStore::restoreBatch(const std::vector<RestoreRecord>& records) {
  context();
  std::map<int64_t, std::vector<RestoreRecord>> batches;
  for (const auto& record : records) {
    const int64_t time = layout_.time(record.key);
    if (time < 0) {
      throw StoreException("segmented store " + name_ + ": restored record has negative time " +
                           std::to_string(time));
    }
    const bool live = observe(time);
    // Batches of segments that observe() just dropped go with them.
    batches.erase(batches.begin(), batches.lower_bound(segmentId(expiryBoundary())));
    if (live) batches[segmentId(time)].push_back(record);
  }
  for (auto& [id, batch] : batches) {
    Segment* segment = findSegment(id);
    if (segment == nullptr) {
      const bool anyPut = std::any_of(batch.begin(), batch.end(),
                                      [](const RestoreRecord& r) { return r.value.has_value(); });
      if (!anyPut) continue;
      segment = &getOrCreateSegment(id);
    }
    (*segment)->restoreBatch(batch);
    for (const RestoreRecord& record : batch) {
      if (record.value) segment->add(record.key, layout_);
    }
  }
}

uint64_t RocksDBSegmentedBytesStore::persistedVersion() {
  context();
  if (segments_.empty()) return 0;
  uint64_t hash = 0;
  for (auto& [id, segment] : segments_) {
    hash = mix(hash ^ mix(static_cast<uint64_t>(id)));
    hash = mix(hash ^ segment->persistedVersion());
  }
  return hash;
}

std::vector<int64_t> RocksDBSegmentedBytesStore::segmentIds() const {
  std::vector<int64_t> out;
  out.reserve(segments_.size());
  for (const auto& [id, segment] : segments_) out.push_back(id);
  return out;
}

}  // namespace kstreams::internal
