// kstreams-bench: the benchmark workloads on kstreams.
//
//   --workload W1   passthrough: builder.stream(in).to(out)
//   --workload W2   map+filter: stream(in).mapValues(upper-case first byte)
//                   .filter(key ends in an even digit).to(out)
//   --workload W3   count by key: stream(in).groupByKey()
//                   .count(Materialized::as("counts")).toStream()
//                   .to(out, Produced::with(String, Int64)), in a RocksDB store
//                   with a changelog (<application id>-counts-changelog)
//   --workload WC   word count: stream(in).flatMapValues(lower-case, split on
//                   non-word characters).groupBy(word)  (a repartition topic,
//                   <application id>-counts-repartition)
//                   .count(Materialized::as("counts")).toStream()
//                   .to(out, Produced::with(String, Int64))
//   --workload W4a  tumbling count: groupByKey()
//                   .windowedBy(TimeWindows::ofSizeWithNoGrace(1 s))
//                   .count(Materialized::as("counts")).toStream()
//                   .to(out, Produced::with(TimeWindowed<String>, Int64))
//   --workload W4b  hopping count: the same with
//                   TimeWindows::ofSizeWithNoGrace(1 s).advanceBy(500 ms)
//   --workload W5   stream-table join: stream(in).join(table(--input2),
//                   (v, t) -> v[0, 50) + t[0, 50)).to(out)
//   --workload W6   stream-stream join: stream(in).join(stream(--input2),
//                   (a, b) -> a[0, 50) + b[0, 50),
//                   JoinWindows::ofTimeDifferenceWithNoGrace(10 s)).to(out)
//   --workload LATEST  latest value per key (the store the restore
//                   measurement restores): groupByKey()
//                   .reduce((aggregate, value) -> value, Materialized::as("latest")),
//                   a RocksDB store with a changelog, nothing written to OUT
//
// (passthrough / mapfilter / count are accepted as aliases.) The input keys
// are the zero-padded numbers written by `loader`, so the W2 filter keeps
// exactly half of the records. The same flags, topologies, serialization and
// settings as the Java harness (bench/java). The client settings the ceiling
// uses are passed explicitly ("consumer." / "producer." prefixes), so both
// processes talk to the broker identically whatever the library defaults are.
// Runs until SIGTERM/SIGINT, then closes the streams instance.
//
// Usage:
//   kstreams-bench --bootstrap-servers HOST:PORT --application-id ID
//                  --input IN --output OUT [--workload W1|W2|W3|...]
//                  [--input2 TABLE_OR_RIGHT]   (W5: the table topic, W6: the right stream)
//                  [--commit-interval-ms 1000] [--state-dir DIR]
//                  [--config KEY=VALUE ...]   (extra/overriding properties, for experiments)

#include <kstreams/kstreams.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace kstreams;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kstreams-bench: %s\n", what.c_str());
  std::exit(1);
}

