// A hash index from keys to positions held elsewhere (iterators of a node
// container whose keys stay put): one flat array, linear probing, so that a
// lookup reads one slot and then the node it points to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace kstreams::internal {

/// `KeyOf(position)` gives the key a position was added under; it must stay
/// valid (and unchanged) until the position is erased. A key is added at most
/// once. Each slot holds the key's 64-bit hash (0 meaning empty) and the
/// position, so a probe compares keys only when the hashes are equal.
template <class Position, class KeyOf>
class KeyIndex {
 public:
  explicit KeyIndex(KeyOf keyOf = KeyOf{}) : keyOf_(keyOf) {}

  /// The position added under `key`, or nullptr.
  [[nodiscard]] const Position* find(std::string_view key) const {
    if (size_ == 0) return nullptr;
    const uint64_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && keyOf_(s.position) == key) return &s.position;
    }
  }

  /// Adds `position` under its key (which must not be in the index).
  void insert(const Position& position) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(hash(keyOf_(position)), position);
    ++size_;
  }

  /// Removes `key`; false if it was not there.
  bool erase(std::string_view key) {
    if (size_ == 0) return false;
    const uint64_t h = hash(key);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return false;
      if (s.hash == h && keyOf_(s.position) == key) break;
    }
    // Backward-shift deletion: later slots of the same probe run move up so
    // that no lookup meets a hole before its key.
    for (size_t j = i;;) {
      slots_[i].hash = 0;
      for (;;) {
        j = (j + 1) & mask_;
        if (slots_[j].hash == 0) {
          --size_;
          return true;
        }
        const size_t home = slots_[j].hash & mask_;
        // Slot j may move to i only if its home is not in (i, j] (cyclically).
        const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) break;
      }
      slots_[i] = slots_[j];
      i = j;
    }
  }

  void clear() {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
  }
  [[nodiscard]] size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    Position position{};
  };

  static uint64_t hash(std::string_view key) {
    const uint64_t h = std::hash<std::string_view>{}(key);
    return h == 0 ? 1 : h;
  }

  void place(uint64_t h, const Position& position) {
    size_t i = h & mask_;
    while (slots_[i].hash != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{h, position};
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.hash != 0) place(s.hash, s.position);
    }
  }

  KeyOf keyOf_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace kstreams::internal
