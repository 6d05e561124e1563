#include "statestores/change_logging_session_store.h"

#include <utility>

#include "statestores/store_context.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"

namespace kstreams::internal {

ChangeLoggingSessionStore::ChangeLoggingSessionStore(std::unique_ptr<SessionBytesStore> inner)
    : inner_(std::move(inner)) {
  if (!inner_) throw StoreException("change-logging session store needs an inner store");
}

void ChangeLoggingSessionStore::init(StoreContext& context) {
  context_ = &context;
  inner_->init(context);
}

StoreContext& ChangeLoggingSessionStore::context() {
  if (context_ == nullptr) {
    throw StoreException("change-logging session store " + name() + " is not initialised");
  }
  return *context_;
}

void ChangeLoggingSessionStore::put(std::string_view key, int64_t sessionStart,
                                    int64_t sessionEnd, std::optional<std::string_view> value) {
  StoreContext& ctx = context();
  inner_->put(key, sessionStart, sessionEnd, value);
  ctx.logChange(name(), SessionKeyCodec::toStoreKey(key, sessionStart, sessionEnd), value,
                ctx.currentTimestamp());
}

}  // namespace kstreams::internal
