// Processor nodes of the foreign-key table-table join (Kafka Streams' KIP-213).
//
//   left table ──SubscriptionSendNode──▶ <name>-subscription-registration-topic (key: FK)
//                                              │
//   right table's task:             SubscriptionReceiveNode (subscription store, right store)
//   right table ──ForeignTableJoinNode─┐       │
//                                      ▼       ▼
//                        <name>-subscription-response-topic (key: PK, to the subscriber's partition)
//                                              │
//   left table's task:               ResponseJoinNode (left store; result store) ──▶ result table
//
// A subscription carries the left row's primary key (bytes), the partition of
// its task, an instruction and a hash of the left value it was sent for; the
// response carries that hash back with the right value, and the left side drops a
// response whose hash no longer matches its current row (a newer subscription is
// on its way). The byte formats of both topics and of the subscription store are
// kstreams' own (see FkJoinFormat below): they are not Kafka Streams' formats.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "kstreams/detail/node.h"
#include "kstreams/detail/nodes.h"
#include "kstreams/detail/table_nodes.h"
#include "kstreams/errors.h"
#include "kstreams/serde.h"
#include "kstreams/state.h"

namespace kstreams::detail {

// ------------------------------------------------------------------ hashing

/// A 128-bit hash of a serialized left value.
struct ValueHash {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const ValueHash&) const = default;
};

/// The seed Kafka Streams hashes left values with.
inline constexpr uint64_t kMurmur3DefaultSeed = 104729;

/// MurmurHash3, x64 128-bit variant (as Kafka Streams hashes left values, over
/// the bytes of the left table's value serde).
inline ValueHash murmur3Hash128(std::string_view data, uint64_t seed = kMurmur3DefaultSeed) {
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t c2 = 0x4cf5ad432745937fULL;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto fmix = [](uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
  };
  auto load = [](const unsigned char* p) {  // little-endian, whatever the host
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const size_t len = data.size();
  const size_t blocks = len / 16;
  uint64_t h1 = seed;
  uint64_t h2 = seed;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load(bytes + i * 16);
    uint64_t k2 = load(bytes + i * 16 + 8);
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const unsigned char* tail = bytes + blocks * 16;
  const size_t rest = len & 15;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  for (size_t i = rest; i > 8; --i) k2 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 9) * 8);
  if (rest > 8) {
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
  }
  for (size_t i = std::min<size_t>(rest, 8); i > 0; --i) k1 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 1) * 8);
  if (rest > 0) {
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
  }
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return ValueHash{h1, h2};
}

// ------------------------------------------------------------------ wire formats

/// What the right side does with a subscription (Kafka Streams' names).
enum class SubscriptionInstruction : uint8_t {
  /// Remove the subscription; no response (the left row moved to another FK).
  DELETE_KEY_NO_PROPAGATE = 0,
  /// Remove the subscription and respond with no right value (the left row was deleted).
  DELETE_KEY_AND_PROPAGATE = 1,
  /// Store the subscription; respond with the right value, or with none when absent.
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE = 2,
  /// Store the subscription; respond only when the right row exists (inner join, new row).
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE = 3,
};

/// A subscription, keyed by the foreign key on the subscription topic.
struct SubscriptionWrapper {
  std::optional<ValueHash> hash;  // nullopt: the left row is deleted
  SubscriptionInstruction instruction = SubscriptionInstruction::PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE;
  int32_t primaryPartition = -1;  // the left row's task partition: where the response goes
  std::string primaryKey;         // the left key, serialized by the left table's key serde
};

/// A response, keyed by the left key on the response topic.
template <class VO>
struct SubscriptionResponse {
  std::optional<ValueHash> hash;  // copied from the subscription
  std::optional<VO> foreignValue;
  int32_t primaryPartition = -1;  // where to send it (not written: the record's partition says it)
};

