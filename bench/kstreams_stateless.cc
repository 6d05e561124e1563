// kstreams-stateless: the stateless benchmark workloads on kstreams.
//
//   --workload passthrough   W1: builder.stream(in).to(out)
//   --workload mapfilter     W2: stream(in).mapValues(upper-case first byte)
//                                .filter(key ends in an even digit).to(out)
//
// The input keys are the zero-padded sequence numbers written by `loader`, so
// the filter keeps exactly half of the records. The client settings the
// ceiling uses are passed explicitly (prefixed "consumer." / "producer."), so
// both processes talk to the broker identically whatever the library defaults
// are. Runs until SIGTERM/SIGINT, then closes the streams instance.
//
// Usage:
//   kstreams-stateless --bootstrap-servers HOST:PORT --application-id ID
//                      --input IN --output OUT
//                      [--workload passthrough|mapfilter] [--commit-interval-ms 1000]

#include <kstreams/kstreams.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using namespace kstreams;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kstreams-stateless: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, app_id, input, output, workload = "passthrough";
  std::string commit_interval_ms = "1000";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--bootstrap-servers") bootstrap = val();
    else if (a == "--application-id") app_id = val();
    else if (a == "--input") input = val();
    else if (a == "--output") output = val();
    else if (a == "--workload") workload = val();
    else if (a == "--commit-interval-ms") commit_interval_ms = val();
    else die("unknown argument " + a);
  }
  if (bootstrap.empty() || app_id.empty() || input.empty() || output.empty() ||
      (workload != "passthrough" && workload != "mapfilter"))
    die("usage: kstreams-stateless --bootstrap-servers B --application-id ID --input IN "
        "--output OUT [--workload passthrough|mapfilter] [--commit-interval-ms MS]");

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  StreamsBuilder builder;
  auto s = builder.stream<std::string, std::string>(
      input, Consumed::with(Serdes::String(), Serdes::String()));
  auto produced = Produced::with(Serdes::String(), Serdes::String());
  if (workload == "passthrough") {
    s.to(output, produced);
  } else {
    s.mapValues([](const std::string& v) {
       std::string out = v;
       if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
       return out;
     })
        .filter([](const std::string& k, const std::string&) {
          return !k.empty() && ((k.back() - '0') % 2) == 0;
        })
        .to(output, produced);
  }
  Topology topology = builder.build();

  Properties props{
      {"application.id", app_id},
      {"bootstrap.servers", bootstrap},
      {"commit.interval.ms", commit_interval_ms},
      // Same client settings as bench/ceiling.cc (today these equal the kstreams
      // defaults; kstreams itself sets group.id, enable.auto.commit=false,
      // enable.auto.offset.store=false and the range assignor).
      {"consumer.auto.offset.reset", "earliest"},
      {"consumer.queued.max.messages.kbytes", "1048576"},
      {"consumer.queued.min.messages", "1000000"},
      {"producer.linger.ms", "5"},
      {"producer.batch.num.messages", "10000"},
      {"producer.queue.buffering.max.messages", "1000000"},
      {"producer.queue.buffering.max.kbytes", "1048576"},
      {"producer.partitioner", "murmur2_random"},
      {"producer.compression.type", "none"},
      {"producer.acks", "all"},
      {"producer.enable.idempotence", "false"},
  };
  KafkaStreams streams(topology, props);
  streams.start();
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  streams.close(std::chrono::seconds(60));
  return 0;
}
