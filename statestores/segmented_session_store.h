// Kafka Streams' RocksDBSessionStore / InMemorySessionStore logic over a
// SegmentedBytesStore: the bottom of a session store stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "statestores/segmented_bytes_store.h"
#include "statestores/window_bytes_store.h"

namespace kstreams::internal {

/// Store keys are SessionKeyCodec's (key, session end, session start), so
/// segments and retention go by the session end. The observed stream time is
/// the highest session end written, removed or restored; a session with end <=
/// observed stream time - retention is expired: writes to it are ignored and
/// reads never return it. Sessions need 0 <= start <= end (StoreException).
class SegmentedSessionStore : public SessionBytesStore {
 public:
  explicit SegmentedSessionStore(std::unique_ptr<SegmentedBytesStore> bytes);

  [[nodiscard]] const std::string& name() const override { return bytes_->name(); }
  void init(StoreContext& context) override { bytes_->init(context); }
  [[nodiscard]] bool persistent() const override { return bytes_->persistent(); }
  [[nodiscard]] int64_t retentionMs() const override { return bytes_->retentionMs(); }
  [[nodiscard]] int64_t observedStreamTime() const { return bytes_->observedStreamTime(); }

  void put(std::string_view key, int64_t sessionStart, int64_t sessionEnd,
           std::optional<std::string_view> value) override;
  [[nodiscard]] std::optional<std::string> fetchSession(std::string_view key, int64_t sessionStart,
                                                        int64_t sessionEnd) override;
  std::unique_ptr<SessionBytesIterator> findSessions(std::string_view key,
                                                     int64_t earliestSessionEndTime,
                                                     int64_t latestSessionStartTime) override;
  std::unique_ptr<SessionBytesIterator> fetch(std::string_view key) override;
  std::unique_ptr<SessionBytesIterator> all() override;

  void flush() override { bytes_->flush(); }
  void close() override { bytes_->close(); }
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    bytes_->restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override { return bytes_->persistedVersion(); }

 protected:
  [[nodiscard]] SegmentedBytesStore& bytes() { return *bytes_; }

 private:
  std::unique_ptr<SegmentedBytesStore> bytes_;
};

/// Decodes an iterator over SessionKeyCodec store keys.
class SessionStoreKeyIterator : public SessionBytesIterator {
 public:
  explicit SessionStoreKeyIterator(std::unique_ptr<KeyValueBytesIterator> inner)
      : inner_(std::move(inner)) {}
  [[nodiscard]] bool valid() const override { return inner_->valid(); }
  void next() override { inner_->next(); }
  [[nodiscard]] std::string_view key() const override;
  [[nodiscard]] int64_t sessionStart() const override;
  [[nodiscard]] int64_t sessionEnd() const override;
  [[nodiscard]] std::string_view value() const override { return inner_->value(); }

 private:
  std::unique_ptr<KeyValueBytesIterator> inner_;
};

}  // namespace kstreams::internal
