// Serializers and deserializers (serdes), byte-compatible with Kafka's Java serdes.
//
// A Serde<T> turns a T into bytes and back. Kafka records can carry null keys and
// values; C++ values cannot be null, so nullability is part of the type:
// std::optional<T> is null-aware (Serdes::Nullable), and the plain serdes read a
// null as follows: String and ByteArray give an empty value, Void gives Void{},
// numbers throw SerializationException (use std::optional<int64_t> to accept nulls).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "kstreams/errors.h"

namespace kstreams {

/// The type of Serdes::Void(): a key or value that is always null.
struct Void {
  bool operator==(const Void&) const = default;
};

/// Bytes as Serdes::ByteArray() reads and writes them.
using Bytes = std::vector<uint8_t>;

template <class T>
class Serde {
 public:
  virtual ~Serde() = default;
  /// Appends the bytes of `value` to `out` (cleared by the caller). Returns false
  /// when the value is to be written as null (nothing appended).
  virtual bool serialize(const T& value, std::string& out) const = 0;
  /// Reads `data` (nullptr for a null key or value) into `out`, reusing its memory.
  /// Throws SerializationException on malformed bytes.
  virtual void deserialize(const char* data, size_t size, T& out) const = 0;
  /// A short name for messages and Topology::describe().
  [[nodiscard]] virtual std::string name() const = 0;

  // Convenience forms, for tests and user code (not used on the hot path).
  [[nodiscard]] std::optional<std::string> serialize(const T& value) const {
    std::string out;
    if (!serialize(value, out)) return std::nullopt;
    return out;
  }
  [[nodiscard]] T deserialize(std::optional<std::string_view> bytes) const {
    T out{};
    if (bytes) {
      deserialize(bytes->data(), bytes->size(), out);
    } else {
      deserialize(nullptr, 0, out);
    }
    return out;
  }
};

template <class T>
using SerdePtr = std::shared_ptr<const Serde<T>>;

namespace detail {

template <class U>
void putBigEndian(U v, std::string& out) {
  using Unsigned = std::make_unsigned_t<U>;
  auto u = static_cast<Unsigned>(v);
  char buf[sizeof(U)];
  for (size_t i = 0; i < sizeof(U); ++i) {
    buf[sizeof(U) - 1 - i] = static_cast<char>(u & 0xFF);
    u = static_cast<Unsigned>(u >> 8);
  }
  out.append(buf, sizeof(U));
}

template <class U>
U getBigEndian(const char* data) {
  using Unsigned = std::make_unsigned_t<U>;
  Unsigned u = 0;
  for (size_t i = 0; i < sizeof(U); ++i) {
    u = static_cast<Unsigned>((u << 8) | static_cast<uint8_t>(data[i]));
  }
  return static_cast<U>(u);
}

[[noreturn]] inline void throwSizeMismatch(const char* javaName, size_t expected, size_t got) {
  throw SerializationException(std::string("Size of data received by ") + javaName +
                               " is not " + std::to_string(expected) + " (got " +
                               std::to_string(got) + " bytes)");
}

[[noreturn]] inline void throwNull(const char* javaName) {
  throw SerializationException(std::string(javaName) +
                               " received null; declare the type as std::optional<...> "
                               "to accept null keys or values");
}

class StringSerde final : public Serde<std::string> {
 public:
  bool serialize(const std::string& v, std::string& out) const override {
    out.append(v);
    return true;
  }
  void deserialize(const char* data, size_t size, std::string& out) const override {
    if (data == nullptr) {
      out.clear();
    } else {
      out.assign(data, size);
    }
  }
  [[nodiscard]] std::string name() const override { return "String"; }
};

class ByteArraySerde final : public Serde<Bytes> {
 public:
  bool serialize(const Bytes& v, std::string& out) const override {
    out.append(reinterpret_cast<const char*>(v.data()), v.size());
    return true;
  }
  void deserialize(const char* data, size_t size, Bytes& out) const override {
    if (data == nullptr) {
      out.clear();
    } else {
      out.assign(reinterpret_cast<const uint8_t*>(data),
                 reinterpret_cast<const uint8_t*>(data) + size);
    }
  }
  [[nodiscard]] std::string name() const override { return "ByteArray"; }
};

template <class I>
class IntegerSerde final : public Serde<I> {
 public:
  explicit IntegerSerde(const char* javaName) : javaName_(javaName) {}
  bool serialize(const I& v, std::string& out) const override {
    putBigEndian<I>(v, out);
    return true;
  }
  void deserialize(const char* data, size_t size, I& out) const override {
    if (data == nullptr) throwNull(javaName_);
    if (size != sizeof(I)) throwSizeMismatch(javaName_, sizeof(I), size);
    out = getBigEndian<I>(data);
  }
  [[nodiscard]] std::string name() const override {
    return "Int" + std::to_string(sizeof(I) * 8);
  }

