#include "statestores/change_logging_window_store.h"

#include <utility>

#include "statestores/store_context.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"

namespace kstreams::internal {

ChangeLoggingWindowStore::ChangeLoggingWindowStore(std::unique_ptr<WindowBytesStore> inner)
    : inner_(std::move(inner)),
      sequenced_(dynamic_cast<SequencedWindowBytesStore*>(inner_.get())) {
  if (!inner_) throw StoreException("change-logging window store needs an inner store");
}

void ChangeLoggingWindowStore::init(StoreContext& context) {
  context_ = &context;
  inner_->init(context);
}

StoreContext& ChangeLoggingWindowStore::context() {
  if (context_ == nullptr) {
    throw StoreException("change-logging window store " + name() + " is not initialised");
  }
  return *context_;
}

void ChangeLoggingWindowStore::put(std::string_view key, std::optional<std::string_view> value,
                                   int64_t windowStart) {
  StoreContext& ctx = context();
  lastPutSeqnum_.reset();
  inner_->put(key, value, windowStart);
  const std::optional<int32_t> seqnum =
      sequenced_ != nullptr ? sequenced_->lastPutSequenceNumber() : std::optional<int32_t>(0);
  if (!seqnum) return;
  WindowKeyCodec::toStoreKey(logKeyBuf_, key, windowStart, *seqnum);
  ctx.logChange(name(), logKeyBuf_, value, ctx.currentTimestamp());
  lastPutSeqnum_ = seqnum;
}

}  // namespace kstreams::internal
