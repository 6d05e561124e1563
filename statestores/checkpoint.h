// The task's checkpoint file: which changelog offset each store's files reflect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kstreams::internal {

/// One store's position: its files hold the changelog `topic`-`partition` up to
/// (excluding) `offset`, and were at RocksDB version `persistedVersion` then.
struct CheckpointEntry {
  std::string store;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  uint64_t persistedVersion = 0;

  bool operator==(const CheckpointEntry&) const = default;
};

struct CheckpointReadResult {
  enum class Status { MISSING, OK, CORRUPT };
  Status status = Status::MISSING;
  std::vector<CheckpointEntry> entries;  // when OK
  std::string error;                     // when CORRUPT: what was wrong
};

/// Kafka Streams' OffsetCheckpoint, with the store and its persisted version. The
/// file is text:
///
///   kstreams-checkpoint 1
///   <number of entries>
///   <store> <topic> <partition> <offset> <persisted version>   (one line each)
///   crc32 <8 lowercase hex digits>
///
/// every line ending in '\n', the CRC-32 covering all bytes before its line.
/// Written atomically: a temporary file, fsync, rename, fsync of the directory.
class Checkpoint {
 public:
  /// `<task directory>/.checkpoint`.
  [[nodiscard]] static std::string path(const std::string& taskDirectory);

  /// MISSING when there is no file, CORRUPT when it is not exactly in the format
  /// above. Throws StoreException when the file exists but cannot be read.
  [[nodiscard]] static CheckpointReadResult read(const std::string& path);
  /// Replaces the file. Store and topic names must be non-empty and contain no
  /// whitespace or control characters. Throws StoreException.
  static void write(const std::string& path, const std::vector<CheckpointEntry>& entries);
  /// Removes the file; a missing file is fine. Throws StoreException.
  static void remove(const std::string& path);
};

}  // namespace kstreams::internal