 private:
  const char* javaName_;
};

template <class F, class Bits>
class FloatingSerde final : public Serde<F> {
  static_assert(sizeof(F) == sizeof(Bits));

 public:
  explicit FloatingSerde(const char* javaName) : javaName_(javaName) {}
  bool serialize(const F& v, std::string& out) const override {
    putBigEndian<Bits>(std::bit_cast<Bits>(v), out);
    return true;
  }
  void deserialize(const char* data, size_t size, F& out) const override {
    if (data == nullptr) throwNull(javaName_);
    if (size != sizeof(F)) throwSizeMismatch(javaName_, sizeof(F), size);
    out = std::bit_cast<F>(getBigEndian<Bits>(data));
  }
  [[nodiscard]] std::string name() const override {
    return sizeof(F) == 8 ? "Double" : "Float";
  }

 private:
  const char* javaName_;
};

class BooleanSerde final : public Serde<bool> {
 public:
  bool serialize(const bool& v, std::string& out) const override {
    out.push_back(v ? '\x01' : '\x00');
    return true;
  }
  void deserialize(const char* data, size_t size, bool& out) const override {
    if (data == nullptr) throwNull("BooleanDeserializer");
    if (size != 1) throwSizeMismatch("BooleanDeserializer", 1, size);
    if (data[0] == 0) {
      out = false;
    } else if (data[0] == 1) {
      out = true;
    } else {
      throw SerializationException("BooleanDeserializer: byte must be 0 or 1");
    }
  }
  [[nodiscard]] std::string name() const override { return "Boolean"; }
};

class VoidSerde final : public Serde<Void> {
 public:
  bool serialize(const Void&, std::string&) const override { return false; }
  void deserialize(const char* data, size_t, Void&) const override {
    if (data != nullptr) {
      throw SerializationException("VoidDeserializer: data should be null for a Void type");
    }
  }
  [[nodiscard]] std::string name() const override { return "Void"; }
};

template <class T>
class NullableSerde final : public Serde<std::optional<T>> {
 public:
  explicit NullableSerde(SerdePtr<T> inner) : inner_(std::move(inner)) {}
  bool serialize(const std::optional<T>& v, std::string& out) const override {
    if (!v) return false;
    return inner_->serialize(*v, out);
  }
  void deserialize(const char* data, size_t size, std::optional<T>& out) const override {
    if (data == nullptr) {
      out.reset();
      return;
    }
    if (!out) out.emplace();
    inner_->deserialize(data, size, *out);
  }
  [[nodiscard]] std::string name() const override { return "Nullable<" + inner_->name() + ">"; }

