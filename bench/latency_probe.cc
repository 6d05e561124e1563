// latency-probe: end-to-end latency of a running streams application at a fixed
// open-loop input rate.
//
// A producer writes --rate records/s to the input topic for --seconds seconds:
// record i is due at t0 + i / rate and is sent then whatever happened to the
// records before it (open loop: a slow application does not slow the
// producer down). Its timestamp (CreateTime) is the wall-clock time it was due,
// in milliseconds; keys and values are those of `loader` (8-byte key, the
// zero-padded i, or i % K with --keys K; --value-bytes lowercase letters),
// partition i % --partitions. The producer sleeps until a record is due (no
// busy waiting), so records due while it sleeps go out together, a few
// microseconds late at most at high rates. A consumer reads the output topic from its end
// offsets as they were before the first send, and for every record computes
//   latency = wall-clock time received - record timestamp
// (both engines keep the input record's timestamp on their output records; a
// count written from the record cache carries the timestamp of the latest
// record that updated it). Records due in the first --warmup-seconds are not
// counted. After the last send the consumer goes on for --drain-seconds.
// Prints one line:
//   latency-probe: rate=<r> sent=<n> achieved_rate=<r> received=<n> measured=<n>
//                  p50_ms=<x> p90_ms=<x> p99_ms=<x> p999_ms=<x> max_ms=<x>
// The timestamps have millisecond resolution: latencies are accurate to
// about +-0.5 ms.
//
// Usage:
//   latency-probe --bootstrap-servers HOST:PORT --input IN --output OUT --rate R
//                 [--seconds 30] [--warmup-seconds 5] [--drain-seconds 5]
//                 [--keys K] [--value-bytes 100] [--partitions 4]

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "latency-probe: %s\n", what.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}

int64_t wallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::atomic<long long> g_failed{0};

void dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err && g_failed.fetch_add(1) < 10)
    std::fprintf(stderr, "latency-probe: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const size_t idx = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, input, output;
  double rate = 0, seconds = 30, warmup = 5, drain = 5;
  long long keys = 0;
  int value_bytes = 100, partitions = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--input") input = val();
    else if (a == "--output") output = val();
    else if (a == "--rate") rate = std::atof(val().c_str());
    else if (a == "--seconds") seconds = std::atof(val().c_str());
    else if (a == "--warmup-seconds") warmup = std::atof(val().c_str());
    else if (a == "--drain-seconds") drain = std::atof(val().c_str());
    else if (a == "--keys") keys = std::atoll(val().c_str());
    else if (a == "--value-bytes") value_bytes = std::atoi(val().c_str());
    else if (a == "--partitions") partitions = std::atoi(val().c_str());
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || input.empty() || output.empty() || rate <= 0 || seconds <= 0 || warmup < 0 ||
      warmup >= seconds || drain < 0 || keys < 0 || value_bytes < 0 || partitions < 1)
    die("usage: latency-probe --bootstrap-servers B --input IN --output OUT --rate R [--seconds 30] "
        "[--warmup-seconds 5] [--drain-seconds 5] [--keys K] [--value-bytes 100] [--partitions 4]");

  char errstr[512];
  // Consumer of the output: assigned (no group) at the current end offsets.
  rd_kafka_conf_t* cconf = rd_kafka_conf_new();
  set(cconf, "bootstrap.servers", bootstrap);
  set(cconf, "client.id", "bench-latency-consumer");
  set(cconf, "group.id", "bench-latency-probe");  // required by librdkafka; never joined
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "enable.auto.offset.store", "false");
  set(cconf, "fetch.wait.max.ms", "5");
  set(cconf, "fetch.error.backoff.ms", "10");
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof errstr);
  if (!consumer) die(std::string("consumer: ") + errstr);
  rd_kafka_poll_set_consumer(consumer);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* ot = rd_kafka_topic_new(consumer, output.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer, 0, ot, &md, 30000);
  if (err) die(std::string("metadata: ") + rd_kafka_err2str(err));
  if (md->topic_cnt != 1 || md->topics[0].err) die("topic " + output + " not found");
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    const int32_t p = md->topics[0].partitions[i].id;
    int64_t low = 0, high = 0;
    err = rd_kafka_query_watermark_offsets(consumer, output.c_str(), p, &low, &high, 30000);
    if (err) die(std::string("watermarks: ") + rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_add(list, output.c_str(), p)->offset = high;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(ot);
  err = rd_kafka_assign(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) die(std::string("assign: ") + rd_kafka_err2str(err));

  // Producer of the input.
  rd_kafka_conf_t* pconf = rd_kafka_conf_new();
  set(pconf, "bootstrap.servers", bootstrap);
  set(pconf, "client.id", "bench-latency-producer");
  set(pconf, "linger.ms", "1");
  set(pconf, "acks", "all");
  set(pconf, "compression.type", "none");
  set(pconf, "enable.idempotence", "false");
  set(pconf, "queue.buffering.max.kbytes", "1048576");
  set(pconf, "queue.buffering.max.messages", "1000000");
  rd_kafka_conf_set_dr_msg_cb(pconf, dr_msg_cb);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
  if (!producer) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* it = rd_kafka_topic_new(producer, input.c_str(), nullptr);

  const int64_t t0_us = wallMicros() + 200'000;  // a moment for the consumer to fetch its offsets
  const int64_t warmup_end_ms = (t0_us + static_cast<int64_t>(warmup * 1e6)) / 1000;
  const long long total = static_cast<long long>(std::llround(rate * seconds));
  std::atomic<bool> sending_done{false};
  std::atomic<int64_t> stop_at_us{0};

  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(std::min<long long>(total, 50'000'000)));
  long long received = 0;
  std::thread reader([&] {
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);
    std::vector<rd_kafka_message_t*> batch(4096);
    for (;;) {
      const int64_t stop = stop_at_us.load();
      if (stop != 0 && wallMicros() >= stop) break;
      const ssize_t n = rd_kafka_consume_batch_queue(queue, 20, batch.data(), batch.size());
      const int64_t now_us = wallMicros();
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = batch[i];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++received;
          const int64_t ts = rd_kafka_message_timestamp(m, nullptr);
          if (ts >= warmup_end_ms) latencies.push_back(static_cast<double>(now_us) / 1000.0 - static_cast<double>(ts));
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          std::fprintf(stderr, "latency-probe: consume error: %s\n", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
      }
    }
    rd_kafka_queue_destroy(queue);
  });

  char key[24];
  std::string value(static_cast<size_t>(value_bytes), 'a');
  long long sent = 0;
  for (long long i = 0; i < total; ++i) {
    const int64_t due_us = t0_us + static_cast<int64_t>(static_cast<double>(i) * 1e6 / rate);
    int64_t now = wallMicros();
    if (now < due_us) {
      // Sleep (no spinning: the machine's cores are shared with the broker and
      // the application); records that fell due meanwhile go out together.
      rd_kafka_poll(producer, 0);
      now = wallMicros();
      if (now < due_us) std::this_thread::sleep_for(std::chrono::microseconds(due_us - now));
    }
    std::snprintf(key, sizeof key, "%08lld", keys > 0 ? i % keys : i % 100000000);
    for (int j = 0; j < value_bytes; ++j) value[j] = static_cast<char>('a' + (i + j) % 26);
    const int64_t ts_ms = (due_us + 500) / 1000;
    for (;;) {
      err = rd_kafka_producev(producer, RD_KAFKA_V_RKT(it),
                              RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, 8),
                              RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_TIMESTAMP(ts_ms),
                              RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(producer, 1);
    }
    ++sent;
  }
  const int64_t send_end_us = wallMicros();
  err = rd_kafka_flush(producer, 60000);
  if (err) std::fprintf(stderr, "latency-probe: flush: %s\n", rd_kafka_err2str(err));
  stop_at_us.store(wallMicros() + static_cast<int64_t>(drain * 1e6));
  sending_done.store(true);
  reader.join();

  rd_kafka_topic_destroy(it);
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);

  std::sort(latencies.begin(), latencies.end());
  const double achieved = static_cast<double>(sent) / (static_cast<double>(send_end_us - t0_us) / 1e6);
  std::printf(
      "latency-probe: rate=%.0f sent=%lld achieved_rate=%.0f received=%lld measured=%zu failed=%lld "
      "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n",
      rate, sent, achieved, received, latencies.size(), g_failed.load(), percentile(latencies, 0.5),
      percentile(latencies, 0.9), percentile(latencies, 0.99), percentile(latencies, 0.999),
      latencies.empty() ? NAN : latencies.back());
  return 0;
}
