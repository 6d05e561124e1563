#include "statestores/window_key_codec.h"

#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

void appendBigEndian(std::string& out, uint64_t value, size_t bytes) {
  char buf[8];
  for (size_t i = 0; i < bytes; ++i) {
    buf[i] = static_cast<char>((value >> (8U * (bytes - 1 - i))) & 0xFFU);
  }
  out.append(buf, bytes);
}

uint64_t readBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (const char c : bytes) value = (value << 8U) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

void TimeKeyLayout::check(std::string_view storeKey) const {
  if (storeKey.size() < suffixBytes()) {
    throw StoreException("store key of " + std::to_string(storeKey.size()) +
                         " bytes is shorter than its " + std::to_string(suffixBytes()) +
                         "-byte time suffix");
  }
}

std::string TimeKeyLayout::encode(std::string_view key, int64_t time, int64_t extra) const {
  std::string out;
  encodeInto(out, key, time, extra);
  return out;
}

void TimeKeyLayout::encodeInto(std::string& out, std::string_view key, int64_t time,
                               int64_t extra) const {
  out.clear();
  out.reserve(key.size() + suffixBytes());
  out.append(key);
  appendBigEndian(out, static_cast<uint64_t>(time), kTimeBytes);
  appendBigEndian(out, static_cast<uint64_t>(extra), extraBytes_);
}

std::string_view TimeKeyLayout::key(std::string_view storeKey) const {
  check(storeKey);
  return storeKey.substr(0, storeKey.size() - suffixBytes());
}

int64_t TimeKeyLayout::time(std::string_view storeKey) const {
  check(storeKey);
  return static_cast<int64_t>(
      readBigEndian(storeKey.substr(storeKey.size() - suffixBytes(), kTimeBytes)));
}

int64_t TimeKeyLayout::extra(std::string_view storeKey) const {
  check(storeKey);
  const uint64_t raw = readBigEndian(storeKey.substr(storeKey.size() - extraBytes_));
  if (extraBytes_ == 4) return static_cast<int32_t>(static_cast<uint32_t>(raw));
  return static_cast<int64_t>(raw);
}

int TimeKeyLayout::compare(std::string_view a, std::string_view b) const {
  const int byKey = key(a).compare(key(b));
  if (byKey != 0) return byKey;
  const int64_t timeA = time(a);
  const int64_t timeB = time(b);
  if (timeA != timeB) return timeA < timeB ? -1 : 1;
  const int64_t extraA = extra(a);
  const int64_t extraB = extra(b);
  if (extraA != extraB) return extraA < extraB ? -1 : 1;
  return 0;
}

std::string WindowKeyCodec::toStoreKey(std::string_view key, int64_t windowStart,
                                       int32_t seqnum) {
  return kLayout.encode(key, windowStart, static_cast<uint32_t>(seqnum));
}

void WindowKeyCodec::toStoreKey(std::string& out, std::string_view key, int64_t windowStart,
                                int32_t seqnum) {
  kLayout.encodeInto(out, key, windowStart, static_cast<uint32_t>(seqnum));
}

std::string_view WindowKeyCodec::extractKey(std::string_view storeKey) {
  return kLayout.key(storeKey);
}

int64_t WindowKeyCodec::extractWindowStart(std::string_view storeKey) {
  return kLayout.time(storeKey);
}

int32_t WindowKeyCodec::extractSequenceNumber(std::string_view storeKey) {
  return static_cast<int32_t>(kLayout.extra(storeKey));
}

std::string SessionKeyCodec::toStoreKey(std::string_view key, int64_t sessionStart,
                                        int64_t sessionEnd) {
  return kLayout.encode(key, sessionEnd, sessionStart);
}

std::string_view SessionKeyCodec::extractKey(std::string_view storeKey) {
  return kLayout.key(storeKey);
}

int64_t SessionKeyCodec::extractStartTimestamp(std::string_view storeKey) {
  return kLayout.extra(storeKey);
}

int64_t SessionKeyCodec::extractEndTimestamp(std::string_view storeKey) {
  return kLayout.time(storeKey);
}

}  // namespace kstreams::internal