/// Byte layouts (kstreams' own, version 0; integers big-endian):
///   subscription value: version(1) instruction(1) flags(1: bit 0 hash present)
///                       [hash high(8) low(8)] partition(4) primary-key bytes
///   response value:     version(1) flags(1: bit 0 hash, bit 1 value present)
///                       [hash high(8) low(8)] [right value bytes]
///   subscription store: key   = FK length(4) FK bytes, PK bytes (all subscribers of
///                               an FK share a prefix; the length keeps "a"+"bc"
///                               apart from "ab"+"c")
///                       value = timestamp(8) subscription value
struct FkJoinFormat {
  static constexpr uint8_t kVersion = 0;
  static void putHash(const std::optional<ValueHash>& h, std::string& out) {
    if (!h) return;
    putBigEndian<uint64_t>(h->high, out);
    putBigEndian<uint64_t>(h->low, out);
  }
  static ValueHash getHash(const char* p) {
    return ValueHash{getBigEndian<uint64_t>(p), getBigEndian<uint64_t>(p + 8)};
  }
  static void checkVersion(const char* what, const char* data, size_t size, size_t minimum) {
    if (data == nullptr || size < minimum) {
      throw SerializationException(std::string("foreign-key join ") + what + ": " + std::to_string(size) +
                                   " bytes, fewer than the " + std::to_string(minimum) + " it needs");
    }
    if (static_cast<uint8_t>(data[0]) != kVersion) {
      throw SerializationException(std::string("foreign-key join ") + what + " of format version " +
                                   std::to_string(static_cast<uint8_t>(data[0])) + "; this version reads " +
                                   std::to_string(kVersion) + ": upgrade every instance of the application");
    }
  }
  static void appendStoreKey(std::string_view fk, std::string_view pk, std::string& out) {
    putBigEndian<int32_t>(static_cast<int32_t>(fk.size()), out);
    out.append(fk);
    out.append(pk);
  }
};

class SubscriptionWrapperSerde final : public Serde<SubscriptionWrapper> {
 public:
  bool serialize(const SubscriptionWrapper& s, std::string& out) const override {
    out.push_back(static_cast<char>(FkJoinFormat::kVersion));
    out.push_back(static_cast<char>(s.instruction));
    out.push_back(static_cast<char>(s.hash ? 1 : 0));
    FkJoinFormat::putHash(s.hash, out);
    putBigEndian<int32_t>(s.primaryPartition, out);
    out.append(s.primaryKey);
    return true;
  }
  void deserialize(const char* data, size_t size, SubscriptionWrapper& out) const override {
    FkJoinFormat::checkVersion("subscription", data, size, 7);
    const auto instruction = static_cast<uint8_t>(data[1]);
    if (instruction > 3) {
      throw SerializationException("foreign-key join subscription: unknown instruction " + std::to_string(instruction));
    }
    out.instruction = static_cast<SubscriptionInstruction>(instruction);
    size_t pos = 3;
    if ((data[2] & 1) != 0) {
      if (size < 3 + 16 + 4) throw SerializationException("foreign-key join subscription: truncated hash");
      out.hash = FkJoinFormat::getHash(data + pos);
      pos += 16;
    } else {
      out.hash.reset();
    }
    out.primaryPartition = getBigEndian<int32_t>(data + pos);
    pos += 4;
    out.primaryKey.assign(data + pos, size - pos);
  }
  [[nodiscard]] std::string name() const override { return "SubscriptionWrapper"; }
};

