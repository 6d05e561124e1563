// A Bloom filter over the keys written to one segment of a segmented store: a
// fetch skips the segments that cannot hold its key without asking RocksDB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kstreams::internal {

/// Answers "was this key added?" with no false negatives and under 1% false
/// positives. It grows with the keys added: layers of blocked Bloom filters
/// (16 bits per key, the bits of a key in one 64-byte block), each twice
/// the size of the one before, a key going into the newest. Past `maxBytes` it
/// gives up: it frees its layers and answers "maybe" from then on, so that its
/// memory stays bounded whatever the number of keys.
class KeyFilter {
 public:
  static constexpr size_t kDefaultMaxBytes = 1024 * 1024;
  explicit KeyFilter(size_t maxBytes = kDefaultMaxBytes);

  void add(std::string_view key);
  /// False only if `key` was never added.
  [[nodiscard]] bool mayContain(std::string_view key) const;
  /// True once the filter has given up (every answer is "maybe").
  [[nodiscard]] bool saturated() const { return saturated_; }
  [[nodiscard]] size_t memoryBytes() const { return bytes_; }

  [[nodiscard]] static uint64_t hash(std::string_view key);
  void addHash(uint64_t hash);
  [[nodiscard]] bool mayContainHash(uint64_t hash) const;

 private:
  struct Layer {
    std::vector<uint64_t> words;  // 8 words (512 bits) per block
    size_t blocks = 0;
    size_t capacity = 0;  // keys at about 10 bits each
    size_t added = 0;
  };
  static bool test(const Layer& layer, uint64_t hash);
  bool grow();

  size_t maxBytes_;
  size_t bytes_ = 0;
  bool saturated_ = false;
  std::vector<Layer> layers_;
};

}  // namespace kstreams::internal
