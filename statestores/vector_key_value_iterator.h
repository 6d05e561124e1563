// An iterator over an owned, sorted list of key-value pairs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

/// Iterates a snapshot: later writes to the store are not seen, and the views
/// stay valid for the iterator's whole life.
class VectorKeyValueIterator : public KeyValueBytesIterator {
 public:
  /// `entries` must be sorted by key.
  explicit VectorKeyValueIterator(std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)) {}

  [[nodiscard]] bool valid() const override { return position_ < entries_.size(); }
  void next() override { ++position_; }
  [[nodiscard]] std::string_view key() const override { return entries_.at(position_).first; }
  [[nodiscard]] std::string_view value() const override { return entries_.at(position_).second; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  size_t position_ = 0;
};

}  // namespace kstreams::internal
