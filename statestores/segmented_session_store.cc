#include "statestores/segmented_session_store.h"

#include <limits>
#include <utility>

#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"

namespace kstreams::internal {

namespace {
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
}  // namespace

std::string_view SessionStoreKeyIterator::key() const {
  return SessionKeyCodec::extractKey(inner_->key());
}

int64_t SessionStoreKeyIterator::sessionStart() const {
  return SessionKeyCodec::extractStartTimestamp(inner_->key());
}

int64_t SessionStoreKeyIterator::sessionEnd() const {
  return SessionKeyCodec::extractEndTimestamp(inner_->key());
}

SegmentedSessionStore::SegmentedSessionStore(std::unique_ptr<SegmentedBytesStore> bytes)
    : bytes_(std::move(bytes)) {
  if (!bytes_) throw StoreException("session store needs a segmented bytes store");
}

void SegmentedSessionStore::put(std::string_view key, int64_t sessionStart, int64_t sessionEnd,
                                std::optional<std::string_view> value) {
  if (sessionStart < 0 || sessionEnd < sessionStart) {
    throw StoreException("session store " + name() + ": invalid session [" +
                         std::to_string(sessionStart) + ", " + std::to_string(sessionEnd) + "]");
  }
  if (!bytes_->observe(sessionEnd)) return;  // expired session
  bytes_->put(SessionKeyCodec::toStoreKey(key, sessionStart, sessionEnd), value);
}

std::optional<std::string> SegmentedSessionStore::fetchSession(std::string_view key,
                                                               int64_t sessionStart,
                                                               int64_t sessionEnd) {
  if (sessionStart < 0 || sessionEnd < sessionStart) return std::nullopt;
  return bytes_->get(SessionKeyCodec::toStoreKey(key, sessionStart, sessionEnd));
}

std::unique_ptr<SessionBytesIterator> SegmentedSessionStore::findSessions(
    std::string_view key, int64_t earliestSessionEndTime, int64_t latestSessionStartTime) {
  SegmentedBytesStore::Filter startsInTime = [latestSessionStartTime](std::string_view storeKey) {
    return SessionKeyCodec::extractStartTimestamp(storeKey) <= latestSessionStartTime;
  };
  return std::make_unique<SessionStoreKeyIterator>(
      bytes_->fetch(key, earliestSessionEndTime, kMaxTime, true, startsInTime));
}

std::unique_ptr<SessionBytesIterator> SegmentedSessionStore::fetch(std::string_view key) {
  return std::make_unique<SessionStoreKeyIterator>(bytes_->fetch(key, 0, kMaxTime, true, {}));
}

std::unique_ptr<SessionBytesIterator> SegmentedSessionStore::all() {
  return std::make_unique<SessionStoreKeyIterator>(
      bytes_->fetchRange(std::nullopt, std::nullopt, 0, kMaxTime));
}

}  // namespace kstreams::internal
