// Window and session stores over bytes: the bottoms of the windowed store stacks.
// Keys and values are bytes; the window start (and, for sessions, the end) are
// explicit. Implementations live in statestores/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/detail/bytes_store.h"

namespace kstreams::detail {

/// Windows in ascending order of (key bytes, window start) unless said otherwise.
/// Views stay valid until next() or the iterator's destruction.
class WindowBytesIterator {
 public:
  virtual ~WindowBytesIterator() = default;
  [[nodiscard]] virtual bool valid() const = 0;
  virtual void next() = 0;
  [[nodiscard]] virtual std::string_view key() const = 0;
  [[nodiscard]] virtual int64_t windowStart() const = 0;
  [[nodiscard]] virtual std::string_view value() const = 0;
};

/// Kafka Streams' WindowStore over bytes: values per (key, window start), kept for
/// `retentionMs` of stream time (the highest window start written so far).
class WindowBytesStore {
 public:
  virtual ~WindowBytesStore() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  virtual void init(internal::StoreContext& context) = 0;
  [[nodiscard]] virtual bool persistent() const = 0;
  [[nodiscard]] virtual int64_t retentionMs() const = 0;

  /// nullopt deletes. A write to a window already expired (start <= observed
  /// stream time - retention) is ignored (Kafka Streams drops it too).
  virtual void put(std::string_view key, std::optional<std::string_view> value, int64_t windowStart) = 0;
  [[nodiscard]] virtual std::optional<std::string> fetch(std::string_view key, int64_t windowStart) = 0;
  /// The windows of `key` with start in [timeFrom, timeTo], by start.
  virtual std::unique_ptr<WindowBytesIterator> fetch(std::string_view key, int64_t timeFrom, int64_t timeTo) = 0;
  /// The same, newest first.
  virtual std::unique_ptr<WindowBytesIterator> backwardFetch(std::string_view key, int64_t timeFrom,
                                                             int64_t timeTo) = 0;
  /// Keys in [keyFrom, keyTo] (nullopt: unbounded), windows starting in [timeFrom, timeTo].
  virtual std::unique_ptr<WindowBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                          std::optional<std::string_view> keyTo, int64_t timeFrom,
                                                          int64_t timeTo) = 0;
  virtual std::unique_ptr<WindowBytesIterator> fetchAll(int64_t timeFrom, int64_t timeTo) = 0;
  virtual std::unique_ptr<WindowBytesIterator> all() = 0;

  virtual void flush() = 0;
  virtual void close() = 0;
  /// Changelog records: key = WindowKeyCodec::toStoreKey(key, windowStart, seqnum).
  virtual void restoreBatch(const std::vector<RestoreRecord>& records) = 0;
  [[nodiscard]] virtual uint64_t persistedVersion() = 0;
};

/// Sessions in ascending order of (key bytes, session end, session start).
class SessionBytesIterator {
 public:
  virtual ~SessionBytesIterator() = default;
  [[nodiscard]] virtual bool valid() const = 0;
  virtual void next() = 0;
  [[nodiscard]] virtual std::string_view key() const = 0;
  [[nodiscard]] virtual int64_t sessionStart() const = 0;
  [[nodiscard]] virtual int64_t sessionEnd() const = 0;
  [[nodiscard]] virtual std::string_view value() const = 0;
};

/// Kafka Streams' SessionStore over bytes.
class SessionBytesStore {
 public:
  virtual ~SessionBytesStore() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  virtual void init(internal::StoreContext& context) = 0;
  [[nodiscard]] virtual bool persistent() const = 0;
  [[nodiscard]] virtual int64_t retentionMs() const = 0;

  /// nullopt removes the session.
  virtual void put(std::string_view key, int64_t sessionStart, int64_t sessionEnd,
                   std::optional<std::string_view> value) = 0;
  [[nodiscard]] virtual std::optional<std::string> fetchSession(std::string_view key, int64_t sessionStart,
                                                                int64_t sessionEnd) = 0;
  /// Sessions of `key` that end at or after earliestSessionEndTime and start at or
  /// before latestSessionStartTime (the sessions a new record may merge with).
  virtual std::unique_ptr<SessionBytesIterator> findSessions(std::string_view key, int64_t earliestSessionEndTime,
                                                             int64_t latestSessionStartTime) = 0;
  virtual std::unique_ptr<SessionBytesIterator> fetch(std::string_view key) = 0;
  virtual std::unique_ptr<SessionBytesIterator> all() = 0;

  virtual void flush() = 0;
  virtual void close() = 0;
  /// Changelog records: key = SessionKeyCodec::toStoreKey(key, start, end).
  virtual void restoreBatch(const std::vector<RestoreRecord>& records) = 0;
  [[nodiscard]] virtual uint64_t persistedVersion() = 0;
};

}  // namespace kstreams::detail
