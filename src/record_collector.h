// Where a task's sinks send their serialized records: the producer in
// production, an in-memory capture in the test driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kstreams/errors.h"
#include "kstreams/record.h"

namespace kstreams::internal {

/// An error that must stop the thread (a handler set to fail, a broken client).
/// Never routed to a record-level handler.
class FatalStreamsError : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  /// key/value nullptr: null. partition < 0: the producer's partitioner.
  /// `ackedOffset`, when given, is raised to the record's offset once the broker
  /// acknowledges it (changelog writes use it for checkpoints); it must outlive
  /// the next flush. Such a changelog record is sent only after the output
  /// records sent before it, unless `afterOutputs` is false (a store whose
  /// changes can be made durable ahead of the output, see StoreSpec).
  virtual void send(const std::string& topic, int32_t partition, const char* key, size_t keySize,
                    const char* value, size_t valueSize, int64_t timestamp, const Headers* headers,
                    int64_t* ackedOffset = nullptr, bool afterOutputs = true) = 0;
  /// Partition count of a topic, or -1 when it is not known.
  virtual int32_t partitionsFor(const std::string& topic) = 0;
};

}  // namespace kstreams::internal
