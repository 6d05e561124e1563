// Time windows (tumbling and hopping), sliding and session windows, windowed
// keys and their serdes, with Kafka Streams' semantics and byte layouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/serde.h"

namespace kstreams {

/// [start, end) in milliseconds; sliding windows include their end: [start, end].
struct Window {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const Window&) const = default;
  auto operator<=>(const Window&) const = default;
};

/// A key with the window it was aggregated in.
template <class K>
struct Windowed {
  K key{};
  Window window;
  bool operator==(const Windowed&) const = default;
  auto operator<=>(const Windowed&) const = default;
};

/// Fixed-size windows: tumbling (advance = size) or hopping (advance < size).
class TimeWindows {
 public:
  /// Tumbling windows of `size`; a record later than its window's end is dropped.
  static TimeWindows ofSizeWithNoGrace(std::chrono::milliseconds size) { return ofSizeAndGrace(size, {}); }
  /// Tumbling windows of `size` that accept records up to `grace` after their end.
  static TimeWindows ofSizeAndGrace(std::chrono::milliseconds size, std::chrono::milliseconds grace) {
    if (size.count() <= 0) throw ConfigException("TimeWindows: the window size must be positive");
    if (grace.count() < 0) throw ConfigException("TimeWindows: the grace period must not be negative");
    return TimeWindows(size.count(), size.count(), grace.count());
  }
  /// Hopping windows: a new window every `advance` (0 < advance <= size).
  [[nodiscard]] TimeWindows advanceBy(std::chrono::milliseconds advance) const {
    if (advance.count() <= 0 || advance.count() > sizeMs_) {
      throw ConfigException("TimeWindows: advanceBy must be positive and at most the window size (" +
                            std::to_string(sizeMs_) + " ms), got " + std::to_string(advance.count()) + " ms");
    }
    return TimeWindows(sizeMs_, advance.count(), graceMs_);
  }

  /// The windows a record with this timestamp falls in, by start (Kafka Streams'
  /// TimeWindows.windowsFor).
  [[nodiscard]] std::vector<Window> windowsFor(int64_t timestamp) const {
    std::vector<Window> out;
    int64_t start = (std::max<int64_t>(0, timestamp - sizeMs_ + advanceMs_) / advanceMs_) * advanceMs_;
    for (; start <= timestamp; start += advanceMs_) out.push_back(Window{start, start + sizeMs_});
    return out;
  }

  [[nodiscard]] int64_t sizeMs() const { return sizeMs_; }
  [[nodiscard]] int64_t advanceMs() const { return advanceMs_; }
  [[nodiscard]] int64_t gracePeriodMs() const { return graceMs_; }

 private:
  TimeWindows(int64_t size, int64_t advance, int64_t grace) : sizeMs_(size), advanceMs_(advance), graceMs_(grace) {}
  int64_t sizeMs_;
  int64_t advanceMs_;
  int64_t graceMs_;
};

/// Session windows: a key's records closer than the inactivity gap form one
/// session; sessions merge when a record bridges them.
class SessionWindows {
 public:
  static SessionWindows ofInactivityGapWithNoGrace(std::chrono::milliseconds gap) { return ofInactivityGapAndGrace(gap, {}); }
  static SessionWindows ofInactivityGapAndGrace(std::chrono::milliseconds gap, std::chrono::milliseconds grace) {
    if (gap.count() <= 0) throw ConfigException("SessionWindows: the inactivity gap must be positive");
    if (grace.count() < 0) throw ConfigException("SessionWindows: the grace period must not be negative");
    return SessionWindows(gap.count(), grace.count());
  }
  [[nodiscard]] int64_t inactivityGapMs() const { return gapMs_; }
  [[nodiscard]] int64_t gracePeriodMs() const { return graceMs_; }

 private:
  SessionWindows(int64_t gap, int64_t grace) : gapMs_(gap), graceMs_(grace) {}
  int64_t gapMs_;
  int64_t graceMs_;
};

