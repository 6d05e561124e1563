// The one exception type of the stores room.
#pragma once

#include <string>

#include "kstreams/errors.h"

namespace kstreams::internal {

/// A store operation that failed (Kafka Streams' ProcessorStateException). The
/// message names the store and the cause. corruption() is true when the bytes on
/// disk are damaged (RocksDB reported Corruption): the caller wipes the store and
/// restores it from the changelog instead of retrying.
class StoreException : public StreamsException {
 public:
  explicit StoreException(const std::string& what, bool corruption = false)
      : StreamsException(what), corruption_(corruption) {}

  [[nodiscard]] bool corruption() const noexcept { return corruption_; }

 private:
  bool corruption_;
};

}  // namespace kstreams::internal