bool isWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Java's value.toLowerCase().split("\\W+") for ASCII text, as Kafka Streams'
// WordCountDemo: a leading separator gives one empty word, trailing empty
// words are dropped.
std::vector<std::string> splitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string current;
  bool inSeparator = false;
  for (unsigned char c : line) {
    if (isWordChar(c)) {
      if (inSeparator) {
        words.push_back(std::move(current));
        current.clear();
        inSeparator = false;
      }
      current.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else {
      inSeparator = true;
    }
  }
  words.push_back(std::move(current));
  while (words.size() > 1 && words.back().empty()) words.pop_back();
  if (words.size() == 1 && words[0].empty() && !line.empty()) words.clear();
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, app_id, input, input2, output, workload = "W1", state_dir;
  std::string commit_interval_ms = "1000";
  std::vector<std::pair<std::string, std::string>> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--application-id") app_id = val();
    else if (a == "--input") input = val();
    else if (a == "--input2") input2 = val();
    else if (a == "--output") output = val();
    else if (a == "--workload") workload = val();
    else if (a == "--commit-interval-ms") commit_interval_ms = val();
    else if (a == "--state-dir") state_dir = val();
    else if (a == "--config") {
      std::string kv = val();
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) die("--config wants KEY=VALUE, got " + kv);
      overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    else die("unknown argument " + a);
  }
  if (workload == "passthrough") workload = "W1";
  if (workload == "mapfilter") workload = "W2";
  if (workload == "count") workload = "W3";
  const std::vector<std::string> known{"W1", "W2", "W3", "WC", "W4a", "W4b", "W5", "W6", "LATEST"};
  if (bootstrap.empty() || app_id.empty() || input.empty() || output.empty() ||
      std::find(known.begin(), known.end(), workload) == known.end() ||
      ((workload == "W5" || workload == "W6") && input2.empty()))
    die("usage: kstreams-bench --bootstrap-servers B --application-id ID --input IN "
        "--output OUT [--workload W1|W2|W3|WC|W4a|W4b|W5|W6|LATEST] [--input2 TOPIC] "
        "[--commit-interval-ms MS] [--state-dir DIR] [--config KEY=VALUE ...]");

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  StreamsBuilder builder;
  auto s = builder.stream<std::string, std::string>(
      input, Consumed::with(Serdes::String(), Serdes::String()));
  auto produced = Produced::with(Serdes::String(), Serdes::String());
  if (workload == "W1") {
    s.to(output, produced);
  } else if (workload == "W2") {
    s.mapValues([](const std::string& v) {
       std::string out = v;
       if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
       return out;
     })
        .filter([](const std::string& k, const std::string&) {
          return !k.empty() && ((k.back() - '0') % 2) == 0;
        })
        .to(output, produced);
  } else if (workload == "W3") {
    s.groupByKey()
        .count(Materialized::as("counts"))
        .toStream()
        .to(output, Produced::with(Serdes::String(), Serdes::Int64()));
  } else if (workload == "WC") {
    s.flatMapValues([](const std::string& line) { return splitWords(line); })
        .groupBy([](const std::string&, const std::string& word) { return word; },
                 Grouped::with(Serdes::String(), Serdes::String()))
        .count(Materialized::as("counts"))
        .toStream()
        .to(output, Produced::with(Serdes::String(), Serdes::Int64()));
  } else if (workload == "W4a" || workload == "W4b") {
    using namespace std::chrono_literals;
    auto windows = TimeWindows::ofSizeWithNoGrace(1000ms);
    if (workload == "W4b") windows = windows.advanceBy(500ms);
    s.groupByKey()
        .windowedBy(windows)
        .count(Materialized::as("counts"))
        .toStream()
        .to(output, Produced::with(WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 1000),
                                   Serdes::Int64()));
  } else if (workload == "W5") {
    auto table = builder.table<std::string, std::string>(
        input2, Consumed::with(Serdes::String(), Serdes::String()));
    s.join(table,
           [](const std::string& v, const std::string& t) { return v.substr(0, 50) + t.substr(0, 50); })
        .to(output, produced);
  } else if (workload == "W6") {
    using namespace std::chrono_literals;
    auto right = builder.stream<std::string, std::string>(
        input2, Consumed::with(Serdes::String(), Serdes::String()));
    s.join(right,
           [](const std::string& a, const std::string& b) { return a.substr(0, 50) + b.substr(0, 50); },
           JoinWindows::ofTimeDifferenceWithNoGrace(10000ms))
        .to(output, produced);
  } else {  // LATEST
    s.groupByKey().reduce([](const std::string&, const std::string& v) { return v; }, Materialized::as("latest"));
  }
  Topology topology = builder.build();

  Properties props{
      {"application.id", app_id},
      {"bootstrap.servers", bootstrap},
      {"commit.interval.ms", commit_interval_ms},
      {"processing.guarantee", "at_least_once"},
      {"num.stream.threads", "1"},
      {"statestore.cache.max.bytes", "10485760"},
      // Same client settings as bench/ceiling.cc (today these equal the kstreams
      // defaults; kstreams itself sets group.id, enable.auto.commit=false,
      // enable.auto.offset.store=false and the range assignor), except the
      // prefetch queues: kstreams' defaults, which are small because its
      // stream thread wakes librdkafka's fetcher as they drain. The bare loop
      // has no such wake-up and keeps queues of a second's worth of records.
      {"consumer.auto.offset.reset", "earliest"},
      {"main.consumer.queued.max.messages.kbytes", "32768"},
      {"main.consumer.queued.min.messages", "50000"},
      {"producer.linger.ms", "5"},
      {"producer.batch.num.messages", "10000"},
      {"producer.queue.buffering.max.messages", "1000000"},
      {"producer.queue.buffering.max.kbytes", "1048576"},
      {"producer.partitioner", "murmur2_random"},
      {"producer.compression.type", "none"},
      {"producer.acks", "all"},
      {"producer.enable.idempotence", "false"},
  };
  if (!state_dir.empty()) props["state.dir"] = state_dir;
  for (const auto& [k, v] : overrides) props[k] = v;
  KafkaStreams streams(topology, props);
  streams.start();
  bool failed = false;
  while (!g_stop.load()) {
    const auto st = streams.state();
    if (st == KafkaStreams::State::ERROR || st == KafkaStreams::State::NOT_RUNNING) {
      std::fprintf(stderr, "kstreams-bench: streams stopped on its own (state %s)\n",
                   std::string(toString(st)).c_str());
      failed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  streams.close(std::chrono::seconds(60));
  return failed ? 1 : 0;
}
