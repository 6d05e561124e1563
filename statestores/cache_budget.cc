#include "statestores/cache_budget.h"

#include "statestores/store_exception.h"

namespace kstreams::internal {

void CacheBudget::release(size_t bytes) {
  if (bytes > usedBytes_) {
    throw StoreException("cache budget released more bytes than were charged");
  }
  usedBytes_ -= bytes;
}

}  // namespace kstreams::internal
