// Parsed and validated configuration of one client (or test driver).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kstreams/config.h"

namespace kstreams::internal {

enum class HandlerResponse { FAIL, CONTINUE };

struct StreamsConfigValues {
  std::string applicationId;
  std::string bootstrapServers;
  std::string clientId;
  std::string stateDir = "/tmp/kstreams";
  std::string processingGuarantee = StreamsConfig::AT_LEAST_ONCE;
  int numStreamThreads = 1;
  int64_t commitIntervalMs = 30000;
  int64_t pollMs = 100;
  int64_t repartitionPurgeIntervalMs = 30000;
  // Kafka Streams: 1000. librdkafka 2.0 drops a paused partition's prefetched
  // records and fetches them again on resume, so kstreams pauses far less often.
  int bufferedRecordsPerPartition = 100000;
  int64_t maxTaskIdleMs = 0;  // -1: process whatever is buffered
  int replicationFactor = -1;
  HandlerResponse deserializationHandler = HandlerResponse::FAIL;
  HandlerResponse processingHandler = HandlerResponse::FAIL;
  HandlerResponse productionHandler = HandlerResponse::FAIL;
  std::string deadLetterQueueTopic;
  int64_t cacheMaxBytes = 10 * 1024 * 1024;
  int64_t rocksdbMemoryBytes = 64 * 1024 * 1024;
  int64_t memoryTrimIntervalMs = 1000;  // 0: never
  // librdkafka settings, already checked against librdkafka.
  std::vector<std::pair<std::string, std::string>> consumer;         // consumer.: every consumer
  std::vector<std::pair<std::string, std::string>> mainConsumer;     // consumer. + main.consumer.
  std::vector<std::pair<std::string, std::string>> restoreConsumer;  // consumer. + restore.consumer.
  std::vector<std::pair<std::string, std::string>> producer;
  std::vector<std::pair<std::string, std::string>> admin;
};

/// Throws ConfigException naming the key and what it accepts. `forDriver`: the
/// test driver needs no bootstrap.servers and defaults application.id.
StreamsConfigValues parseConfig(const Properties& props, bool forDriver = false);

}  // namespace kstreams::internal
