// Fakes and helpers for testing the window and session store layers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "statestores/rocksdb_segmented_bytes_store.h"
#include "statestores/window_bytes_store.h"
#include "store_test_support.h"

namespace kstreams::internal::testing {

/// Bytes from a list of byte values (hand-made store keys).
inline std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

struct Window {
  std::string key;
  int64_t start = 0;
  std::string value;

  bool operator==(const Window&) const = default;
};

inline void PrintTo(const Window& w, std::ostream* os) {
  *os << "{" << ::testing::PrintToString(w.key) << ", " << w.start << ", "
      << ::testing::PrintToString(w.value) << "}";
}

inline std::vector<Window> drainWindows(std::unique_ptr<WindowBytesIterator> it) {
  std::vector<Window> out;
  for (; it->valid(); it->next()) {
    out.push_back({std::string(it->key()), it->windowStart(), std::string(it->value())});
  }
  return out;
}

struct Session {
  std::string key;
  int64_t start = 0;
  int64_t end = 0;
  std::string value;

  bool operator==(const Session&) const = default;
};

inline void PrintTo(const Session& s, std::ostream* os) {
  *os << "{" << ::testing::PrintToString(s.key) << ", [" << s.start << ", " << s.end << "], "
      << ::testing::PrintToString(s.value) << "}";
}

inline std::vector<Session> drainSessions(std::unique_ptr<SessionBytesIterator> it) {
  std::vector<Session> out;
  for (; it->valid(); it->next()) {
    out.push_back({std::string(it->key()), it->sessionStart(), it->sessionEnd(),
                   std::string(it->value())});
  }
  return out;
}

class VectorWindowIterator : public WindowBytesIterator {
 public:
  explicit VectorWindowIterator(std::vector<Window> windows) : windows_(std::move(windows)) {}
  [[nodiscard]] bool valid() const override { return position_ < windows_.size(); }
  void next() override { ++position_; }
  [[nodiscard]] std::string_view key() const override { return windows_.at(position_).key; }
  [[nodiscard]] int64_t windowStart() const override { return windows_.at(position_).start; }
  [[nodiscard]] std::string_view value() const override { return windows_.at(position_).value; }

 private:
  std::vector<Window> windows_;
  size_t position_ = 0;
};

class VectorSessionIterator : public SessionBytesIterator {
 public:
  explicit VectorSessionIterator(std::vector<Session> sessions)
      : sessions_(std::move(sessions)) {}
  [[nodiscard]] bool valid() const override { return position_ < sessions_.size(); }
  void next() override { ++position_; }
  [[nodiscard]] std::string_view key() const override { return sessions_.at(position_).key; }
  [[nodiscard]] int64_t sessionStart() const override { return sessions_.at(position_).start; }
  [[nodiscard]] int64_t sessionEnd() const override { return sessions_.at(position_).end; }
  [[nodiscard]] std::string_view value() const override { return sessions_.at(position_).value; }

 private:
  std::vector<Session> sessions_;
  size_t position_ = 0;
};

/// A write-side call that reached a recording window or session store.
struct WindowCall {
  std::string op;  // "put", "flush", "close", "restoreBatch"
  std::string key;
  std::optional<std::string> value;
  int64_t start = 0;  // window start, or session start
  int64_t end = 0;    // session end (0 for windows)

  bool operator==(const WindowCall&) const = default;
};

inline void PrintTo(const WindowCall& c, std::ostream* os) {
  *os << "{" << c.op << ", " << ::testing::PrintToString(c.key) << ", "
      << (c.value ? ::testing::PrintToString(*c.value) : "<null>") << ", " << c.start << ", "
      << c.end << "}";
}

/// An inner window store over std::map that records writes. It reports
/// `reportedSeqnum` as the sequence number of every put (nullopt: "ignored").
class RecordingWindowStore : public SequencedWindowBytesStore {
 public:
  explicit RecordingWindowStore(std::string name = "windows") : name_(std::move(name)) {}

  [[nodiscard]] const std::string& name() const override { return name_; }
  void init(StoreContext& /*context*/) override { ++inits; }
  [[nodiscard]] bool persistent() const override { return true; }
  [[nodiscard]] int64_t retentionMs() const override { return 1000; }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t windowStart) override {
    calls.push_back({"put", std::string(key),
                     value ? std::optional<std::string>(*value) : std::nullopt, windowStart, 0});
    if (value) {
      data[{std::string(key), windowStart}] = std::string(*value);
    } else {
      data.erase({std::string(key), windowStart});
    }
  }
  [[nodiscard]] std::optional<int32_t> lastPutSequenceNumber() const override {
    return reportedSeqnum;
  }
  [[nodiscard]] std::optional<std::string> fetch(std::string_view key,
                                                 int64_t windowStart) override {
    const auto it = data.find({std::string(key), windowStart});
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  std::unique_ptr<WindowBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                             int64_t timeTo) override {
    return fetchRange(key, key, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> backwardFetch(std::string_view key, int64_t timeFrom,
                                                     int64_t timeTo) override {
    std::vector<Window> out = select(key, key, timeFrom, timeTo);
    std::reverse(out.begin(), out.end());
    return std::make_unique<VectorWindowIterator>(std::move(out));
  }
  std::unique_ptr<WindowBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                  std::optional<std::string_view> keyTo,
                                                  int64_t timeFrom, int64_t timeTo) override {
    return std::make_unique<VectorWindowIterator>(select(keyFrom, keyTo, timeFrom, timeTo));
  }
  std::unique_ptr<WindowBytesIterator> fetchAll(int64_t timeFrom, int64_t timeTo) override {
    return fetchRange(std::nullopt, std::nullopt, timeFrom, timeTo);
  }
  std::unique_ptr<WindowBytesIterator> all() override {
    return fetchAll(INT64_MIN, INT64_MAX);
  }
  void flush() override { calls.push_back({"flush", "", std::nullopt, 0, 0}); }
  void close() override { calls.push_back({"close", "", std::nullopt, 0, 0}); }
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    for (const auto& r : records) {
      calls.push_back({"restoreBatch", std::string(r.key),
                       r.value ? std::optional<std::string>(*r.value) : std::nullopt, 0, 0});
    }
  }
  [[nodiscard]] uint64_t persistedVersion() override { return version; }

