// KafkaStreams: runs a topology against a Kafka cluster.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kstreams/config.h"
#include "kstreams/topology.h"

namespace rocksdb {
struct Options;
}

namespace kstreams {

namespace internal {
class KafkaStreamsImpl;
}

/// Adjusts the RocksDB options of one store (Kafka Streams' RocksDBConfigSetter),
/// after kstreams has applied its own (shared block cache, write-buffer manager,
/// WAL off). Include <rocksdb/options.h> to use it.
using RocksDBConfigSetter = std::function<void(const std::string& storeName, rocksdb::Options& options)>;

class KafkaStreams {
 public:
  enum class State { CREATED, REBALANCING, RUNNING, PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR };
  using StateListener = std::function<void(State newState, State oldState)>;

  /// What to do when a stream thread dies of an exception.
  enum class StreamThreadExceptionResponse {
    REPLACE_THREAD,   // start a new thread in its place
    SHUTDOWN_CLIENT,  // stop this client (state ERROR)
    SHUTDOWN_APPLICATION  // treated as SHUTDOWN_CLIENT: other instances are not told yet
  };
  using UncaughtExceptionHandler = std::function<StreamThreadExceptionResponse(std::exception_ptr)>;

  /// Validates the configuration (ConfigException names the bad key).
  KafkaStreams(const Topology& topology, const Properties& config);
  /// Closes the client if it is still running.
  ~KafkaStreams();
  KafkaStreams(const KafkaStreams&) = delete;
  KafkaStreams& operator=(const KafkaStreams&) = delete;

  /// Checks the source topics, creates the internal topics and starts the stream
  /// threads. Throws MissingSourceTopicException or StreamsException when the
  /// application cannot start; IllegalStateException when called twice.
  void start();
  /// Stops the threads: each finishes the record in flight, flushes, commits and
  /// leaves the group. Returns false when `timeout` passed first.
  bool close(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  [[nodiscard]] State state() const;
  /// Set before start().
  void setStateListener(StateListener listener);
  /// Set before start(). Without one, a dying thread shuts the client down (state ERROR).
  void setUncaughtExceptionHandler(UncaughtExceptionHandler handler);
  /// Set before start().
  void setRocksDBConfigSetter(RocksDBConfigSetter setter);
  /// Counters of this client: process-total, produce-total, dropped-records-total, ...
  [[nodiscard]] std::map<std::string, double> metrics() const;

 private:
  std::unique_ptr<internal::KafkaStreamsImpl> impl_;
};

std::string_view toString(KafkaStreams::State state);

}  // namespace kstreams
