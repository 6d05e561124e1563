#include "statestores/change_logging_key_value_store.h"

#include <utility>

#include "statestores/store_context.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {
// ValueAndTimestamp: 8-byte big-endian timestamp in front of the raw value.
constexpr size_t kTimestampBytes = 8;

int64_t decodeTimestamp(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kTimestampBytes; ++i) {
    value = (value << 8U) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<int64_t>(value);
}
}  // namespace

ChangeLoggingKeyValueStore::ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueBytesStore> inner,
                                                       bool timestamped)
    : inner_(std::move(inner)), timestamped_(timestamped) {
  if (!inner_) throw StoreException("change-logging store needs an inner store");
}

void ChangeLoggingKeyValueStore::init(StoreContext& context) {
  context_ = &context;
  inner_->init(context);
}

StoreContext& ChangeLoggingKeyValueStore::context() {
  if (context_ == nullptr) {
    throw StoreException("change-logging store " + name() + " is not initialised");
  }
  return *context_;
}

void ChangeLoggingKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  if (timestamped_ && value && value->size() < kTimestampBytes) {
    throw StoreException("timestamped store " + name() + ": value of " +
                         std::to_string(value->size()) + " bytes has no 8-byte timestamp");
  }
  StoreContext& ctx = context();
  inner_->put(key, value);
  log(ctx, key, value);
}

std::optional<std::string> ChangeLoggingKeyValueStore::putIfAbsent(std::string_view key,
                                                                   std::string_view value) {
  if (timestamped_ && value.size() < kTimestampBytes) {
    throw StoreException("timestamped store " + name() + ": value of " +
                         std::to_string(value.size()) + " bytes has no 8-byte timestamp");
  }
  StoreContext& ctx = context();
  std::optional<std::string> existing = inner_->putIfAbsent(key, value);
  if (!existing) log(ctx, key, value);
  return existing;
}

std::optional<std::string> ChangeLoggingKeyValueStore::remove(std::string_view key) {
  StoreContext& ctx = context();
  std::optional<std::string> old = inner_->remove(key);
  log(ctx, key, std::nullopt);
  return old;
}

void ChangeLoggingKeyValueStore::log(StoreContext& ctx, std::string_view key,
                                     std::optional<std::string_view> value) {
  if (!value) {
    ctx.logChange(name(), key, std::nullopt, ctx.currentTimestamp());
  } else if (timestamped_) {
    ctx.logChange(name(), key, value->substr(kTimestampBytes), decodeTimestamp(*value));
  } else {
    ctx.logChange(name(), key, value, ctx.currentTimestamp());
  }
}

}  // namespace kstreams::internal
