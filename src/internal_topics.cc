#include "src/internal_topics.h"

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "kstreams/errors.h"
#include "src/kafka_clients.h"
#include "src/log.h"

namespace kstreams::internal {

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, int32_t> fetchPartitionCounts(rd_kafka_t* rk) {
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, 15000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw StreamsException("Could not read cluster metadata (is bootstrap.servers right and the "
                           "broker up?): " + kafkaErrorString(err));
  }
  std::map<std::string, int32_t> counts;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) counts[md->topics[i].topic] = md->topics[i].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return counts;
}

void createTopics(rd_kafka_t* rk, const std::map<std::string, int32_t>& toCreate,
                  const std::map<std::string, std::map<std::string, std::string>>& configs, int replicationFactor) {
  if (toCreate.empty()) return;
  std::vector<rd_kafka_NewTopic_t*> newTopics;
  char err[512];
  for (const auto& [name, partitions] : toCreate) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(name.c_str(), partitions, replicationFactor, err, sizeof err);
    if (t == nullptr) {
      for (auto* n : newTopics) rd_kafka_NewTopic_destroy(n);
      throw StreamsException("Cannot describe internal topic " + name + ": " + err);
    }
    auto cfg = configs.find(name);
    if (cfg == configs.end()) {
      // Repartition topics (as in Kafka Streams): kept until the stream threads
      // purge what they committed (DeleteRecords), never by time. Time-based
      // retention would delete records whose timestamps are old (a replay of
      // history) before they are processed.
      rd_kafka_NewTopic_set_config(t, "cleanup.policy", "delete");
      rd_kafka_NewTopic_set_config(t, "retention.ms", "-1");
      rd_kafka_NewTopic_set_config(t, "segment.bytes", "52428800");
    } else {
      for (const auto& [k, v] : cfg->second) rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
    }
    newTopics.push_back(t);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, err, sizeof err);
  rd_kafka_CreateTopics(rk, newTopics.data(), newTopics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  std::string failure;
  if (event == nullptr) {
    failure = "no answer from the broker within 60 s";
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(event);
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        KS_LOG(INFO, std::string("Created internal topic ") + rd_kafka_topic_result_name(results[i]));
        continue;
      }
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      failure += std::string(rd_kafka_topic_result_name(results[i])) + ": " + (msg ? msg : kafkaErrorString(e)) + "; ";
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  for (auto* n : newTopics) rd_kafka_NewTopic_destroy(n);
  if (!failure.empty()) {
    throw StreamsException("Could not create internal topics: " + failure +
                           " (check the broker's permissions and replication.factor)");
  }
}

}  // namespace

void enforceCopartitioning(const TopologyDef& def, const std::map<std::string, int32_t>& external,
                           std::map<std::string, int32_t>& planned) {
  for (const auto& group : def.copartitionGroups) {
    std::map<std::string, int32_t> fixed;  // external topics and repartition topics with a set count
    std::vector<std::string> free;         // repartition topics that follow the others
    for (const auto& t : group) {
      auto internal = def.internalTopics.find(t);
      if (internal == def.internalTopics.end()) {
        auto it = external.find(t);
        if (it != external.end()) fixed[t] = it->second;
      } else if (internal->second.partitions > 0) {
        fixed[t] = internal->second.partitions;
      } else {
        free.push_back(t);
      }
    }
    int32_t count = 0;
    for (const auto& [t, n] : fixed) count = std::max(count, n);
    bool mismatch = false;
    for (const auto& [t, n] : fixed) mismatch = mismatch || n != count;
    if (mismatch) {
      std::string list;
      for (const auto& [t, n] : fixed) list += (list.empty() ? "" : ", ") + t + " (" + std::to_string(n) + ")";
      throw TopologyException("Topics not co-partitioned: the inputs of a join must have the same number of "
                              "partitions, but they have " + list +
                              ". Give the topics the same partition count, or repartition one side with "
                              "KStream::repartition(Repartitioned::numberOfPartitions(n)) before the join.");
    }
    if (count == 0) {
      for (const auto& t : free) count = std::max(count, planned[t]);
    }
    for (const auto& t : free) planned[t] = count;
  }
}

