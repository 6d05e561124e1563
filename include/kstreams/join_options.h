// Options of the joins, named as in Kafka Streams: JoinWindows (how far apart
// two records of a stream-stream join may be), StreamJoined (serdes, names and
// stores of a stream-stream join) and Joined (serdes and name of a stream-table
// join).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "kstreams/errors.h"
#include "kstreams/options.h"
#include "kstreams/serde.h"
#include "kstreams/state.h"

namespace kstreams {

/// Records of the two sides join when the other side's timestamp lies in
/// [t - before, t + after]; a record may arrive up to `grace` after the window
/// closes (stream time > t + after + grace) and still join.
class JoinWindows {
 public:
  /// Both sides within `difference` of each other; late records are not joined.
  static JoinWindows ofTimeDifferenceWithNoGrace(std::chrono::milliseconds difference) {
    return ofTimeDifferenceAndGrace(difference, std::chrono::milliseconds(0));
  }
  static JoinWindows ofTimeDifferenceAndGrace(std::chrono::milliseconds difference, std::chrono::milliseconds grace) {
    if (difference.count() < 0) {
      throw ConfigException("JoinWindows: the time difference must not be negative, got " +
                            std::to_string(difference.count()) + " ms");
    }
    if (grace.count() < 0) {
      throw ConfigException("JoinWindows: the grace period must not be negative, got " +
                            std::to_string(grace.count()) + " ms");
    }
    return JoinWindows(difference.count(), difference.count(), grace.count());
  }
  /// How far the other side may be earlier than this side (may be negative, as
  /// long as before + after is not).
  [[nodiscard]] JoinWindows before(std::chrono::milliseconds before) const {
    return JoinWindows(before.count(), afterMs_, graceMs_).checked();
  }
  /// How far the other side may be later than this side.
  [[nodiscard]] JoinWindows after(std::chrono::milliseconds after) const {
    return JoinWindows(beforeMs_, after.count(), graceMs_).checked();
  }

  [[nodiscard]] int64_t beforeMs() const { return beforeMs_; }
  [[nodiscard]] int64_t afterMs() const { return afterMs_; }
  [[nodiscard]] int64_t gracePeriodMs() const { return graceMs_; }
  /// before + after: the span of timestamps one record can join with.
  [[nodiscard]] int64_t sizeMs() const { return beforeMs_ + afterMs_; }

 private:
  JoinWindows(int64_t before, int64_t after, int64_t grace) : beforeMs_(before), afterMs_(after), graceMs_(grace) {}
  [[nodiscard]] JoinWindows checked() const {
    if (beforeMs_ + afterMs_ < 0) {
      throw ConfigException("JoinWindows: before + after must not be negative (before " + std::to_string(beforeMs_) +
                            " ms, after " + std::to_string(afterMs_) + " ms)");
    }
    return *this;
  }
  int64_t beforeMs_;
  int64_t afterMs_;
  int64_t graceMs_;
};

/// Serdes, processor name, store names and store options of a stream-stream join.
/// K: key, V1: this stream's values, V2: the other stream's.
template <class K, class V1, class V2>
struct StreamJoinedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V1> valueSerde;
  SerdePtr<V2> otherValueSerde;
  std::string name;       // processors (and repartition topics) are named after it
  std::string storeName;  // stores: <storeName>-this-join-store, -other-join-store, -outer-shared-join-store
  StoreType storeType = StoreType::ROCKS_DB;
  bool loggingEnabled = true;
  std::map<std::string, std::string> changelogConfig;

  StreamJoinedWith() = default;
  StreamJoinedWith(SerdePtr<K> k, SerdePtr<V1> v, SerdePtr<V2> o)
      : keySerde(std::move(k)), valueSerde(std::move(v)), otherValueSerde(std::move(o)) {}
  template <class K2 = K, class V12 = V1, class V22 = V2>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  StreamJoinedWith(const StreamJoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : name(o.name),
        storeName(o.storeName),
        storeType(o.storeType),
        loggingEnabled(o.loggingEnabled),
        changelogConfig(o.changelogConfig) {}

  StreamJoinedWith withName(std::string n) const {
    auto j = *this;
    j.name = std::move(n);
    return j;
  }
  StreamJoinedWith withStoreName(std::string n) const {
    auto j = *this;
    j.storeName = std::move(n);
    return j;
  }
  StreamJoinedWith withStoreType(StoreType t) const {
    auto j = *this;
    j.storeType = t;
    return j;
  }
  StreamJoinedWith withLoggingDisabled() const {
    auto j = *this;
    j.loggingEnabled = false;
    return j;
  }
  StreamJoinedWith withLoggingEnabled(std::map<std::string, std::string> topicConfig) const {
    auto j = *this;
    j.loggingEnabled = true;
    j.changelogConfig = std::move(topicConfig);
    return j;
  }
};

struct StreamJoined {
  template <class K, class V1, class V2>
  static StreamJoinedWith<K, V1, V2> with(SerdePtr<K> keySerde, SerdePtr<V1> valueSerde,
                                          SerdePtr<V2> otherValueSerde) {
    return StreamJoinedWith<K, V1, V2>(std::move(keySerde), std::move(valueSerde), std::move(otherValueSerde));
  }
  static StreamJoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> as(std::string name) {
    StreamJoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> j;
    j.name = std::move(name);
    return j;
  }
  static StreamJoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> withStoreName(
      std::string storeName) {
    StreamJoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> j;
    j.storeName = std::move(storeName);
    return j;
  }
};

/// Serdes and name of a stream-table join (the serdes are used when the stream
/// must be repartitioned first).
template <class K, class V, class VT>
struct JoinedWith {
  SerdePtr<K> keySerde;
  SerdePtr<V> valueSerde;
  SerdePtr<VT> otherValueSerde;
  std::string name;

  JoinedWith() = default;
  JoinedWith(SerdePtr<K> k, SerdePtr<V> v, SerdePtr<VT> o)
      : keySerde(std::move(k)), valueSerde(std::move(v)), otherValueSerde(std::move(o)) {}
  template <class K2 = K, class V2 = V, class VT2 = VT>
    requires(!std::is_same_v<K2, detail::Unspecified>)
  JoinedWith(const JoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified>& o)  // NOLINT
      : name(o.name) {}
  JoinedWith withName(std::string n) const {
    auto j = *this;
    j.name = std::move(n);
    return j;
  }
};

struct Joined {
  template <class K, class V, class VT>
  static JoinedWith<K, V, VT> with(SerdePtr<K> keySerde, SerdePtr<V> valueSerde, SerdePtr<VT> otherValueSerde) {
    return JoinedWith<K, V, VT>(std::move(keySerde), std::move(valueSerde), std::move(otherValueSerde));
  }
  static JoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> as(std::string name) {
    JoinedWith<detail::Unspecified, detail::Unspecified, detail::Unspecified> j;
    j.name = std::move(name);
    return j;
  }
};

}  // namespace kstreams
