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
// --verify-windows N,K,BASE,STEP,SIZE,ADVANCE checks the output of a windowed
// count (W4) over the loader's input of N records with --keys K and
// --timestamp-step-ms STEP from BASE: keys are TimeWindowed<String> (the 8-byte
// key, then the window start as an 8-byte big-endian long), values 8-byte
// big-endian longs. The latest value of every (key, window) must be the number
// of input records of that key in that window ([start, start + SIZE), starts
// every ADVANCE ms), and every such pair must be present. Prints
//   topic-reader: verify-windows ok pairs=<p>
// or the first mismatches and "verify-windows FAILED", and exits with 3.
//
// Usage:
//   topic-reader --bootstrap-servers HOST:PORT --topic T [--batch 1024]
//                [--verify-windows N,K,BASE,STEP,SIZE,ADVANCE]

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
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

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

int64_t bigEndian64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

// The W4 check: latest count per (key, window) against the loader's input.
struct WindowCheck {
  int64_t n = 0, keys = 0, base = 0, step = 0, size = 0, advance = 0;
  int64_t firstStart = 0, windows = 0;
  std::vector<int32_t> latest;  // [key * windows + window index], -1: not seen
  long long bad = 0;

  bool parse(const std::string& spec) {
    if (std::sscanf(spec.c_str(), "%ld,%ld,%ld,%ld,%ld,%ld", &n, &keys, &base, &step, &size, &advance) != 6)
      return false;
    if (n < 1 || keys < 1 || step < 1 || size < 1 || advance < 1 || advance > size) return false;
    firstStart = floorDiv(base - size + advance, advance) * advance;
    const int64_t lastStart = floorDiv(base + (n - 1) * step, advance) * advance;
    windows = (lastStart - firstStart) / advance + 1;
    if (keys * windows > 400'000'000) return false;
    latest.assign(static_cast<size_t>(keys * windows), -1);
    return true;
  }
  void add(const rd_kafka_message_t* m) {
    const auto* k = static_cast<const unsigned char*>(m->key);
    if (m->key_len != 16 || m->len != 8) {
      if (bad++ < 5) std::fprintf(stderr, "topic-reader: verify-windows: record of %zu+%zu bytes\n", m->key_len, m->len);
      return;
    }
    int64_t key = 0;
    for (int i = 0; i < 8; ++i) key = key * 10 + (k[i] - '0');
    const int64_t start = bigEndian64(k + 8);
    const int64_t w = (start - firstStart) / advance;
    if (key < 0 || key >= keys || start < firstStart || (start - firstStart) % advance != 0 || w >= windows) {
      if (bad++ < 5)
        std::fprintf(stderr, "topic-reader: verify-windows: unexpected key %ld window %ld\n",
                     static_cast<long>(key), static_cast<long>(start));
      return;
    }
    latest[static_cast<size_t>(key * windows + w)] =
        static_cast<int32_t>(bigEndian64(static_cast<const unsigned char*>(m->payload)));
  }
  // Input records i in [0, x) with i % keys == key.
  int64_t upTo(int64_t x, int64_t key) const {
    if (x <= 0) return 0;
    if (x > n) x = n;
    return x / keys + (x % keys > key ? 1 : 0);
  }
  bool finish() {
    long long pairs = 0, wrong = 0;
    for (int64_t key = 0; key < keys; ++key) {
      for (int64_t w = 0; w < windows; ++w) {
        const int64_t start = firstStart + w * advance;
        // records i with base + i * step in [start, start + size)
        const int64_t lo = std::max<int64_t>(0, floorDiv(start - base + step - 1, step));
        const int64_t hi = std::max<int64_t>(0, floorDiv(start + size - base + step - 1, step));
        const int64_t want = upTo(hi, key) - upTo(lo, key);
        const int32_t got = latest[static_cast<size_t>(key * windows + w)];
        if (want > 0) ++pairs;
        if ((want == 0 && got != -1) || (want > 0 && got != want)) {
          if (wrong++ < 5)
            std::fprintf(stderr, "topic-reader: verify-windows: key %08ld window %ld: got %d, want %ld\n",
                         static_cast<long>(key), static_cast<long>(start), got, static_cast<long>(want));
        }
      }
    }
    if (wrong > 0 || bad > 0) {
      std::printf("topic-reader: verify-windows FAILED: %lld wrong or missing of %lld pairs, %lld bad records\n",
                  wrong, pairs, bad);
      return false;
    }
    std::printf("topic-reader: verify-windows ok pairs=%lld\n", pairs);
    return true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, topic;
  size_t batch_size = 1024;
  std::string verify_windows;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--topic") topic = val();
    else if (a == "--batch") batch_size = static_cast<size_t>(std::atol(val().c_str()));
    else if (a == "--verify-windows") verify_windows = val();
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || topic.empty() || batch_size < 1)
    die("usage: topic-reader --bootstrap-servers B --topic T [--batch N] "
        "[--verify-windows N,K,BASE,STEP,SIZE,ADVANCE]");
  WindowCheck check;
  if (!verify_windows.empty() && !check.parse(verify_windows)) die("bad --verify-windows " + verify_windows);

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
        if (!verify_windows.empty()) check.add(m);
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
  if (!verify_windows.empty() && !check.finish()) return 3;
  return 0;
}