template <class VO>
class SubscriptionResponseSerde final : public Serde<SubscriptionResponse<VO>> {
 public:
  explicit SubscriptionResponseSerde(SerdePtr<VO> foreignValueSerde) : inner_(std::move(foreignValueSerde)) {}
  bool serialize(const SubscriptionResponse<VO>& r, std::string& out) const override {
    out.push_back(static_cast<char>(FkJoinFormat::kVersion));
    const size_t flags = out.size();
    out.push_back(static_cast<char>(r.hash ? 1 : 0));
    FkJoinFormat::putHash(r.hash, out);
    if (r.foreignValue) {
      const size_t before = out.size();
      // A serde that writes this value as null: the join sees no right value.
      if (inner_->serialize(*r.foreignValue, out)) {
        out[flags] = static_cast<char>(out[flags] | 2);
      } else {
        out.resize(before);
      }
    }
    return true;
  }
  void deserialize(const char* data, size_t size, SubscriptionResponse<VO>& out) const override {
    FkJoinFormat::checkVersion("response", data, size, 2);
    size_t pos = 2;
    if ((data[1] & 1) != 0) {
      if (size < 2 + 16) throw SerializationException("foreign-key join response: truncated hash");
      out.hash = FkJoinFormat::getHash(data + pos);
      pos += 16;
    } else {
      out.hash.reset();
    }
    if ((data[1] & 2) != 0) {
      VO v{};
      inner_->deserialize(data + pos, size - pos, v);
      out.foreignValue = std::move(v);
    } else {
      out.foreignValue.reset();
    }
    out.primaryPartition = -1;
  }
  [[nodiscard]] std::string name() const override { return "SubscriptionResponse<" + inner_->name() + ">"; }

 private:
  SerdePtr<VO> inner_;
};

// ------------------------------------------------------------------ left side: subscribe

/// The foreign key of a left value: the extractor returns KO, or std::optional<KO>
/// (nullopt: the row has no foreign key; it joins nothing).
template <class KO, class R>
std::optional<KO> toForeignKey(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_convertible_v<D, KO>) {
    return std::optional<KO>(KO(std::forward<R>(r)));
  } else {
    if (!r) return std::nullopt;
    return std::optional<KO>(KO(*std::forward<R>(r)));
  }
}

/// Below the left table: turns each change of a row into subscriptions for the
/// right side: unsubscribe from the old foreign key when it changes or the row
/// goes, subscribe (with the new value's hash) to the new one.
template <class K, class V, class KO, class FK>
class SubscriptionSendNode final : public Node {
 public:
  SubscriptionSendNode(std::string name, FK extractor, SerdePtr<K> keySerde, SerdePtr<V> valueSerde,
                       SerdePtr<KO> foreignKeySerde, bool leftJoin)
      : Node(std::move(name)),
        extractor_(std::move(extractor)),
        keySerde_(std::move(keySerde)),
        valueSerde_(std::move(valueSerde)),
        foreignKeySerde_(std::move(foreignKeySerde)),
        leftJoin_(leftJoin) {}

  void init(NodeContext& context) override {
    Node::init(context);
    // The task's partition: that of the left row, and of the response topic
    // partition its answers must reach (the response topic is co-partitioned
    // with the left table's topic). Task ids are "<subtopology>_<partition>".
    const std::string id = context.taskId();
    const auto underscore = id.rfind('_');
    partition_ = static_cast<int32_t>(std::stol(id.substr(underscore == std::string::npos ? 0 : underscore + 1)));
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    using Instruction = SubscriptionInstruction;
    const K& key = *static_cast<const K*>(k);
    const auto& change = *static_cast<const Change<V>*>(v);
    if (!change.newValue && !change.oldValue) return;
    subscription_.primaryKey.clear();
    keySerde_->serialize(key, subscription_.primaryKey);
    subscription_.primaryPartition = partition_;
    subscription_.hash.reset();
    if (change.newValue) {
      valueBuf_.clear();
      valueSerde_->serialize(*change.newValue, valueBuf_);
      subscription_.hash = murmur3Hash128(valueBuf_);
    }
    std::optional<KO> newFk;
    if (change.newValue) newFk = toForeignKey<KO>(extractor_(*change.newValue));
    std::optional<KO> oldFk;
    if (change.oldValue) oldFk = toForeignKey<KO>(extractor_(*change.oldValue));

    if (!change.newValue) {  // the left row is deleted
      if (oldFk) {
        send(*oldFk, Instruction::DELETE_KEY_AND_PROPAGATE, meta);
      } else if (leftJoin_) {
        sendWithoutForeignKey(meta);  // its result (joined with nothing) must go too
      }
      return;
    }
    const bool moved = oldFk && (!newFk || !sameBytes(*oldFk, *newFk));
    if (!newFk) {
      if (leftJoin_) {
        if (moved) send(*oldFk, Instruction::DELETE_KEY_NO_PROPAGATE, meta);
        sendWithoutForeignKey(meta);
      } else if (moved) {
        // An inner join of a row without a foreign key has no result: remove the
        // one joined through the old key.
        send(*oldFk, Instruction::DELETE_KEY_AND_PROPAGATE, meta);
      } else {
        this->context_->recordDropped(this->name(), "a row without a foreign key in an inner join");
      }
      return;
    }
    if (moved) send(*oldFk, Instruction::DELETE_KEY_NO_PROPAGATE, meta);
    // A new row of an inner join has no result to take back when the right row is
    // missing; any other change does (it may have had one).
    const bool quietIfMissing = !leftJoin_ && !change.oldValue;
    send(*newFk,
         quietIfMissing ? Instruction::PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE
                        : Instruction::PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE,
         meta);
  }

