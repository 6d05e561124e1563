#include "src/streams_config.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <memory>

#include "kstreams/errors.h"

namespace kstreams::internal {

namespace {

int64_t parseLong(const std::string& key, const std::string& value, int64_t min, int64_t max) {
  int64_t out = 0;
  const auto* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end || out < min || out > max) {
    throw ConfigException("Invalid value '" + value + "' for configuration " + key +
                          ": expected a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max));
  }
  return out;
}

HandlerResponse parseHandler(const std::string& key, const std::string& value) {
  static const std::map<std::string, HandlerResponse> known = {
      {StreamsConfig::LOG_AND_FAIL, HandlerResponse::FAIL},
      {StreamsConfig::LOG_AND_CONTINUE, HandlerResponse::CONTINUE},
      {"org.apache.kafka.streams.errors.LogAndFailExceptionHandler", HandlerResponse::FAIL},
      {"org.apache.kafka.streams.errors.LogAndContinueExceptionHandler", HandlerResponse::CONTINUE},
      {"org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler", HandlerResponse::FAIL},
      {"org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler",
       HandlerResponse::CONTINUE},
      {"org.apache.kafka.streams.errors.DefaultProductionExceptionHandler", HandlerResponse::FAIL},
  };
  auto it = known.find(value);
  if (it == known.end()) {
    throw ConfigException("Invalid value '" + value + "' for configuration " + key +
                          ": expected logAndFail or logAndContinue");
  }
  return it->second;
}

bool validApplicationId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

// Settings kstreams owns; a user value would break its guarantees.
const std::map<std::string, std::string>& managedClientKeys() {
  static const std::map<std::string, std::string> keys = {
      {"group.id", "it is always application.id"},
      {"enable.auto.commit", "kstreams commits offsets itself after the output is acknowledged"},
      {"enable.auto.offset.store", "kstreams stores offsets itself"},
      {"partition.assignment.strategy",
       "co-partitioned inputs need the range assignor, which kstreams sets"},
      {"transactional.id", "it is derived from application.id under exactly_once_v2"},
  };
  return keys;
}

// Checks a librdkafka property by setting it on a scratch configuration.
// Returns false when librdkafka does not know the key.
bool checkClientProperty(const std::string& fullKey, const std::string& key,
                         const std::string& value) {
  auto it = managedClientKeys().find(key);
  if (it != managedClientKeys().end()) {
    throw ConfigException("Configuration " + fullKey + " cannot be set: " + it->second);
  }
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                          &rd_kafka_conf_destroy);
  char err[512];
  switch (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof err)) {
    case RD_KAFKA_CONF_OK: return true;
    case RD_KAFKA_CONF_UNKNOWN: return false;
    case RD_KAFKA_CONF_INVALID:
    default:
      throw ConfigException("Invalid value '" + value + "' for configuration " + fullKey + ": " +
                            err);
  }
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

StreamsConfigValues parseConfig(const Properties& props, bool forDriver) {
  StreamsConfigValues c;
  using Setter = std::function<void(const std::string&, const std::string&)>;
  const std::map<std::string, Setter> setters = {
      {StreamsConfig::APPLICATION_ID_CONFIG,
       [&](const std::string& k, const std::string& v) {
         if (!validApplicationId(v)) {
           throw ConfigException("Invalid value '" + v + "' for configuration " + k +
                                 ": use letters, digits, '.', '_' and '-' only (it names the "
                                 "consumer group and internal topics)");
         }
         c.applicationId = v;
       }},
      {StreamsConfig::BOOTSTRAP_SERVERS_CONFIG,
       [&](const std::string& k, const std::string& v) {
         if (v.empty()) throw ConfigException("Configuration " + k + " must not be empty: give host:port[,host:port]");
         c.bootstrapServers = v;
       }},
      {StreamsConfig::CLIENT_ID_CONFIG, [&](const std::string&, const std::string& v) { c.clientId = v; }},
      {StreamsConfig::STATE_DIR_CONFIG,
       [&](const std::string& k, const std::string& v) {
         if (v.empty()) throw ConfigException("Configuration " + k + " must not be empty: give a directory");
         c.stateDir = v;
       }},
      {StreamsConfig::NUM_STREAM_THREADS_CONFIG,
       [&](const std::string& k, const std::string& v) { c.numStreamThreads = static_cast<int>(parseLong(k, v, 1, 1024)); }},
      {StreamsConfig::COMMIT_INTERVAL_MS_CONFIG,
       [&](const std::string& k, const std::string& v) { c.commitIntervalMs = parseLong(k, v, 0, INT64_MAX / 2); }},
      {StreamsConfig::REPARTITION_PURGE_INTERVAL_MS_CONFIG,
       [&](const std::string& k, const std::string& v) {
         c.repartitionPurgeIntervalMs = parseLong(k, v, 0, INT64_MAX / 2);
       }},
      {StreamsConfig::POLL_MS_CONFIG,
       [&](const std::string& k, const std::string& v) { c.pollMs = parseLong(k, v, 0, 60000); }},
      {StreamsConfig::BUFFERED_RECORDS_PER_PARTITION_CONFIG,
       [&](const std::string& k, const std::string& v) { c.bufferedRecordsPerPartition = static_cast<int>(parseLong(k, v, 1, 10000000)); }},
      {StreamsConfig::MAX_TASK_IDLE_MS_CONFIG,
       [&](const std::string& k, const std::string& v) {
         try {
           c.maxTaskIdleMs = parseLong(k, v, -1, INT64_MAX / 2);
         } catch (const ConfigException&) {
           throw ConfigException("Invalid value '" + v + "' for configuration " + k +
                                 ": expected milliseconds (0 or more) to wait for empty input partitions, "
                                 "or -1 to never wait");
         }
       }},
      {StreamsConfig::REPLICATION_FACTOR_CONFIG,
       [&](const std::string& k, const std::string& v) {
         c.replicationFactor = static_cast<int>(parseLong(k, v, -1, 32767));
         if (c.replicationFactor == 0) throw ConfigException("Invalid value '0' for configuration " + k + ": expected -1 (broker default) or at least 1");
       }},
      {StreamsConfig::PROCESSING_GUARANTEE_CONFIG,
       [&](const std::string& k, const std::string& v) {
         if (v == StreamsConfig::AT_LEAST_ONCE) {
           c.processingGuarantee = v;
         } else if (v == StreamsConfig::EXACTLY_ONCE_V2 || v == "exactly_once" || v == "exactly_once_beta") {
           throw ConfigException("Configuration " + k + "=" + v +
                                 " is not supported yet: use at_least_once");
         } else {
           throw ConfigException("Invalid value '" + v + "' for configuration " + k +
                                 ": expected at_least_once (exactly_once_v2 is planned)");
         }
       }},
      {StreamsConfig::DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CONFIG,
       [&](const std::string& k, const std::string& v) { c.deserializationHandler = parseHandler(k, v); }},
      {StreamsConfig::PROCESSING_EXCEPTION_HANDLER_CONFIG,
       [&](const std::string& k, const std::string& v) { c.processingHandler = parseHandler(k, v); }},
      {StreamsConfig::DEFAULT_PRODUCTION_EXCEPTION_HANDLER_CONFIG,
       [&](const std::string& k, const std::string& v) { c.productionHandler = parseHandler(k, v); }},
      {StreamsConfig::STATESTORE_CACHE_MAX_BYTES_CONFIG,
       [&](const std::string& k, const std::string& v) { c.cacheMaxBytes = parseLong(k, v, 0, INT64_MAX / 2); }},
      {StreamsConfig::ROCKSDB_MEMORY_BYTES_CONFIG,
       [&](const std::string& k, const std::string& v) { c.rocksdbMemoryBytes = parseLong(k, v, 1024 * 1024, INT64_MAX / 2); }},
      {StreamsConfig::MEMORY_TRIM_INTERVAL_MS_CONFIG,
       [&](const std::string& k, const std::string& v) { c.memoryTrimIntervalMs = parseLong(k, v, 0, INT64_MAX / 2); }},
      {StreamsConfig::ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
       [&](const std::string&, const std::string& v) { c.deadLetterQueueTopic = v; }},
  };

  for (const auto& [key, value] : props) {
    if (auto it = setters.find(key); it != setters.end()) {
      it->second(key, value);
      continue;
    }
    bool handled = false;
    for (auto [prefix, target] : {std::pair{StreamsConfig::MAIN_CONSUMER_PREFIX, &c.mainConsumer},
                                  std::pair{StreamsConfig::RESTORE_CONSUMER_PREFIX, &c.restoreConsumer},
                                  std::pair{StreamsConfig::CONSUMER_PREFIX, &c.consumer},
                                  std::pair{StreamsConfig::PRODUCER_PREFIX, &c.producer},
                                  std::pair{StreamsConfig::ADMIN_PREFIX, &c.admin}}) {
      if (startsWith(key, prefix)) {
        const std::string clientKey = key.substr(std::string(prefix).size());
        if (!checkClientProperty(key, clientKey, value)) {
          throw ConfigException("Unknown configuration " + key + ": '" + clientKey +
                                "' is not a librdkafka property");
        }
        target->emplace_back(clientKey, value);
        handled = true;
        break;
      }
    }
    if (handled) continue;
    if (checkClientProperty(key, key, value)) {
      c.consumer.emplace_back(key, value);
      c.producer.emplace_back(key, value);
      c.admin.emplace_back(key, value);
      continue;
    }
    std::string known;
    for (const auto& [k, _] : setters) known += (known.empty() ? "" : ", ") + k;
    throw ConfigException("Unknown configuration " + key + ". Known keys: " + known +
                          "; librdkafka properties may be given as is or with a consumer., "
                          "producer. or admin. prefix");
  }

  if (c.applicationId.empty()) {
    if (!forDriver) {
      throw ConfigException("Missing required configuration application.id: set it to the "
                            "name of your application (it names the consumer group)");
    }
    c.applicationId = "topology-test-driver";
  }
  if (c.bootstrapServers.empty() && !forDriver) {
    throw ConfigException("Missing required configuration bootstrap.servers: set it to host:port of a Kafka broker");
  }
  if (c.clientId.empty()) c.clientId = c.applicationId;
  // consumer.* applies to every consumer; main./restore.consumer.* (given later,
  // so they win) to one of them, as in Kafka Streams.
  auto mainOnly = std::move(c.mainConsumer);
  auto restoreOnly = std::move(c.restoreConsumer);
  c.mainConsumer = c.consumer;
  c.mainConsumer.insert(c.mainConsumer.end(), mainOnly.begin(), mainOnly.end());
  c.restoreConsumer = c.consumer;
  c.restoreConsumer.insert(c.restoreConsumer.end(), restoreOnly.begin(), restoreOnly.end());
  return c;
}

}  // namespace kstreams::internal