std::map<std::string, int32_t> prepareTopics(const TopologyDef& def, const StreamsConfigValues& config) {
  KafkaHandle admin = createClient(RD_KAFKA_PRODUCER, adminDefaults(config), config.admin);
  auto existing = fetchPartitionCounts(admin.get());

  std::map<std::string, int32_t> result;
  std::vector<std::string> missing;
  for (const auto& sub : def.subtopologies) {
    for (const auto& t : sub.sourceTopics) {
      if (sub.internalSourceTopics.count(t) != 0) continue;
      auto it = existing.find(t);
      if (it == existing.end()) {
        missing.push_back(t);
      } else {
        result[t] = it->second;
      }
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& t : missing) list += (list.empty() ? "" : ", ") + t;
    throw MissingSourceTopicException("Source topics do not exist: " + list +
                                      ". Create them before starting the application.");
  }

  // Repartition topics: as many partitions as asked, else as the source topics upstream...
  std::map<std::string, int32_t> planned;
  for (const auto& [name, topic] : def.internalTopics) {
    int32_t partitions = topic.partitions;
    if (partitions < 0) {
      partitions = 0;
      for (const auto& src : def.upstreamSourceTopics(topic.upstreamNode)) {
        partitions = std::max(partitions, result.count(src) ? result[src] : 0);
      }
      if (partitions <= 0) partitions = 1;
    }
    planned[name] = partitions;
  }
  // ...but the inputs of a join must be co-partitioned.
  enforceCopartitioning(def, result, planned);

  std::map<std::string, int32_t> toCreate;
  for (const auto& [name, partitions] : planned) {
    const std::string full = config.applicationId + "-" + name;
    auto it = existing.find(full);
    if (it != existing.end()) {
      if (it->second != partitions) {
        throw StreamsException("Internal topic " + full + " exists with " + std::to_string(it->second) +
                               " partitions but the topology needs " + std::to_string(partitions) +
                               ": delete it (or reset the application) and start again");
      }
    } else {
      toCreate[full] = partitions;
    }
    result[full] = partitions;
  }
  // Changelogs: one partition per task of the sub-topology that owns the store.
  std::map<std::string, std::map<std::string, std::string>> topicConfigs;
  for (const auto& sub : def.subtopologies) {
    int32_t tasks = 0;
    for (const auto& t : sub.sourceTopics) {
      const std::string full = sub.internalSourceTopics.count(t) ? config.applicationId + "-" + t : t;
      tasks = std::max(tasks, result.count(full) ? result[full] : 0);
    }
    for (const auto& store : sub.stores) {
      const auto& spec = def.stores.at(store);
      if (!spec.loggingEnabled) continue;
      const std::string full = config.applicationId + "-" + TopologyDef::changelogTopic(store);
      auto it = existing.find(full);
      if (it != existing.end()) {
        if (it->second != tasks) {
          throw StreamsException("Changelog topic " + full + " has " + std::to_string(it->second) +
                                 " partitions but the store has " + std::to_string(tasks) +
                                 " tasks: the input partition count changed; reset the application");
        }
      } else {
        toCreate[full] = tasks;
        auto cfg = spec.changelogConfig;
        cfg["cleanup.policy"] = cfg.count("cleanup.policy") ? cfg["cleanup.policy"] : "compact";
        topicConfigs[full] = cfg;
      }
      result[full] = tasks;
    }
  }
  createTopics(admin.get(), toCreate, topicConfigs, config.replicationFactor);

  // Wait until the new topics show in metadata, so that subscribing finds them.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!toCreate.empty()) {
    auto now = fetchPartitionCounts(admin.get());
    for (auto it = toCreate.begin(); it != toCreate.end();) {
      it = now.count(it->first) ? toCreate.erase(it) : std::next(it);
    }
    if (toCreate.empty()) break;
    if (Clock::now() > deadline) {
      throw StreamsException("Internal topic " + toCreate.begin()->first + " was created but is not visible after 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return result;
}

}  // namespace kstreams::internal
