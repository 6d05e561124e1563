// Kafka Streams' InMemoryKeyValueStore: an ordered map of bytes.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

/// Not persistent: after a restart it is rebuilt from its changelog.
/// Iterators read a snapshot of their range taken when they are created, so they
/// stay valid whatever the store does afterwards.
class InMemoryKeyValueStore : public KeyValueBytesStore {
 public:
  explicit InMemoryKeyValueStore(std::string name);

  [[nodiscard]] const std::string& name() const override { return name_; }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return false; }

  [[nodiscard]] std::optional<std::string> get(std::string_view key) override;
  bool getInto(std::string_view key, std::string& out) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override;
  std::optional<std::string> remove(std::string_view key) override;
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override;
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override;
  [[nodiscard]] uint64_t approximateNumEntries() override { return map_.size(); }

  void flush() override {}
  /// Drops the contents, as Kafka Streams does.
  void close() override;

  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  [[nodiscard]] uint64_t persistedVersion() override { return 0; }

 private:
  std::string name_;
  std::map<std::string, std::string, std::less<>> map_;
};

}  // namespace kstreams::internal