 private:
  bool sameBytes(const KO& a, const KO& b) {
    fkBuf_.clear();
    foreignKeySerde_->serialize(a, fkBuf_);
    otherFkBuf_.clear();
    foreignKeySerde_->serialize(b, otherFkBuf_);
    return fkBuf_ == otherFkBuf_;
  }
  void send(const KO& fk, SubscriptionInstruction instruction, const RecordMeta& meta) {
    subscription_.instruction = instruction;
    RecordMeta m = meta;
    m.nullKey = false;
    m.nullValue = false;
    forward(&fk, &subscription_, m);
  }
  /// A left-join row without a foreign key: a subscription with a null key, which
  /// the right side answers at once with no right value (and does not store).
  void sendWithoutForeignKey(const RecordMeta& meta) {
    subscription_.instruction = SubscriptionInstruction::PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE;
    RecordMeta m = meta;
    m.nullKey = true;
    m.nullValue = false;
    const KO none{};
    forward(&none, &subscription_, m);
  }

  FK extractor_;
  SerdePtr<K> keySerde_;
  SerdePtr<V> valueSerde_;
  SerdePtr<KO> foreignKeySerde_;
  bool leftJoin_;
  int32_t partition_ = -1;
  SubscriptionWrapper subscription_;
  std::string valueBuf_;
  std::string fkBuf_;
  std::string otherFkBuf_;
};

// ------------------------------------------------------------------ right side: answer

/// Reads the right table's row for a foreign key (serialized) from its
/// timestamped store, without going through the key type.
template <class VO>
class ForeignValueReader {
 public:
  ForeignValueReader(std::string store, SerdePtr<VO> valueSerde)
      : storeName_(std::move(store)), valueSerde_(std::move(valueSerde)) {}
  void init(NodeContext& context) { store_ = context.getStateStore(storeName_); }
  /// The value and its timestamp, or nullopt when the right table has no such row.
  std::optional<std::pair<VO, int64_t>> get(std::string_view foreignKey) {
    auto raw = store_->get(foreignKey);
    if (!raw) return std::nullopt;
    if (raw->size() < 8) throw SerializationException("store " + storeName_ + ": value shorter than its timestamp");
    std::pair<VO, int64_t> out{VO{}, getBigEndian<int64_t>(raw->data())};
    valueSerde_->deserialize(raw->data() + 8, raw->size() - 8, out.first);
    return out;
  }

 private:
  std::string storeName_;
  SerdePtr<VO> valueSerde_;
  KeyValueBytesStore* store_ = nullptr;
};

