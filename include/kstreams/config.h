// Configuration: Kafka Streams' keys, plus librdkafka settings passed through.
//
// Keys are Kafka Streams' own (application.id, bootstrap.servers, ...). Any
// librdkafka property may be given with a `consumer.`, `producer.` or `admin.`
// prefix (it goes to that client), or without a prefix (it goes to every client).
// An unknown key or a bad value makes the KafkaStreams constructor throw a
// ConfigException that names the key and what it accepts.
#pragma once

#include <map>
#include <string>

namespace kstreams {

using Properties = std::map<std::string, std::string>;

struct StreamsConfig {
  static constexpr const char* APPLICATION_ID_CONFIG = "application.id";
  static constexpr const char* BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
  static constexpr const char* CLIENT_ID_CONFIG = "client.id";
  static constexpr const char* NUM_STREAM_THREADS_CONFIG = "num.stream.threads";
  static constexpr const char* COMMIT_INTERVAL_MS_CONFIG = "commit.interval.ms";
  static constexpr const char* PROCESSING_GUARANTEE_CONFIG = "processing.guarantee";
  static constexpr const char* STATE_DIR_CONFIG = "state.dir";
  static constexpr const char* POLL_MS_CONFIG = "poll.ms";
  static constexpr const char* BUFFERED_RECORDS_PER_PARTITION_CONFIG = "buffered.records.per.partition";
  /// How long a task with several input partitions waits for an empty, caught-up
  /// partition before processing the others out of timestamp order (0; -1: never).
  static constexpr const char* MAX_TASK_IDLE_MS_CONFIG = "max.task.idle.ms";
  static constexpr const char* REPLICATION_FACTOR_CONFIG = "replication.factor";
  /// How often a stream thread deletes the records of repartition topics below
  /// its committed offsets (30000 ms).
  static constexpr const char* REPARTITION_PURGE_INTERVAL_MS_CONFIG = "repartition.purge.interval.ms";
  static constexpr const char* DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CONFIG =
      "default.deserialization.exception.handler";
  static constexpr const char* DEFAULT_PRODUCTION_EXCEPTION_HANDLER_CONFIG =
      "default.production.exception.handler";
  static constexpr const char* PROCESSING_EXCEPTION_HANDLER_CONFIG = "processing.exception.handler";
  static constexpr const char* ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG =
      "errors.dead.letter.queue.topic.name";

  static constexpr const char* STATESTORE_CACHE_MAX_BYTES_CONFIG = "statestore.cache.max.bytes";
  /// kstreams' own: the block cache and memtables of all RocksDB stores of a client.
  static constexpr const char* ROCKSDB_MEMORY_BYTES_CONFIG = "rocksdb.memory.budget.bytes";
  /// kstreams' own: how often the stream threads give the heap's free pages back
  /// to the operating system (glibc malloc_trim; 1000 ms, 0: never).
  static constexpr const char* MEMORY_TRIM_INTERVAL_MS_CONFIG = "memory.trim.interval.ms";

  static constexpr const char* AT_LEAST_ONCE = "at_least_once";
  static constexpr const char* EXACTLY_ONCE_V2 = "exactly_once_v2";

  /// Handler values (Kafka's class names are accepted too).
  static constexpr const char* LOG_AND_FAIL = "logAndFail";
  static constexpr const char* LOG_AND_CONTINUE = "logAndContinue";

  static constexpr const char* CONSUMER_PREFIX = "consumer.";
  /// Only the stream threads' group consumers / only the changelog restore consumers.
  static constexpr const char* MAIN_CONSUMER_PREFIX = "main.consumer.";
  static constexpr const char* RESTORE_CONSUMER_PREFIX = "restore.consumer.";
  static constexpr const char* PRODUCER_PREFIX = "producer.";
  static constexpr const char* ADMIN_PREFIX = "admin.";
};

}  // namespace kstreams
