// What a store sees of the task that owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kstreams/record.h"

namespace kstreams::internal {

class RocksDBResources;

class StoreContext {
 public:
  virtual ~StoreContext() = default;
  /// `<state.dir>/<application.id>/<task id>`; exists and is locked by the task.
  [[nodiscard]] virtual const std::string& taskDirectory() const = 0;
  [[nodiscard]] virtual const std::string& applicationId() const = 0;
  [[nodiscard]] virtual int32_t partition() const = 0;
  /// Shared block cache and write-buffer manager of the client; may be null (tests).
  [[nodiscard]] virtual RocksDBResources* rocksdbResources() = 0;
  /// Writes one change of store `storeName` to its changelog partition (the
  /// change-logging layer calls this). A null value is a tombstone.
  virtual void logChange(const std::string& storeName, std::string_view key,
                         std::optional<std::string_view> value, int64_t timestamp) = 0;
  /// The timestamp of the record being processed (changelog records carry it).
  [[nodiscard]] virtual int64_t currentTimestamp() const = 0;
  /// The caching layer sets the timestamp of a cached entry while it flushes it,
  /// so that the layers below (change-logging) see the entry's own timestamp.
  virtual void setCurrentTimestamp(int64_t timestamp) = 0;
  /// Headers of the record being processed (nullptr: none). The caching layer
  /// keeps them with an entry and sets them back while it flushes it, so that
  /// what it forwards carries the headers of the record that last wrote the key.
  [[nodiscard]] virtual const Headers* currentHeaders() const { return nullptr; }
  virtual void setCurrentHeaders(const Headers* /*headers*/) {}
};

}  // namespace kstreams::internal
