// KTable::suppress: hold back a table's updates and emit only the final one per
// window (untilWindowCloses) or the latest one per key after a time limit
// (untilTimeLimit). The buffer is a store with its own changelog, so it survives
// a restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace kstreams {

/// How large the suppression buffer may grow and what happens when it is full.
struct BufferConfig {
  enum class WhenFull { SHUT_DOWN, EMIT_EARLY };
  int64_t maxRecords = std::numeric_limits<int64_t>::max();
  int64_t maxBytes = std::numeric_limits<int64_t>::max();
  WhenFull whenFull = WhenFull::SHUT_DOWN;

  static BufferConfig unbounded() { return BufferConfig{}; }
  static BufferConfig maxRecordsOf(int64_t n) {
    BufferConfig b;
    b.maxRecords = n;
    return b;
  }
  static BufferConfig maxBytesOf(int64_t n) {
    BufferConfig b;
    b.maxBytes = n;
    return b;
  }
  /// Fail the application when the buffer is full (keeps "final results only").
  [[nodiscard]] BufferConfig shutDownWhenFull() const {
    BufferConfig b = *this;
    b.whenFull = WhenFull::SHUT_DOWN;
    return b;
  }
  /// Emit the oldest buffered record early when the buffer is full.
  [[nodiscard]] BufferConfig emitEarlyWhenFull() const {
    BufferConfig b = *this;
    b.whenFull = WhenFull::EMIT_EARLY;
    return b;
  }
};

struct Suppressed {
  enum class Mode { UNTIL_WINDOW_CLOSES, UNTIL_TIME_LIMIT };
  Mode mode = Mode::UNTIL_WINDOW_CLOSES;
  int64_t timeLimitMs = 0;
  BufferConfig buffer;
  std::string name;

  /// One final result per window, when stream time passes its end plus grace.
  /// The buffer must not emit early (a full buffer shuts the application down).
  static Suppressed untilWindowCloses(BufferConfig buffer) {
    Suppressed s;
    s.mode = Mode::UNTIL_WINDOW_CLOSES;
    s.buffer = buffer;
    return s;
  }
  /// The latest value per key once `limit` of stream time has passed since the
  /// key's first buffered update.
  static Suppressed untilTimeLimit(std::chrono::milliseconds limit, BufferConfig buffer) {
    Suppressed s;
    s.mode = Mode::UNTIL_TIME_LIMIT;
    s.timeLimitMs = limit.count();
    s.buffer = buffer;
    return s;
  }
  [[nodiscard]] Suppressed withName(std::string n) const {
    Suppressed s = *this;
    s.name = std::move(n);
    return s;
  }
};

}  // namespace kstreams
