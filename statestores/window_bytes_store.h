// The window and session bytes-store interfaces (declared with the public
// templates that wrap them), and what the change-logging layer needs to know
// about a window store's last write.
#pragma once

#include <cstdint>
#include <optional>

#include "kstreams/detail/window_bytes_store.h"
#include "statestores/key_value_bytes_store.h"

namespace kstreams::internal {

using detail::SessionBytesIterator;
using detail::SessionBytesStore;
using detail::WindowBytesIterator;
using detail::WindowBytesStore;

/// A window store that tells which sequence number its last put() gave the
/// record it wrote, so that the change-logging layer above it logs the same
/// store key (WindowKeyCodec::toStoreKey(key, windowStart, seqnum)). Every store
/// and layer of this room implements it; the change-logging layer logs
/// sequence number 0 over a store that does not.
class SequencedWindowBytesStore : public WindowBytesStore {
 public:
  /// The sequence number of the record the last put() wrote or deleted (0
  /// unless the store retains duplicates), or nullopt when that put() wrote
  /// nothing: its window had expired, or it was a delete in a store that retains
  /// duplicates (a no-op there).
  [[nodiscard]] virtual std::optional<int32_t> lastPutSequenceNumber() const = 0;
};

}  // namespace kstreams::internal