 private:
  SerdePtr<T> inner_;
};

}  // namespace detail

/// Factory of the built-in serdes (Kafka's org.apache.kafka.common.serialization.Serdes).
struct Serdes {
  static SerdePtr<std::string> String() { return std::make_shared<detail::StringSerde>(); }
  static SerdePtr<Bytes> ByteArray() { return std::make_shared<detail::ByteArraySerde>(); }
  static SerdePtr<int16_t> Int16() {
    return std::make_shared<detail::IntegerSerde<int16_t>>("ShortDeserializer");
  }
  static SerdePtr<int32_t> Int32() {
    return std::make_shared<detail::IntegerSerde<int32_t>>("IntegerDeserializer");
  }
  static SerdePtr<int64_t> Int64() {
    return std::make_shared<detail::IntegerSerde<int64_t>>("LongDeserializer");
  }
  static SerdePtr<float> Float() {
    return std::make_shared<detail::FloatingSerde<float, uint32_t>>("FloatDeserializer");
  }
  static SerdePtr<double> Double() {
    return std::make_shared<detail::FloatingSerde<double, uint64_t>>("DoubleDeserializer");
  }
  static SerdePtr<bool> Boolean() { return std::make_shared<detail::BooleanSerde>(); }
  static SerdePtr<kstreams::Void> Void() { return std::make_shared<detail::VoidSerde>(); }
  // Java's names for the same serdes.
  static SerdePtr<int16_t> Short() { return Int16(); }
  static SerdePtr<int32_t> Integer() { return Int32(); }
  static SerdePtr<int64_t> Long() { return Int64(); }
  /// JSON through nlohmann/json, for nlohmann::json or any T with to_json/from_json
  /// (defined in kstreams/json_serde.h; include it to use this).
  template <class T>
  static SerdePtr<T> Json();
  /// A generated Protobuf message type (defined in kstreams/protobuf_serde.h).
  template <class T>
  static SerdePtr<T> Protobuf();
  /// std::optional<T> on top of a serde of T: nullopt is written and read as null.
  template <class T>
  static SerdePtr<std::optional<T>> Nullable(SerdePtr<T> inner) {
    return std::make_shared<detail::NullableSerde<T>>(std::move(inner));
  }
};

/// The serde used when none is given for a type. Specialise it for your own
/// types; a type without one needs an explicit serde wherever it is written to or
/// read from a topic, or build() fails saying where.
template <class T>
struct DefaultSerde {
  static SerdePtr<T> get() { return nullptr; }
};
template <>
struct DefaultSerde<std::string> {
  static SerdePtr<std::string> get() { return Serdes::String(); }
};
template <>
struct DefaultSerde<Bytes> {
  static SerdePtr<Bytes> get() { return Serdes::ByteArray(); }
};
template <>
struct DefaultSerde<int16_t> {
  static SerdePtr<int16_t> get() { return Serdes::Int16(); }
};
template <>
struct DefaultSerde<int32_t> {
  static SerdePtr<int32_t> get() { return Serdes::Int32(); }
};
template <>
struct DefaultSerde<int64_t> {
  static SerdePtr<int64_t> get() { return Serdes::Int64(); }
};
template <>
struct DefaultSerde<float> {
  static SerdePtr<float> get() { return Serdes::Float(); }
};
template <>
struct DefaultSerde<double> {
  static SerdePtr<double> get() { return Serdes::Double(); }
};
template <>
struct DefaultSerde<bool> {
  static SerdePtr<bool> get() { return Serdes::Boolean(); }
};
template <>
struct DefaultSerde<Void> {
  static SerdePtr<Void> get() { return Serdes::Void(); }
};
template <class T>
struct DefaultSerde<std::optional<T>> {
  static SerdePtr<std::optional<T>> get() {
    auto inner = DefaultSerde<T>::get();
    return inner ? Serdes::Nullable<T>(std::move(inner)) : nullptr;
  }
};

namespace detail {
/// A readable name of T for error messages.
template <class T>
std::string typeName() {
  if constexpr (std::is_same_v<T, std::string>) {
    return "std::string";
  } else {
    return typeid(T).name();
  }
}
}  // namespace detail

}  // namespace kstreams
