// Record-level types shared by the DSL, the Processor API and the test driver.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kstreams {

/// One record header. A header value may be null.
struct Header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

/// Record headers in the order they were added (duplicate keys allowed, as in Kafka).
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<Header> init) : headers_(init) {}

  Headers& add(std::string key, std::optional<std::string> value) {
    headers_.push_back(Header{std::move(key), std::move(value)});
    return *this;
  }
  /// Removes every header with this key.
  Headers& remove(std::string_view key) {
    std::erase_if(headers_, [&](const Header& h) { return h.key == key; });
    return *this;
  }
  /// The last header with this key, or nullptr.
  [[nodiscard]] const Header* lastHeader(std::string_view key) const {
    for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
      if (it->key == key) return &*it;
    }
    return nullptr;
  }
  [[nodiscard]] bool empty() const { return headers_.empty(); }
  [[nodiscard]] size_t size() const { return headers_.size(); }
  void clear() { headers_.clear(); }
  [[nodiscard]] auto begin() const { return headers_.begin(); }
  [[nodiscard]] auto end() const { return headers_.end(); }
  bool operator==(const Headers&) const = default;

 private:
  std::vector<Header> headers_;
};

/// A key and a value, as returned by map/flatMap (Kafka Streams' KeyValue).
template <class K, class V>
struct KeyValue {
  K key;
  V value;
  static KeyValue pair(K k, V v) { return KeyValue{std::move(k), std::move(v)}; }
  bool operator==(const KeyValue&) const = default;
};

/// Where the record being processed came from (Kafka Streams' RecordContext).
struct RecordContext {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = 0;
  const Headers* headers = nullptr;
};

}  // namespace kstreams

namespace kstreams {

/// A record as read from a topic, before deserialization. Timestamp extractors and
/// exception handlers see it. Pointers are valid only during the call.
struct RawRecord {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
  const char* key = nullptr;  // nullptr: null key
  size_t keySize = 0;
  const char* value = nullptr;  // nullptr: null value (tombstone)
  size_t valueSize = 0;
  const Headers* headers = nullptr;
};

}  // namespace kstreams
