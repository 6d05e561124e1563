// Fakes for testing one store layer at a time.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "statestores/key_value_bytes_store.h"
#include "statestores/store_context.h"
#include "statestores/vector_key_value_iterator.h"

namespace kstreams::internal::testing {

/// A fresh directory under the test temp dir, removed with everything in it.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "kstreams-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct LoggedChange {
  std::string store;
  std::string key;
  std::optional<std::string> value;
  int64_t timestamp = 0;

  bool operator==(const LoggedChange&) const = default;
};

inline void PrintTo(const LoggedChange& c, std::ostream* os) {
  *os << "{" << c.store << ", " << c.key << ", " << (c.value ? *c.value : "<tombstone>") << ", "
      << c.timestamp << "}";
}

/// Records logChange calls; the timestamp is settable.
class FakeStoreContext : public StoreContext {
 public:
  explicit FakeStoreContext(std::string taskDirectory, RocksDBResources* resources = nullptr)
      : taskDirectory_(std::move(taskDirectory)), resources_(resources) {}

  [[nodiscard]] const std::string& taskDirectory() const override { return taskDirectory_; }
  [[nodiscard]] const std::string& applicationId() const override { return applicationId_; }
  [[nodiscard]] int32_t partition() const override { return 0; }
  [[nodiscard]] RocksDBResources* rocksdbResources() override { return resources_; }
  void logChange(const std::string& storeName, std::string_view key,
                 std::optional<std::string_view> value, int64_t timestamp) override {
    logged.push_back({storeName, std::string(key),
                      value ? std::optional<std::string>(*value) : std::nullopt, timestamp});
  }
  [[nodiscard]] int64_t currentTimestamp() const override { return timestamp; }
  void setCurrentTimestamp(int64_t ts) override {
    timestampSets.push_back(ts);
    timestamp = ts;
  }

  int64_t timestamp = 0;
  std::vector<int64_t> timestampSets;
  std::vector<LoggedChange> logged;

 private:
  std::string taskDirectory_;
  std::string applicationId_ = "test-app";
  RocksDBResources* resources_;
};

/// A call that reached the recording store.
struct StoreCall {
  std::string op;  // "put", "putIfAbsent", "remove", "flush", "close", "restoreBatch"
  std::string key;
  std::optional<std::string> value;
  int64_t contextTimestamp = 0;  // the context's timestamp during the call

  bool operator==(const StoreCall&) const = default;
};

inline void PrintTo(const StoreCall& c, std::ostream* os) {
  *os << "{" << c.op << ", " << c.key << ", " << (c.value ? *c.value : "<null>") << ", "
      << c.contextTimestamp << "}";
}

/// An inner store over std::map that records every write-side call (gets are
/// counted only).
class RecordingKeyValueStore : public KeyValueBytesStore {
 public:
  explicit RecordingKeyValueStore(std::string name = "store") : name_(std::move(name)) {}

  [[nodiscard]] const std::string& name() const override { return name_; }
  void init(StoreContext& context) override {
    context_ = &context;
    ++inits;
  }
  [[nodiscard]] bool persistent() const override { return true; }

  [[nodiscard]] std::optional<std::string> get(std::string_view key) override {
    ++gets;
    const auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    record("put", key, value);
    apply(key, value);
  }
  std::optional<std::string> putIfAbsent(std::string_view key, std::string_view value) override {
    record("putIfAbsent", key, value);
    const auto it = data.find(std::string(key));
    if (it != data.end()) return it->second;
    apply(key, value);
    return std::nullopt;
  }
  std::optional<std::string> remove(std::string_view key) override {
    record("remove", key, std::nullopt);
    const auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    std::string old = std::move(it->second);
    data.erase(it);
    return old;
  }
  std::unique_ptr<KeyValueBytesIterator> range(std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : data) {
      if ((!from || k >= *from) && (!to || k <= *to)) out.emplace_back(k, v);
    }
    return std::make_unique<VectorKeyValueIterator>(std::move(out));
  }
  std::unique_ptr<KeyValueBytesIterator> prefixScan(std::string_view prefix) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : data) {
      if (k.starts_with(prefix)) out.emplace_back(k, v);
    }
    return std::make_unique<VectorKeyValueIterator>(std::move(out));
  }
  [[nodiscard]] uint64_t approximateNumEntries() override { return data.size(); }
  void flush() override { record("flush", "", std::nullopt); }
  void close() override { record("close", "", std::nullopt); }
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    for (const auto& r : records) {
      record("restoreBatch", r.key, r.value);
      apply(r.key, r.value);
    }
  }
  [[nodiscard]] uint64_t persistedVersion() override { return version; }

  /// The write calls only, without flush/close.
  [[nodiscard]] std::vector<StoreCall> writes() const {
    std::vector<StoreCall> out;
    for (const auto& c : calls) {
      if (c.op != "flush" && c.op != "close") out.push_back(c);
    }
    return out;
  }

  std::map<std::string, std::string> data;
  std::vector<StoreCall> calls;
  int gets = 0;
  int inits = 0;
  uint64_t version = 0;

 private:
  void record(const std::string& op, std::string_view key, std::optional<std::string_view> value) {
    calls.push_back({op, std::string(key),
                     value ? std::optional<std::string>(*value) : std::nullopt,
                     context_ != nullptr ? context_->currentTimestamp() : -1});
  }
  void apply(std::string_view key, std::optional<std::string_view> value) {
    ++version;
    if (value) {
      data[std::string(key)] = std::string(*value);
    } else {
      data.erase(std::string(key));
    }
  }

  std::string name_;
  StoreContext* context_ = nullptr;
};

/// Drains an iterator into (key, value) pairs.
inline std::vector<std::pair<std::string, std::string>> drain(
    std::unique_ptr<KeyValueBytesIterator> it) {
  std::vector<std::pair<std::string, std::string>> out;
  for (; it->valid(); it->next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  return out;
}

using KV = std::pair<std::string, std::string>;

}  // namespace kstreams::internal::testing
