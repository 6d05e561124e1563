// loader: fills a benchmark input topic fast.
//
// Record i (0 <= i < --records) has an 8-byte key, the zero-padded decimal
// sequence number (so exactly half of the keys end in an even digit) or, with
// --keys K, the zero-padded i % K (K distinct keys, key k occurring
// records / K times, one more for k < records % K), and a
// value of --value-bytes lowercase letters. Records go round-robin to the
// --partitions partitions (partition i % P), so every partition holds the same
// number of records. The topic must already exist.
//
// --timestamp-step-ms S: record i gets the timestamp B + i * S (event time S ms
// apart; B = --timestamp-base-ms, default the current time rounded down to a
// second), instead of the producer's current time.
//
// --words-per-line W (word-count input): the value of record i is a line of W
// words; the word at position p = i * W + j (0 <= j < W) is word p % V of a
// vocabulary of V = --vocabulary words (default 10,000). Word v is three
// letters spelling v in base 26 ('a' + v % 26, 'a' + v / 26 % 26,
// 'a' + v / 676 % 26) followed by the first v % 6 letters of "bcdefg", so
// the words are distinct and 3-8 letters long; it is capitalised when p / V is
// odd. Words are separated by " ", ", " or "; " (j % 3) and the line ends with
// ".". After lower-casing and splitting on non-word characters, word v occurs
// N * W / V times (one more for v < N * W % V).
//
// Usage:
//   loader --bootstrap-servers HOST:PORT --topic T --records N
//          [--value-bytes 100] [--partitions 4] [--keys K]
//          [--timestamp-step-ms S [--timestamp-base-ms B]]
//          [--words-per-line W [--vocabulary V]]

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::atomic<long long> g_failed{0};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "loader: %s\n", what.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}

void dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err && g_failed.fetch_add(1) < 10)
    std::fprintf(stderr, "loader: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

// Word v of the vocabulary (see the header comment).
std::string vocabularyWord(long long v) {
  std::string w;
  w.push_back(static_cast<char>('a' + v % 26));
  w.push_back(static_cast<char>('a' + v / 26 % 26));
  w.push_back(static_cast<char>('a' + v / 676 % 26));
  w.append("bcdefg", static_cast<size_t>(v % 6));
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, topic;
  long long records = -1;
  long long keys = 0;  // 0: every record has its own key
  int value_bytes = 100, partitions = 4;
  long long ts_step = 0, ts_base = -1, words_per_line = 0, vocabulary = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--topic") topic = val();
    else if (a == "--records") records = std::atoll(val().c_str());
    else if (a == "--value-bytes") value_bytes = std::atoi(val().c_str());
    else if (a == "--partitions") partitions = std::atoi(val().c_str());
    else if (a == "--keys") keys = std::atoll(val().c_str());
    else if (a == "--timestamp-step-ms") ts_step = std::atoll(val().c_str());
    else if (a == "--timestamp-base-ms") ts_base = std::atoll(val().c_str());
    else if (a == "--words-per-line") words_per_line = std::atoll(val().c_str());
    else if (a == "--vocabulary") vocabulary = std::atoll(val().c_str());
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || topic.empty() || records < 0 || records > 99999999 ||
      value_bytes < 0 || partitions < 1 || keys < 0 || keys > 99999999 || ts_step < 0 ||
      words_per_line < 0 || vocabulary < 1 || vocabulary > 17576)
    die("usage: loader --bootstrap-servers B --topic T --records N (<= 99999999) "
        "[--value-bytes 100] [--partitions 4] [--keys K (<= 99999999)] "
        "[--timestamp-step-ms S [--timestamp-base-ms B]] [--words-per-line W [--vocabulary V (<= 17576)]]");
  if (ts_step > 0 && ts_base < 0) {
    const long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    ts_base = now_ms / 1000 * 1000;
  }
  if (ts_step > 0) std::fprintf(stderr, "loader: timestamps %lld + i * %lld ms\n", ts_base, ts_step);
  std::vector<std::string> vocab;
  for (long long v = 0; words_per_line > 0 && v < vocabulary; ++v) vocab.push_back(vocabularyWord(v));

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "bench-loader");
  set(conf, "linger.ms", "50");
  set(conf, "batch.num.messages", "100000");
  set(conf, "queue.buffering.max.messages", "2000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "compression.type", "none");
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "false");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);

  auto t0 = std::chrono::steady_clock::now();
  char key[16];
  std::string value(static_cast<size_t>(value_bytes), 'a');
  for (long long i = 0; i < records; ++i) {
    std::snprintf(key, sizeof key, "%08lld", keys > 0 ? i % keys : i);
    if (words_per_line > 0) {
      static const char* const kSeparators[] = {" ", ", ", "; "};
      value.clear();
      for (long long j = 0; j < words_per_line; ++j) {
        const long long p = i * words_per_line + j;
        if (j > 0) value += kSeparators[j % 3];
        const size_t at = value.size();
        value += vocab[static_cast<size_t>(p % vocabulary)];
        if ((p / vocabulary) % 2 == 1) value[at] = static_cast<char>(value[at] - 'a' + 'A');
      }
      value += '.';
    } else {
      for (int j = 0; j < value_bytes; ++j) value[j] = static_cast<char>('a' + (i + j) % 26);
    }
    const int64_t ts = ts_step > 0 ? ts_base + i * ts_step : 0;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, 8),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 10);
    }
    if ((i & 0xffff) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t err = rd_kafka_flush(rk, 300000);
  if (err) die(std::string("flush: ") + rd_kafka_err2str(err));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (g_failed.load()) die(std::to_string(g_failed.load()) + " records failed delivery");
  if (words_per_line > 0)
    std::fprintf(stderr, "loader: lines of %lld words from a vocabulary of %lld\n", words_per_line, vocabulary);
  std::fprintf(stderr, "loader: %lld records of %d+8 bytes (%lld distinct keys) to %s in %.1f s (%.0f records/s)\n",
               records, value_bytes, keys > 0 && keys < records ? keys : records, topic.c_str(), s,
               s > 0 ? records / s : 0.0);
  return 0;
}
