// Key-value stores over bytes: the bottom of every store stack. Layers (caching,
// change-logging) wrap a KeyValueBytesStore and are one themselves; the typed,
// metered layer on top lives in the public API (templates), which is why this
// interface is declared here. Implementations live in statestores/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kstreams::internal {
class StoreContext;
}  // namespace kstreams::internal

namespace kstreams::detail {

using internal::StoreContext;

/// Iterates key-value pairs in ascending byte order of the keys. The views stay
/// valid until the next call to next() or the iterator's destruction.
class KeyValueBytesIterator {
 public:
  virtual ~KeyValueBytesIterator() = default;
  [[nodiscard]] virtual bool valid() const = 0;
  virtual void next() = 0;
  [[nodiscard]] virtual std::string_view key() const = 0;
  [[nodiscard]] virtual std::string_view value() const = 0;
};

/// One changelog record to apply while restoring: a null value deletes the key.
/// (For timestamped stores the task has already put the 8-byte timestamp in front
/// of the value, so bytes stores need not know the difference.) The bytes are
/// valid during the restoreBatch() call only: a store that keeps them copies them.
struct RestoreRecord {
  std::string_view key;
  std::optional<std::string_view> value;
};

class KeyValueBytesStore {
 public:
  virtual ~KeyValueBytesStore() = default;

  [[nodiscard]] virtual const std::string& name() const = 0;
  /// Opens the store (files under context.stateDir() for persistent stores).
  virtual void init(StoreContext& context) = 0;
  [[nodiscard]] virtual bool persistent() const = 0;

  /// The value of `key`, or nullopt.
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view key) = 0;
  /// Like get(), into `out` (whose memory is reused); false, with `out`
  /// unspecified, when the key has no value. Layers pass it down.
  virtual bool getInto(std::string_view key, std::string& out) {
    std::optional<std::string> value = get(key);
    if (!value) return false;
    out = std::move(*value);
    return true;
  }
  /// Writes `value` for `key`; nullopt deletes the key.
  virtual void put(std::string_view key, std::optional<std::string_view> value) = 0;
  /// Writes only when the key has no value; returns the existing value if any.
  virtual std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) = 0;
  /// Deletes the key; returns the old value.
  virtual std::optional<std::string> remove(std::string_view key) = 0;
  /// Keys from `from` to `to`, both inclusive; an empty optional is unbounded.
  virtual std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                                       std::optional<std::string_view> to) = 0;
  virtual std::unique_ptr<KeyValueBytesIterator> all() { return range(std::nullopt, std::nullopt); }
  /// Keys starting with `prefix`.
  virtual std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) = 0;
  [[nodiscard]] virtual uint64_t approximateNumEntries() = 0;

  /// Makes every write so far durable in this layer and the layers below
  /// (the caching layer forwards its dirty entries here).
  virtual void flush() = 0;
  virtual void close() = 0;

  /// Applies changelog records directly to the innermost store (no logging, no
  /// caching), in one batch. Layers pass it down.
  virtual void restoreBatch(const std::vector<RestoreRecord>& records) = 0;
  /// A number that changes with every write to the persistent bytes, used to
  /// tell whether the files on disk match the checkpoint (RocksDB's sequence
  /// number); 0 for in-memory stores. Layers pass it down.
  [[nodiscard]] virtual uint64_t persistedVersion() = 0;
};

}  // namespace kstreams::detail
