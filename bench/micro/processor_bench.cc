// Processor chains per record, through TopologyTestDriver (the production
// source -> processors -> sink path, with the serdes at both ends; the output
// records are read back and dropped every 1,000 records).

#include <benchmark/benchmark.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace kstreams;

std::vector<std::string> makeKeys(size_t n) {
  std::vector<std::string> keys(n);
  char buf[24];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%08zu", i);
    keys[i] = buf;
  }
  return keys;
}

template <class OutV, class BuildFn>
void runChain(benchmark::State& state, BuildFn build, size_t distinctKeys) {
  StreamsBuilder builder;
  build(builder);
  TopologyTestDriver driver(builder.build(), {{"application.id", "micro"}});
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, OutV>("out", Serdes::String(), DefaultSerde<OutV>::get());
  const auto keys = makeKeys(distinctKeys);
  const std::string value(100, 'a');
  size_t i = 0;
  int64_t ts = 0;
  for (auto _ : state) {
    in.pipeInput(keys[i % keys.size()], value, ++ts);
    if (++i % 1000 == 0) {
      state.PauseTiming();
      while (!out.isEmpty()) out.readRecord();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// W1: stream(in).to(out).
void BM_ChainPassthrough(benchmark::State& state) {
  runChain<std::string>(state, [](StreamsBuilder& b) {
             b.stream("in", Consumed::with(Serdes::String(), Serdes::String()))
                 .to("out", Produced::with(Serdes::String(), Serdes::String()));
           }, 1'000'000);
}
BENCHMARK(BM_ChainPassthrough);

// W2: mapValues(upper-case first byte).filter(even key).to(out).
void BM_ChainMapFilter(benchmark::State& state) {
  runChain<std::string>(state, [](StreamsBuilder& b) {
             b.stream("in", Consumed::with(Serdes::String(), Serdes::String()))
                 .mapValues([](const std::string& v) {
                   std::string o = v;
                   if (!o.empty() && o[0] >= 'a' && o[0] <= 'z') o[0] = static_cast<char>(o[0] - 'a' + 'A');
                   return o;
                 })
                 .filter([](const std::string& k, const std::string&) { return ((k.back() - '0') % 2) == 0; })
                 .to("out", Produced::with(Serdes::String(), Serdes::String()));
           }, 1'000'000);
}
BENCHMARK(BM_ChainMapFilter);

// W3: groupByKey().count() over 10,000 keys, in-memory store with caching and
// change-logging (the driver's record collector), output at every commit.
void BM_ChainCountInMemory(benchmark::State& state) {
  runChain<int64_t>(state, [](StreamsBuilder& b) {
             b.stream("in", Consumed::with(Serdes::String(), Serdes::String()))
                 .groupByKey()
                 .count(Materialized::as(StoreType::IN_MEMORY))
                 .toStream()
                 .to("out", Produced::with(Serdes::String(), Serdes::Int64()));
           }, 10'000);
}
BENCHMARK(BM_ChainCountInMemory);

}  // namespace
