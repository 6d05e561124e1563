// Kafka Streams' ChangeLoggingKeyValueBytesStore and its timestamped variant.
#pragma once

#include <memory>
#include <string>

#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

/// Every write that changes the inner store is sent to the store's changelog via
/// StoreContext::logChange, after the inner write succeeded. Deletes log a
/// tombstone (always, as Kafka Streams does, even for a key that was absent).
///
/// Plain: the value as written, with the context's current timestamp.
/// Timestamped: the inner values are Kafka Streams' ValueAndTimestamp bytes (an
/// 8-byte big-endian timestamp, then the raw value); the changelog record gets the
/// raw value and that timestamp, so the topic reads as Kafka Streams writes it.
/// Tombstones carry the context's current timestamp.
class ChangeLoggingKeyValueStore : public KeyValueBytesStore {
 public:
  ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueBytesStore> inner, bool timestamped);

  [[nodiscard]] const std::string& name() const override { return inner_->name(); }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return inner_->persistent(); }

  [[nodiscard]] std::optional<std::string> get(std::string_view key) override {
    return inner_->get(key);
  }
  bool getInto(std::string_view key, std::string& out) override { return inner_->getInto(key, out); }
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override;
  std::optional<std::string> remove(std::string_view key) override;
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override {
    return inner_->range(from, to);
  }
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override {
    return inner_->prefixScan(prefix);
  }
  [[nodiscard]] uint64_t approximateNumEntries() override {
    return inner_->approximateNumEntries();
  }

  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }

  /// Restored records come from the changelog: not logged again.
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    inner_->restoreBatch(records);
  }
  [[nodiscard]] uint64_t persistedVersion() override { return inner_->persistedVersion(); }

 private:
  void log(StoreContext& ctx, std::string_view key, std::optional<std::string_view> value);
  StoreContext& context();

  std::unique_ptr<KeyValueBytesStore> inner_;
  bool timestamped_;
  StoreContext* context_ = nullptr;
};

}  // namespace kstreams::internal
