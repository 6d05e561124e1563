// Kafka Streams' RocksDBWindowStore / InMemoryWindowStore logic over a
// SegmentedBytesStore: the bottom of a window store stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "statestores/segmented_bytes_store.h"
#include "statestores/window_bytes_store.h"

namespace kstreams::internal {

/// Store keys are WindowKeyCodec's (key, window start, sequence number). The
/// observed stream time is the highest window start written (or restored); a
/// window with start <= observed stream time - retention is expired: writes to
/// it are ignored and reads never return it. Window starts must not be negative
/// (StoreException), as in Kafka Streams.
///
/// retainDuplicates (stream-stream joins): every put() gets the next sequence
/// number (1, 2, ... wrapping at 2^31 to 0, as Kafka Streams), so records with
/// the same key and window start are all kept, in put order; put(nullopt) is
/// ignored; fetch(key, windowStart) returns the first of them. Restoring moves
/// the counter past the highest restored sequence number. Otherwise the
/// sequence number is 0 and a put overwrites.
class SegmentedWindowStore : public SequencedWindowBytesStore {
 public:
  SegmentedWindowStore(std::unique_ptr<SegmentedBytesStore> bytes, bool retainDuplicates);

  [[nodiscard]] const std::string& name() const override { return bytes_->name(); }
  void init(StoreContext& context) override;
  [[nodiscard]] bool persistent() const override { return bytes_->persistent(); }
  [[nodiscard]] int64_t retentionMs() const override { return bytes_->retentionMs(); }
  [[nodiscard]] bool retainDuplicates() const { return retainDuplicates_; }
  [[nodiscard]] int64_t observedStreamTime() const { return bytes_->observedStreamTime(); }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t windowStart) override;
  [[nodiscard]] std::optional<int32_t> lastPutSequenceNumber() const override {
    return lastPutSeqnum_;
  }
  [[nodiscard]] std::optional<std::string> fetch(std::string_view key,
                                                 int64_t windowStart) override;
  std::unique_ptr<WindowBytesIterator> fetch(std::string_view key, int64_t timeFrom,
                                             int64_t timeTo) override;
  std::unique_ptr<WindowBytesIterator> backwardFetch(std::string_view key, int64_t timeFrom,
                                                     int64_t timeTo) override;
  std::unique_ptr<WindowBytesIterator> fetchRange(std::optional<std::string_view> keyFrom,
                                                  std::optional<std::string_view> keyTo,
                                                  int64_t timeFrom, int64_t timeTo) override;
  std::unique_ptr<WindowBytesIterator> fetchAll(int64_t timeFrom, int64_t timeTo) override;
  std::unique_ptr<WindowBytesIterator> all() override;

  void flush() override { bytes_->flush(); }
  void close() override { bytes_->close(); }
  void restoreBatch(const std::vector<RestoreRecord>& records) override;
  [[nodiscard]] uint64_t persistedVersion() override { return bytes_->persistedVersion(); }

 protected:
  [[nodiscard]] SegmentedBytesStore& bytes() { return *bytes_; }

 private:
  std::unique_ptr<SegmentedBytesStore> bytes_;
  bool retainDuplicates_;
  int32_t seqnum_ = 0;
  std::optional<int32_t> lastPutSeqnum_;
  std::string storeKeyBuf_;  // put()'s, reused
};

/// Decodes an iterator over WindowKeyCodec store keys.
class WindowStoreKeyIterator : public WindowBytesIterator {
 public:
  explicit WindowStoreKeyIterator(std::unique_ptr<KeyValueBytesIterator> inner)
      : inner_(std::move(inner)) {}
  [[nodiscard]] bool valid() const override { return inner_->valid(); }
  void next() override { inner_->next(); }
  [[nodiscard]] std::string_view key() const override;
  [[nodiscard]] int64_t windowStart() const override;
  [[nodiscard]] std::string_view value() const override { return inner_->value(); }

 private:
  std::unique_ptr<KeyValueBytesIterator> inner_;
};

}  // namespace kstreams::internal