  std::map<std::pair<std::string, int64_t>, std::string> data;
  std::vector<WindowCall> calls;
  std::optional<int32_t> reportedSeqnum = 0;
  int inits = 0;
  uint64_t version = 0;

 private:
  std::vector<Window> select(std::optional<std::string_view> keyFrom,
                             std::optional<std::string_view> keyTo, int64_t timeFrom,
                             int64_t timeTo) const {
    std::vector<Window> out;
    for (const auto& [k, v] : data) {
      if ((!keyFrom || k.first >= *keyFrom) && (!keyTo || k.first <= *keyTo) &&
          k.second >= timeFrom && k.second <= timeTo) {
        out.push_back({k.first, k.second, v});
      }
    }
    return out;
  }

  std::string name_;
};

/// An inner session store over std::map that records writes.
class RecordingSessionStore : public SessionBytesStore {
 public:
  explicit RecordingSessionStore(std::string name = "sessions") : name_(std::move(name)) {}

  [[nodiscard]] const std::string& name() const override { return name_; }
  void init(StoreContext& /*context*/) override { ++inits; }
  [[nodiscard]] bool persistent() const override { return true; }
  [[nodiscard]] int64_t retentionMs() const override { return 1000; }

  void put(std::string_view key, int64_t sessionStart, int64_t sessionEnd,
           std::optional<std::string_view> value) override {
    calls.push_back({"put", std::string(key),
                     value ? std::optional<std::string>(*value) : std::nullopt, sessionStart,
                     sessionEnd});
    const auto k = std::make_tuple(std::string(key), sessionEnd, sessionStart);
    if (value) {
      data[k] = std::string(*value);
    } else {
      data.erase(k);
    }
  }
  [[nodiscard]] std::optional<std::string> fetchSession(std::string_view key, int64_t sessionStart,
                                                        int64_t sessionEnd) override {
    const auto it = data.find(std::make_tuple(std::string(key), sessionEnd, sessionStart));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  std::unique_ptr<SessionBytesIterator> findSessions(std::string_view key,
                                                     int64_t earliestSessionEndTime,
                                                     int64_t latestSessionStartTime) override {
    std::vector<Session> out;
    for (const auto& [k, v] : data) {
      const auto& [sessionKey, end, start] = k;
      if (sessionKey == key && end >= earliestSessionEndTime && start <= latestSessionStartTime) {
        out.push_back({sessionKey, start, end, v});
      }
    }
    return std::make_unique<VectorSessionIterator>(std::move(out));
  }
  std::unique_ptr<SessionBytesIterator> fetch(std::string_view key) override {
    return findSessions(key, INT64_MIN, INT64_MAX);
  }
  std::unique_ptr<SessionBytesIterator> all() override {
    std::vector<Session> out;
    for (const auto& [k, v] : data) {
      out.push_back({std::get<0>(k), std::get<2>(k), std::get<1>(k), v});
    }
    return std::make_unique<VectorSessionIterator>(std::move(out));
  }
  void flush() override { calls.push_back({"flush", "", std::nullopt, 0, 0}); }
  void close() override { calls.push_back({"close", "", std::nullopt, 0, 0}); }
  void restoreBatch(const std::vector<RestoreRecord>& records) override {
    for (const auto& r : records) {
      calls.push_back({"restoreBatch", std::string(r.key),
                       r.value ? std::optional<std::string>(*r.value) : std::nullopt, 0, 0});
    }
  }
  [[nodiscard]] uint64_t persistedVersion() override { return version; }

  std::map<std::tuple<std::string, int64_t, int64_t>, std::string> data;  // key, end, start
  std::vector<WindowCall> calls;
  int inits = 0;
  uint64_t version = 0;

 private:
  std::string name_;
};

/// The names of the segment directories in `parent`, a segmented RocksDB
/// store's directory; not those of a segment being prepared ahead of its first
/// write (made under another name, then holding a marker until written), nor
/// those of expired segments being removed.
inline std::vector<std::string> segmentDirectoryNames(const std::filesystem::path& parent) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  if (!fs::exists(parent)) return out;
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".staging") || name.ends_with(".expired") ||
        fs::exists(entry.path() / RocksDBSegmentedBytesStore::kPreparedMarker)) {
      continue;
    }
    out.push_back(name);
  }
  return out;
}

}  // namespace kstreams::internal::testing
