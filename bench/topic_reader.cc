// topic-reader: reads a whole topic with a bare librdkafka consumer and
// reports how fast. bench/run uses it for the raw consume speed of a state
// store's changelog topic, the upper bound for restoring the store from it.
//
// All partitions are assigned (outside any group, nothing committed) from the
// beginning and read up to the high watermark each had when the read started.
// The consumer settings are those of the kstreams restore consumer
// (src/stream_thread.cc). The clock runs from the assignment to the last
// record. Prints one line:
//   topic-reader: <topic> records=<n> bytes=<key+value bytes> seconds=<s> records_per_s=<r> mb_per_s=<m>
//
// Usage:
//   topic-reader --bootstrap-servers HOST:PORT --topic T [--batch 1024]

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "topic-reader: %s\n", what.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, topic;
  size_t batch_size = 1024;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--topic") topic = val();
    else if (a == "--batch") batch_size = static_cast<size_t>(std::atol(val().c_str()));
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || topic.empty() || batch_size < 1)
    die("usage: topic-reader --bootstrap-servers B --topic T [--batch N]");

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "bench-topic-reader");
  set(conf, "group.id", "bench-topic-reader");  // required by librdkafka; never joined
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "enable.partition.eof", "true");
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "queued.max.messages.kbytes", "262144");
  set(conf, "fetch.max.bytes", "52428800");
  set(conf, "max.partition.fetch.bytes", "10485760");
  set(conf, "fetch.wait.max.ms", "10");
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) die(std::string("consumer: ") + errstr);
  rd_kafka_poll_set_consumer(rk);

  // Partitions and their end offsets.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 30000);
  if (err) die(std::string("metadata: ") + rd_kafka_err2str(err));
  if (md->topic_cnt != 1 || md->topics[0].err) die("topic " + topic + " not found");
  std::vector<int32_t> parts;
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) parts.push_back(md->topics[0].partitions[i].id);
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);

  std::vector<int64_t> end(parts.size());
  std::vector<bool> done(parts.size(), false);
  size_t remaining = 0;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
  for (size_t i = 0; i < parts.size(); ++i) {
    int64_t low = 0, high = 0;
    err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), parts[i], &low, &high, 30000);
    if (err) die(std::string("watermarks: ") + rd_kafka_err2str(err));
    end[i] = high;
    if (high > low) {
      rd_kafka_topic_partition_list_add(list, topic.c_str(), parts[i])->offset = RD_KAFKA_OFFSET_BEGINNING;
      ++remaining;
    } else {
      done[i] = true;
    }
  }

  long long records = 0, bytes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto t_last = t0;
  err = rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) die(std::string("assign: ") + rd_kafka_err2str(err));
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(batch_size);
  const auto deadline = t0 + std::chrono::minutes(10);
  while (remaining > 0) {
    if (std::chrono::steady_clock::now() > deadline) die("timed out");
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    if (n < 0) die(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[i];
      size_t idx = 0;
      while (idx < parts.size() && parts[idx] != m->partition) ++idx;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++records;
        bytes += static_cast<long long>(m->key_len + m->len);
        if (idx < parts.size() && !done[idx] && m->offset + 1 >= end[idx]) {
          done[idx] = true;
          --remaining;
        }
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (idx < parts.size() && !done[idx]) {
          done[idx] = true;
          --remaining;
        }
      } else {
        std::fprintf(stderr, "topic-reader: consume error: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) t_last = std::chrono::steady_clock::now();
  }
  const double s = std::chrono::duration<double>(t_last - t0).count();
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf("topic-reader: %s records=%lld bytes=%lld seconds=%.3f records_per_s=%.0f mb_per_s=%.2f\n",
              topic.c_str(), records, bytes, s, s > 0 ? records / s : 0.0, s > 0 ? bytes / s / 1e6 : 0.0);
  return 0;
}