/// Reads the subscription topic (key: the foreign key's bytes): records or
/// removes the subscription in the subscription store, then answers it with the
/// right table's current value as the instruction says.
template <class VO>
class SubscriptionReceiveNode final : public Node {
 public:
  SubscriptionReceiveNode(std::string name, std::string subscriptionStore, std::string foreignStore,
                          SerdePtr<VO> foreignValueSerde)
      : Node(std::move(name)),
        subscriptionStoreName_(std::move(subscriptionStore)),
        foreign_(std::move(foreignStore), std::move(foreignValueSerde)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    subscriptions_ = context.getStateStore(subscriptionStoreName_);
    foreign_.init(context);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    using Instruction = SubscriptionInstruction;
    const std::string& fk = *static_cast<const std::string*>(k);
    const auto& s = *static_cast<const SubscriptionWrapper*>(v);
    if (meta.nullValue) {
      this->context_->recordDropped(this->name(), "a subscription without a value");
      return;
    }
    response_.hash = s.hash;
    response_.primaryPartition = s.primaryPartition;
    response_.foreignValue.reset();
    if (meta.nullKey) {  // a left-join row without a foreign key: nothing to store or look up
      if (s.instruction != Instruction::PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) {
        this->context_->recordDropped(this->name(), "a subscription without a foreign key");
        return;
      }
      respond(s, meta, meta.timestamp);
      return;
    }
    storeKey_.clear();
    FkJoinFormat::appendStoreKey(fk, s.primaryKey, storeKey_);
    if (s.instruction == Instruction::DELETE_KEY_NO_PROPAGATE || s.instruction == Instruction::DELETE_KEY_AND_PROPAGATE) {
      subscriptions_->remove(storeKey_);
    } else {
      storeValue_.clear();
      putBigEndian<int64_t>(meta.timestamp, storeValue_);
      serde_.serialize(s, storeValue_);
      subscriptions_->put(storeKey_, std::string_view(storeValue_));
    }
    if (s.instruction == Instruction::DELETE_KEY_NO_PROPAGATE) return;
    auto foreign = foreign_.get(fk);
    const int64_t timestamp = foreign ? std::max(meta.timestamp, foreign->second) : meta.timestamp;
    if (s.instruction == Instruction::DELETE_KEY_AND_PROPAGATE) {
      respond(s, meta, timestamp);  // no right value: the left row is gone
      return;
    }
    if (!foreign && s.instruction == Instruction::PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE) return;
    if (foreign) response_.foreignValue = std::move(foreign->first);
    respond(s, meta, timestamp);
  }

 private:
  void respond(const SubscriptionWrapper& s, const RecordMeta& meta, int64_t timestamp) {
    RecordMeta m = meta;
    m.timestamp = timestamp;
    m.nullKey = false;
    m.nullValue = false;
    forward(&s.primaryKey, &response_, m);
  }

  std::string subscriptionStoreName_;
  ForeignValueReader<VO> foreign_;
  KeyValueBytesStore* subscriptions_ = nullptr;
  SubscriptionWrapperSerde serde_;
  SubscriptionResponse<VO> response_;
  std::string storeKey_;
  std::string storeValue_;
};

/// Below the right table: a change of a right row is sent to every left row
/// subscribed to its key (a prefix scan of the subscription store).
template <class KO, class VO>
class ForeignTableJoinNode final : public Node {
 public:
  ForeignTableJoinNode(std::string name, std::string subscriptionStore, SerdePtr<KO> foreignKeySerde)
      : Node(std::move(name)),
        subscriptionStoreName_(std::move(subscriptionStore)),
        foreignKeySerde_(std::move(foreignKeySerde)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    subscriptions_ = context.getStateStore(subscriptionStoreName_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey) {
      this->context_->recordDropped(this->name(), "a right-table change without a key");
      return;
    }
    const auto& change = *static_cast<const Change<VO>*>(v);
    fkBuf_.clear();
    foreignKeySerde_->serialize(*static_cast<const KO*>(k), fkBuf_);
    prefix_.clear();
    FkJoinFormat::appendStoreKey(fkBuf_, {}, prefix_);
    response_.foreignValue = change.newValue;
    RecordMeta m = meta;
    m.nullKey = false;
    m.nullValue = false;
    for (auto it = subscriptions_->prefixScan(prefix_); it->valid(); it->next()) {
      const std::string_view value = it->value();
      if (value.size() < 8) {
        throw SerializationException("store " + subscriptionStoreName_ + ": value shorter than its timestamp");
      }
      serde_.deserialize(value.data() + 8, value.size() - 8, subscription_);
      response_.hash = subscription_.hash;
      response_.primaryPartition = subscription_.primaryPartition;
      forward(&subscription_.primaryKey, &response_, m);
    }
  }

