// Serdes: serialize + deserialize round trips of String, Int64 and Json values.

#include <benchmark/benchmark.h>
#include <kstreams/json_serde.h>
#include <kstreams/kstreams.h>

#include <cstdint>
#include <string>

namespace {

using kstreams::Serdes;

void BM_StringSerdeRoundTrip(benchmark::State& state) {
  auto serde = Serdes::String();
  const std::string value(static_cast<size_t>(state.range(0)), 'x');
  std::string bytes, back;
  for (auto _ : state) {
    bytes.clear();
    serde->serialize(value, bytes);
    serde->deserialize(bytes.data(), bytes.size(), back);
    benchmark::DoNotOptimize(back.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StringSerdeRoundTrip)->Arg(8)->Arg(100)->Arg(1000);

void BM_Int64SerdeRoundTrip(benchmark::State& state) {
  auto serde = Serdes::Int64();
  int64_t v = 0, back = 0;
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    serde->serialize(++v, bytes);
    serde->deserialize(bytes.data(), bytes.size(), back);
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Int64SerdeRoundTrip);

void BM_JsonSerdeRoundTrip(benchmark::State& state) {
  auto serde = Serdes::Json<nlohmann::json>();
  // An access-log event like the log-router example's input (about 150 bytes).
  const nlohmann::json event = {{"ts", 1700000000123LL},  {"host", "web-03"}, {"method", "GET"},
                                {"path", "/api/v1/items"}, {"status", 200},    {"bytes", 5120},
                                {"client", "10.1.2.3"},    {"latency_ms", 12.5}};
  std::string bytes;
  nlohmann::json back;
  for (auto _ : state) {
    bytes.clear();
    serde->serialize(event, bytes);
    serde->deserialize(bytes.data(), bytes.size(), back);
    benchmark::DoNotOptimize(&back);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_value"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_JsonSerdeRoundTrip);

}  // namespace
