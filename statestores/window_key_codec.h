// Kafka Streams' WindowKeySchema and SessionKeySchema: how windowed and session
// keys are laid out in store keys and changelog records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kstreams::internal {

/// The layout both schemas share: the user's key bytes, an 8-byte big-endian
/// "time" (a window's start, a session's end: what segments and retention go by),
/// then `extraBytes` of a big-endian "extra" number (a window's 4-byte sequence
/// number, a session's 8-byte start). The key has no length prefix: it is
/// everything before the fixed-size suffix.
///
/// Byte order of two store keys is (key, time, extra) order as long as times are
/// non-negative and neither key is a proper prefix of the other; compare()
/// gives the exact (key, time, extra) order.
class TimeKeyLayout {
 public:
  static constexpr size_t kTimeBytes = 8;

  explicit constexpr TimeKeyLayout(size_t extraBytes) : extraBytes_(extraBytes) {}

  [[nodiscard]] constexpr size_t extraBytes() const { return extraBytes_; }
  [[nodiscard]] constexpr size_t suffixBytes() const { return kTimeBytes + extraBytes_; }

  [[nodiscard]] std::string encode(std::string_view key, int64_t time, int64_t extra) const;
  /// encode() into `out` (replacing its contents; its capacity is reused).
  void encodeInto(std::string& out, std::string_view key, int64_t time, int64_t extra) const;
  /// The parts of a store key; throw StoreException when it is shorter than the suffix.
  [[nodiscard]] std::string_view key(std::string_view storeKey) const;
  [[nodiscard]] int64_t time(std::string_view storeKey) const;
  [[nodiscard]] int64_t extra(std::string_view storeKey) const;
  /// Orders store keys by key bytes (unsigned), then time, then extra.
  [[nodiscard]] int compare(std::string_view a, std::string_view b) const;

 private:
  void check(std::string_view storeKey) const;

  size_t extraBytes_;
};

/// WindowKeySchema.toStoreKeyBinary: key + 8-byte big-endian window start +
/// 4-byte big-endian sequence number (0 unless the store retains duplicates).
class WindowKeyCodec {
 public:
  static constexpr size_t kSequenceNumberBytes = 4;
  static constexpr TimeKeyLayout kLayout{kSequenceNumberBytes};
  static constexpr size_t kSuffixBytes = kLayout.suffixBytes();

  [[nodiscard]] static std::string toStoreKey(std::string_view key, int64_t windowStart,
                                              int32_t seqnum);
  /// toStoreKey() into `out` (replacing its contents; its capacity is reused).
  static void toStoreKey(std::string& out, std::string_view key, int64_t windowStart,
                         int32_t seqnum);
  [[nodiscard]] static std::string_view extractKey(std::string_view storeKey);
  [[nodiscard]] static int64_t extractWindowStart(std::string_view storeKey);
  [[nodiscard]] static int32_t extractSequenceNumber(std::string_view storeKey);
};

/// SessionKeySchema.toBinary: key + 8-byte big-endian session end + 8-byte
/// big-endian session start (end first: segments and retention go by the end).
class SessionKeyCodec {
 public:
  static constexpr TimeKeyLayout kLayout{TimeKeyLayout::kTimeBytes};
  static constexpr size_t kSuffixBytes = kLayout.suffixBytes();

  [[nodiscard]] static std::string toStoreKey(std::string_view key, int64_t sessionStart,
                                              int64_t sessionEnd);
  [[nodiscard]] static std::string_view extractKey(std::string_view storeKey);
  [[nodiscard]] static int64_t extractStartTimestamp(std::string_view storeKey);
  [[nodiscard]] static int64_t extractEndTimestamp(std::string_view storeKey);
};

}  // namespace kstreams::internal
