// Kafka Streams' ChangeLoggingSessionBytesStore.
#pragma once

#include <memory>
#include <string>

#include "statestores/window_bytes_store.h"

namespace kstreams::internal {

/// Every put() goes to the inner store, then to the changelog: key
/// SessionKeyCodec::toStoreKey(key, start, end), the value (nullopt: a
/// tombstone), the context's current timestamp. Logged whether or not the
/// inner store kept it, as Kafka Streams does.
class ChangeLoggingSessionStore : public SessionBytesStore {
 public:
  explicit ChangeLoggingSessionStore(std::unique_ptr<SessionBytesStore> inner);

  [[nodiscard]] const std::string& name() const override { return inner_->name(); }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return inner_->persistent(); }
  [[nodiscard]] int64_t retentionMs() const override { return inner_->retentionMs(); }

  void put(std::string_view key, int64_t sessionStart, int64_t sessionEnd,
           std::optional<std::string_view> value) override;
  [[nodiscard]] std::optional<std::string> fetchSession(std::string_view key, int64_t sessionStart,
                                                        int64_t sessionEnd) override {
    return inner_->fetchSession(key, sessionStart, sessionEnd);
  }
  std::unique_ptr<SessionBytesIterator> findSessions(std::string_view key,
                                                     int64_t earliestSessionEndTime,
                                                     int64_t latestSessionStartTime) override {
    return inner_->findSessions(key, earliestSessionEndTime, latestSessionStartTime);
  }
  std::unique_ptr<SessionBytesIterator> fetch(std::string_view key) override {
    return inner_->fetch(key);
  }
  std::unique_ptr<SessionBytesIterator> all() override { return inner_->all(); }

  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  /// Restored records come from the changelog: not logged again.
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    inner_->restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override { return inner_->persistedVersion(); }

 private:
  StoreContext& context();

  std::unique_ptr<SessionBytesStore> inner_;
  StoreContext* context_ = nullptr;
};

}  // namespace kstreams::internal