/// Sliding windows (Kafka Streams' SlidingWindows, KIP-450): windows of a fixed
/// time difference that move with the records. Each record belongs to the
/// windows [t - timeDifference, t] ending at it and the window [t + 1, t + 1 +
/// timeDifference] starting right after it; only windows that hold records
/// exist. Both ends are inclusive: a windowed key's window is [start, start +
/// timeDifference].
class SlidingWindows {
 public:
  /// Windows of `timeDifference`; a record is dropped once the windows it would
  /// fall in have ended before stream time.
  static SlidingWindows ofTimeDifferenceWithNoGrace(std::chrono::milliseconds timeDifference) {
    return ofTimeDifferenceAndGrace(timeDifference, {});
  }
  /// Windows of `timeDifference` that accept records up to `grace` after their end.
  static SlidingWindows ofTimeDifferenceAndGrace(std::chrono::milliseconds timeDifference,
                                                 std::chrono::milliseconds grace) {
    if (timeDifference.count() < 0) {
      throw ConfigException("SlidingWindows: the time difference must not be negative, got " +
                            std::to_string(timeDifference.count()) + " ms");
    }
    if (grace.count() < 0) {
      throw ConfigException("SlidingWindows: the grace period must not be negative, got " +
                            std::to_string(grace.count()) + " ms");
    }
    return SlidingWindows(timeDifference.count(), grace.count());
  }
  [[nodiscard]] int64_t timeDifferenceMs() const { return differenceMs_; }
  [[nodiscard]] int64_t gracePeriodMs() const { return graceMs_; }

 private:
  SlidingWindows(int64_t difference, int64_t grace) : differenceMs_(difference), graceMs_(grace) {}
  int64_t differenceMs_;
  int64_t graceMs_;
};

/// When a windowed aggregation emits (Kafka Streams' EmitStrategy).
struct EmitStrategy {
  enum class Kind { ON_WINDOW_UPDATE, ON_WINDOW_CLOSE };
  Kind kind = Kind::ON_WINDOW_UPDATE;
  /// Every update of a window (the default).
  static EmitStrategy onWindowUpdate() { return EmitStrategy{Kind::ON_WINDOW_UPDATE}; }
  /// Only the final result of a window, once stream time passes its end plus grace.
  static EmitStrategy onWindowClose() { return EmitStrategy{Kind::ON_WINDOW_CLOSE}; }
};

namespace detail {

/// Kafka Streams' SessionWindowedSerializer layout: key bytes, 8-byte big-endian
/// session end, 8-byte big-endian session start (both inclusive).
template <class K>
class SessionWindowedSerde final : public Serde<Windowed<K>> {
 public:
  explicit SessionWindowedSerde(SerdePtr<K> inner) : inner_(std::move(inner)) {}
  bool serialize(const Windowed<K>& w, std::string& out) const override {
    inner_->serialize(w.key, out);
    putBigEndian<int64_t>(w.window.end, out);
    putBigEndian<int64_t>(w.window.start, out);
    return true;
  }
  void deserialize(const char* data, size_t size, Windowed<K>& out) const override {
    if (data == nullptr || size < 16) throw SerializationException("SessionWindowedDeserializer: fewer than 16 bytes");
    inner_->deserialize(data, size - 16, out.key);
    out.window.end = getBigEndian<int64_t>(data + size - 16);
    out.window.start = getBigEndian<int64_t>(data + size - 8);
  }
  [[nodiscard]] std::string name() const override { return "SessionWindowed<" + inner_->name() + ">"; }

 private:
  SerdePtr<K> inner_;
};

/// Kafka Streams' TimeWindowedSerializer layout: key bytes, then the 8-byte
/// big-endian window start. The end is start + window size.
template <class K>
class TimeWindowedSerde final : public Serde<Windowed<K>> {
 public:
  TimeWindowedSerde(SerdePtr<K> inner, int64_t windowSizeMs) : inner_(std::move(inner)), sizeMs_(windowSizeMs) {}
  bool serialize(const Windowed<K>& w, std::string& out) const override {
    inner_->serialize(w.key, out);
    putBigEndian<int64_t>(w.window.start, out);
    return true;
  }
  void deserialize(const char* data, size_t size, Windowed<K>& out) const override {
    if (data == nullptr || size < 8) throw SerializationException("TimeWindowedDeserializer: fewer than 8 bytes");
    inner_->deserialize(data, size - 8, out.key);
    out.window.start = getBigEndian<int64_t>(data + size - 8);
    out.window.end = out.window.start + sizeMs_;
  }
  [[nodiscard]] std::string name() const override { return "TimeWindowed<" + inner_->name() + ">"; }

 private:
  SerdePtr<K> inner_;
  int64_t sizeMs_;
};

}  // namespace detail

struct WindowedSerdes {
  /// The serde of Windowed<K> keys that time-windowed aggregations write.
  template <class K>
  static SerdePtr<Windowed<K>> timeWindowedSerdeFrom(SerdePtr<K> inner, int64_t windowSizeMs) {
    return std::make_shared<detail::TimeWindowedSerde<K>>(std::move(inner), windowSizeMs);
  }
  /// The serde of Windowed<K> keys that session-windowed aggregations write.
  template <class K>
  static SerdePtr<Windowed<K>> sessionWindowedSerdeFrom(SerdePtr<K> inner) {
    return std::make_shared<detail::SessionWindowedSerde<K>>(std::move(inner));
  }
};

}  // namespace kstreams
