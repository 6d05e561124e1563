// ceiling: a bare librdkafka consume -> produce loop.
//
// This is the upper bound the stream-processing engines are measured against:
// the same client settings kstreams uses, and nothing else. A group consumer
// reads the input topic in batches, every record is produced unchanged (key,
// value, timestamp) to the output topic, partitioned by key with the Java
// client's partitioner (murmur2, as kstreams does), and
// every --commit-interval-ms the producer is flushed, delivery reports are
// checked and the consumed offsets are committed synchronously (at-least-once,
// the same protocol as a Kafka Streams commit). Runs until SIGTERM/SIGINT,
// then does a final flush + commit and exits.
//
// Usage:
//   ceiling --bootstrap-servers HOST:PORT --group G --input IN --output OUT
//           [--commit-interval-ms 1000] [--batch 2048]

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

std::atomic<long long> g_delivery_failures{0};
std::atomic<long long> g_delivered{0};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ceiling: %s\n", what.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}

void dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (g_delivery_failures.fetch_add(1) < 10)
      std::fprintf(stderr, "ceiling: delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    g_delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

struct State {
  rd_kafka_t* consumer = nullptr;
  rd_kafka_t* producer = nullptr;
  std::string input;
  // partition -> next offset to commit (last processed + 1)
  std::map<int32_t, int64_t> pending;
};
State g;

// Flush the producer, verify every record was delivered, then commit the
// offsets of everything consumed so far. Synchronous, like a streams commit.
void commit_all() {
  rd_kafka_resp_err_t err = rd_kafka_flush(g.producer, 60000);
  if (err) die(std::string("flush: ") + rd_kafka_err2str(err));
  if (g_delivery_failures.load() > 0) die("records failed delivery; not committing");
  if (g.pending.empty()) return;
  rd_kafka_topic_partition_list_t* offs =
      rd_kafka_topic_partition_list_new(static_cast<int>(g.pending.size()));
  for (auto& [p, off] : g.pending)
    rd_kafka_topic_partition_list_add(offs, g.input.c_str(), p)->offset = off;
  err = rd_kafka_commit(g.consumer, offs, 0 /* sync */);
  rd_kafka_topic_partition_list_destroy(offs);
  if (err) die(std::string("commit: ") + rd_kafka_err2str(err));
  g.pending.clear();
}

void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* parts, void*) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
  } else {
    // Revoked: finish and commit what we own before giving it up.
    if (g.producer) commit_all();
    rd_kafka_assign(rk, nullptr);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, group, input, output;
  int commit_interval_ms = 1000;
  size_t batch_size = 2048;  // records per rd_kafka_consume_batch_queue call
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--group") group = val();
    else if (a == "--input") input = val();
    else if (a == "--output") output = val();
    else if (a == "--commit-interval-ms") commit_interval_ms = std::atoi(val().c_str());
    else if (a == "--batch") batch_size = static_cast<size_t>(std::atol(val().c_str()));
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || group.empty() || input.empty() || output.empty())
    die("usage: ceiling --bootstrap-servers B --group G --input IN --output OUT "
        "[--commit-interval-ms MS] [--batch N]");
  g.input = input;

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  char errstr[512];

  // Consumer: the settings kstreams uses for its main consumer.
  rd_kafka_conf_t* cconf = rd_kafka_conf_new();
  set(cconf, "bootstrap.servers", bootstrap);
  set(cconf, "group.id", group);
  set(cconf, "client.id", group + "-consumer");
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "enable.auto.offset.store", "false");
  set(cconf, "auto.offset.reset", "earliest");
  set(cconf, "partition.assignment.strategy", "range");
  set(cconf, "enable.partition.eof", "false");
  set(cconf, "queued.max.messages.kbytes", "1048576");
  set(cconf, "queued.min.messages", "1000000");
  rd_kafka_conf_set_rebalance_cb(cconf, rebalance_cb);
  g.consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof errstr);
  if (!g.consumer) die(std::string("consumer: ") + errstr);
  rd_kafka_poll_set_consumer(g.consumer);

  // Producer: the settings kstreams uses for its producer.
  rd_kafka_conf_t* pconf = rd_kafka_conf_new();
  set(pconf, "bootstrap.servers", bootstrap);
  set(pconf, "client.id", group + "-producer");
  set(pconf, "linger.ms", "5");
  set(pconf, "batch.num.messages", "10000");
  set(pconf, "queue.buffering.max.messages", "1000000");
  set(pconf, "queue.buffering.max.kbytes", "1048576");
  set(pconf, "partitioner", "murmur2_random");
  set(pconf, "compression.type", "none");
  set(pconf, "acks", "all");
  set(pconf, "enable.idempotence", "false");
  rd_kafka_conf_set_dr_msg_cb(pconf, dr_msg_cb);
  g.producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
  if (!g.producer) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* out_topic = rd_kafka_topic_new(g.producer, output.c_str(), nullptr);

  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, input.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(g.consumer, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  if (err) die(std::string("subscribe: ") + rd_kafka_err2str(err));

  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(g.consumer);
  if (batch_size < 1) batch_size = 1;
  std::vector<rd_kafka_message_t*> batch(batch_size);
  long long consumed = 0;
  auto last_commit = std::chrono::steady_clock::now();
  const auto interval = std::chrono::milliseconds(commit_interval_ms);

  while (!g_stop.load()) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    if (n < 0) die(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[i];
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
          std::fprintf(stderr, "ceiling: consume error: %s\n", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        continue;
      }
      rd_kafka_timestamp_type_t tstype;
      int64_t ts = rd_kafka_message_timestamp(m, &tstype);
      if (ts < 0) ts = 0;
      for (;;) {
        err = rd_kafka_producev(
            g.producer, RD_KAFKA_V_RKT(out_topic), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
            RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(g.producer, 10);  // local queue full: let it drain
      }
      if (err) die(std::string("produce: ") + rd_kafka_err2str(err));
      g.pending[m->partition] = m->offset + 1;
      ++consumed;
      rd_kafka_message_destroy(m);
    }
    rd_kafka_poll(g.producer, 0);  // serve delivery reports
    auto now = std::chrono::steady_clock::now();
    if (now - last_commit >= interval) {
      commit_all();
      last_commit = now;
    }
  }

  commit_all();
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(g.consumer);
  rd_kafka_destroy(g.consumer);
  rd_kafka_topic_destroy(out_topic);
  rd_kafka_flush(g.producer, 60000);
  rd_kafka_destroy(g.producer);
  std::fprintf(stderr, "ceiling: consumed %lld, delivered %lld\n", consumed,
               g_delivered.load());
  return g_delivery_failures.load() ? 1 : 0;
}
