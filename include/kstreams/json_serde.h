// JSON serde on nlohmann/json. Included on its own so that users who do not use
// JSON do not pay for the header.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "kstreams/serde.h"

namespace kstreams {
namespace detail {

template <class T>
class JsonSerde final : public Serde<T> {
 public:
  bool serialize(const T& v, std::string& out) const override {
    if constexpr (std::is_same_v<T, nlohmann::json>) {
      if (v.is_null()) return false;
      out.append(v.dump());
    } else {
      out.append(nlohmann::json(v).dump());
    }
    return true;
  }
  void deserialize(const char* data, size_t size, T& out) const override {
    if (data == nullptr) {
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        out = nullptr;
        return;
      } else {
        throwNull("JsonDeserializer");
      }
    }
    try {
      auto parsed = nlohmann::json::parse(data, data + size);
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        out = std::move(parsed);
      } else {
        out = parsed.template get<T>();
      }
    } catch (const nlohmann::json::exception& e) {
      throw SerializationException(std::string("JsonDeserializer: ") + e.what());
    }
  }
  [[nodiscard]] std::string name() const override { return "Json"; }
};

}  // namespace detail

/// Malformed JSON is a SerializationException (handled by the deserialization handler).
template <class T>
SerdePtr<T> Serdes::Json() {
  return std::make_shared<detail::JsonSerde<T>>();
}

template <>
struct DefaultSerde<nlohmann::json> {
  static SerdePtr<nlohmann::json> get() { return Serdes::Json<nlohmann::json>(); }
};

}  // namespace kstreams
