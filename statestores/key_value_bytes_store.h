// The bytes-store interface (declared with the public templates that wrap it).
#pragma once

#include "kstreams/detail/bytes_store.h"

namespace kstreams::internal {
using detail::KeyValueBytesIterator;
using detail::KeyValueBytesStore;
using detail::RestoreRecord;
}  // namespace kstreams::internal
