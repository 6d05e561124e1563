// Protobuf serde for generated message types. Included on its own so that users
// who do not use Protobuf do not pay for the header.
#pragma once

#include <google/protobuf/message_lite.h>

#include <string>
#include <type_traits>

#include "kstreams/serde.h"

namespace kstreams {
namespace detail {

template <class T>
class ProtobufSerde final : public Serde<T> {
  static_assert(std::is_base_of_v<google::protobuf::MessageLite, T>,
                "Protobuf<T> needs a generated protobuf message type");

 public:
  bool serialize(const T& v, std::string& out) const override {
    if (!v.AppendToString(&out)) {
      throw SerializationException("ProtobufSerializer: message " + v.GetTypeName() +
                                   " is missing required fields");
    }
    return true;
  }
  void deserialize(const char* data, size_t size, T& out) const override {
    if (data == nullptr) throwNull("ProtobufDeserializer");
    if (!out.ParseFromArray(data, static_cast<int>(size))) {
      throw SerializationException("ProtobufDeserializer: bytes are not a valid " +
                                   out.GetTypeName());
    }
  }
  [[nodiscard]] std::string name() const override { return "Protobuf"; }
};

}  // namespace detail

/// The plain Protobuf wire format (no schema-registry framing).
template <class T>
SerdePtr<T> Serdes::Protobuf() {
  return std::make_shared<detail::ProtobufSerde<T>>();
}

}  // namespace kstreams
