#include "statestores/key_filter.h"

#include <functional>

namespace kstreams::internal {

namespace {

constexpr size_t kWordsPerBlock = 8;
constexpr size_t kBlockBytes = kWordsPerBlock * sizeof(uint64_t);
constexpr size_t kBitsPerKey = 16;
constexpr size_t kFirstLayerBytes = 4 * 1024;
constexpr int kProbes = 8;  // near the best for 16 bits per key

/// The block of a hash: its high 32 bits scaled to [0, blocks).
size_t blockOf(uint64_t hash, size_t blocks) {
  return static_cast<size_t>(((hash >> 32U) * static_cast<uint64_t>(blocks)) >> 32U);
}

/// The probes' bit positions in a block, 9 bits each from remixed hashes.
template <typename Visit>
bool forEachBit(uint64_t hash, Visit visit) {
  uint64_t bits = hash * 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < kProbes; ++i) {
    if (i == kProbes / 2) bits = (hash ^ (hash >> 29U)) * 0xBF58476D1CE4E5B9ULL;
    if (!visit(static_cast<unsigned>(bits >> 55U))) return false;
    bits <<= 9U;
  }
  return true;
}

}  // namespace

KeyFilter::KeyFilter(size_t maxBytes) : maxBytes_(maxBytes) {}

uint64_t KeyFilter::hash(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  // std::hash of bytes is not avalanching in every bit: finish it (splitmix64).
  uint64_t x = h + 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

void KeyFilter::add(std::string_view key) { addHash(hash(key)); }

bool KeyFilter::mayContain(std::string_view key) const { return mayContainHash(hash(key)); }

bool KeyFilter::grow() {
  const size_t next = layers_.empty() ? kFirstLayerBytes : layers_.back().blocks * kBlockBytes * 2;
  if (bytes_ + next > maxBytes_) {
    saturated_ = true;
    layers_.clear();
    layers_.shrink_to_fit();
    bytes_ = 0;
    return false;
  }
  Layer layer;
  layer.blocks = next / kBlockBytes;
  layer.words.assign(layer.blocks * kWordsPerBlock, 0);
  layer.capacity = next * 8 / kBitsPerKey;
  layers_.push_back(std::move(layer));
  bytes_ += next;
  return true;
}

void KeyFilter::addHash(uint64_t hash) {
  if (saturated_) return;
  if ((layers_.empty() || layers_.back().added >= layers_.back().capacity) && !grow()) return;
  Layer& layer = layers_.back();
  uint64_t* block = layer.words.data() + blockOf(hash, layer.blocks) * kWordsPerBlock;
  forEachBit(hash, [block](unsigned bit) {
    block[bit / 64] |= uint64_t{1} << (bit % 64);
    return true;
  });
  ++layer.added;
}

bool KeyFilter::test(const Layer& layer, uint64_t hash) {
  const uint64_t* block = layer.words.data() + blockOf(hash, layer.blocks) * kWordsPerBlock;
  return forEachBit(hash, [block](unsigned bit) {
    return (block[bit / 64] & (uint64_t{1} << (bit % 64))) != 0;
  });
}

bool KeyFilter::mayContainHash(uint64_t hash) const {
  if (saturated_) return true;
  for (const Layer& layer : layers_) {
    if (test(layer, hash)) return true;
  }
  return false;
}

}  // namespace kstreams::internal