 private:
  std::string subscriptionStoreName_;
  SerdePtr<KO> foreignKeySerde_;
  KeyValueBytesStore* subscriptions_ = nullptr;
  SubscriptionWrapperSerde serde_;
  SubscriptionWrapper subscription_;
  SubscriptionResponse<VO> response_;
  std::string fkBuf_;
  std::string prefix_;
};

/// Writes responses to the response topic, each to the partition of the left row
/// that subscribed (key: the left key's bytes as they came in the subscription).
template <class VO>
class ResponseSinkNode final : public Node {
 public:
  ResponseSinkNode(std::string name, std::string topic, SerdePtr<VO> foreignValueSerde)
      : Node(std::move(name)), topic_(std::move(topic)), serde_(std::move(foreignValueSerde)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    topic_ = context.internalTopicName(topic_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    const std::string& key = *static_cast<const std::string*>(k);
    const auto& response = *static_cast<const SubscriptionResponse<VO>*>(v);
    valueBuf_.clear();
    serde_.serialize(response, valueBuf_);
    this->context_->send(topic_, response.primaryPartition, key.data(), key.size(), valueBuf_.data(),
                         valueBuf_.size(), meta.timestamp, meta.headers);
  }

 private:
  std::string topic_;
  SubscriptionResponseSerde<VO> serde_;
  std::string valueBuf_;
};

// ------------------------------------------------------------------ left side: resolve

/// Reads the response topic in the left table's task: drops a response whose hash
/// is not that of the left row's current value (stale: the row changed since, and
/// a newer response is on its way), else joins the current left value with the
/// right value and materializes the result (a delete when the inner join has no
/// right value or the left row is gone).
template <class K, class V, class VO, class VR, class J, bool LeftJoin>
class ResponseJoinNode final : public MaterializingNode<K, VR> {
 public:
  ResponseJoinNode(std::string name, std::string resultStore, SerdePtr<K> keySerde, SerdePtr<VR> resultSerde,
                   std::string leftStore, SerdePtr<V> leftValueSerde, J joiner)
      : MaterializingNode<K, VR>(std::move(name), std::move(resultStore), keySerde, std::move(resultSerde)),
        keySerde_(std::move(keySerde)),
        leftStoreName_(std::move(leftStore)),
        leftValueSerde_(std::move(leftValueSerde)),
        joiner_(std::move(joiner)) {}

  void init(NodeContext& context) override {
    MaterializingNode<K, VR>::init(context);
    left_ = context.getStateStore(leftStoreName_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey || meta.nullValue) {
      this->context_->recordDropped(this->name(), "a foreign-key join response without key or value");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const auto& response = *static_cast<const SubscriptionResponse<VO>*>(v);
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    const auto raw = left_->get(keyBuf_);
    if (raw && raw->size() < 8) {
      throw SerializationException("store " + leftStoreName_ + ": value shorter than its timestamp");
    }
    std::optional<ValueHash> current;
    if (raw) current = murmur3Hash128(std::string_view(*raw).substr(8));
    if (current != response.hash) {
      this->context_->recordDropped(this->name(), "a stale foreign-key join response (the left row changed since)");
      return;
    }
    auto old = this->lookup(key);
    std::optional<VR> result;
    if (raw && (LeftJoin || response.foreignValue)) {
      V left{};
      leftValueSerde_->deserialize(raw->data() + 8, raw->size() - 8, left);
      if constexpr (LeftJoin) {
        result = joiner_(std::as_const(left), response.foreignValue);
      } else {
        result = joiner_(std::as_const(left), *response.foreignValue);
      }
    }
    if (!result && !old) return;  // nothing to delete
    this->update(key, std::move(result), old, meta.timestamp, meta);
  }

 private:
  SerdePtr<K> keySerde_;
  std::string leftStoreName_;
  SerdePtr<V> leftValueSerde_;
  J joiner_;
  KeyValueBytesStore* left_ = nullptr;
  std::string keyBuf_;
};

}  // namespace kstreams::detail
