// Kafka Streams' ChangeLoggingWindowBytesStore.
#pragma once

#include <memory>
#include <string>

#include "statestores/window_bytes_store.h"

namespace kstreams::internal {

/// Every put() goes to the inner store, then to the store's changelog via
/// StoreContext::logChange: key WindowKeyCodec::toStoreKey(key, windowStart,
/// seqnum), the value (nullopt: a tombstone), the context's current timestamp.
/// The sequence number is the one the inner store gave the record (its
/// lastPutSequenceNumber(); 0 over an inner store that is not a
/// SequencedWindowBytesStore). A put the inner store ignored (expired window,
/// delete in a store that retains duplicates) is not logged: restoring it would
/// ignore it again. Reads, flush, close and restore go straight down.
class ChangeLoggingWindowStore : public SequencedWindowBytesStore {
 public:
  explicit ChangeLoggingWindowStore(std::unique_ptr<WindowBytesStore> inner);

  [[nodiscard]] const std::string& name() const override { return inner_->name(); }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return inner_->persistent(); }
  [[nodiscard]] int64_t retentionMs() const override { return inner_->retentionMs(); }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t windowStart) override;
  [[nodiscard]] std::optional<int32_t> lastPutSequenceNumber() const override {
    return lastPutSeqnum_;
  }
  [[nodiscard]] std::optional<std::string> fetch(std::string_view key,
                                                 int64_t windowStart) override {
    return inner_->fetch(key, windowStart);
  }
  std::unique_ptr<WindowBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                             int64_t timeTo) override {
    return inner_->fetch(key, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> backwardFetch(std::string_view key, int64_t timeFrom,
                                                     int64_t timeTo) override {
    return inner_->backwardFetch(key, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                  std::optional<std::string_view> keyTo,
                                                  int64_t timeFrom, int64_t timeTo) override {
    return inner_->fetchRange(keyFrom, keyTo, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> fetchAll(int64_t timeFrom, int64_t timeTo) override {
    return inner_->fetchAll(timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> all() override { return inner_->all(); }

  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  /// Restored records come from the changelog: not logged again.
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    inner_->restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override { return inner_->persistedVersion(); }

 private:
  StoreContext& context();

  std::unique_ptr<WindowBytesStore> inner_;
  SequencedWindowBytesStore* sequenced_;  // inner_ when it is one, else null
  StoreContext* context_ = nullptr;
  std::optional<int32_t> lastPutSeqnum_;
  std::string logKeyBuf_;  // put()'s changelog key, reused
};

}  // namespace kstreams::internal
