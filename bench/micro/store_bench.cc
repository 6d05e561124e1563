// State stores through their layers, built as the runtime builds them
// (src/state_manager.cc): [Caching ->] ChangeLogging -> RocksDB | InMemory for
// key-value stores, ChangeLogging -> RocksDB | InMemory window stores. The
// change-logging layer hands its records to a store context that only counts
// them (no producer). Keys are 8-byte "%08d" strings, values 8 bytes (a count)
// or 100 bytes. Also the record cache alone (CachingKeyValueStore over an
// in-memory store: hits, and the eviction path).

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "statestores/cache_budget.h"
#include "statestores/caching_key_value_store.h"
#include "statestores/change_logging_key_value_store.h"
#include "statestores/change_logging_window_store.h"
#include "statestores/in_memory_key_value_store.h"
#include "statestores/in_memory_window_store.h"
#include "statestores/rocksdb_key_value_store.h"
#include "statestores/rocksdb_resources.h"
#include "statestores/rocksdb_window_store.h"
#include "statestores/store_context.h"

namespace {

using namespace kstreams::internal;

class BenchStoreContext : public StoreContext {
 public:
  BenchStoreContext(std::string dir, RocksDBResources* resources) : dir_(std::move(dir)), resources_(resources) {}
  [[nodiscard]] const std::string& taskDirectory() const override { return dir_; }
  [[nodiscard]] const std::string& applicationId() const override { return app_; }
  [[nodiscard]] int32_t partition() const override { return 0; }
  [[nodiscard]] RocksDBResources* rocksdbResources() override { return resources_; }
  void logChange(const std::string&, std::string_view key, std::optional<std::string_view> value,
                 int64_t) override {
    ++logged;
    loggedBytes += key.size() + (value ? value->size() : 0);
  }
  [[nodiscard]] int64_t currentTimestamp() const override { return timestamp; }
  void setCurrentTimestamp(int64_t ts) override { timestamp = ts; }

  int64_t timestamp = 0;
  uint64_t logged = 0;
  uint64_t loggedBytes = 0;

 private:
  std::string dir_;
  std::string app_ = "micro";
  RocksDBResources* resources_;
};

// A fresh task directory under the system temp directory, removed afterwards.
struct TempDir {
  std::string path;
  TempDir() {
    static int n = 0;
    path = (std::filesystem::temp_directory_path() /
            ("kstreams-micro-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
               .string();
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::vector<std::string> makeKeys(size_t n, bool shuffled) {
  std::vector<std::string> keys(n);
  char buf[24];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%08zu", i);
    keys[i] = buf;
  }
  if (shuffled) std::shuffle(keys.begin(), keys.end(), std::mt19937_64(42));
  return keys;
}

enum Backend { kInMemory = 0, kRocksDB = 1 };

struct KvStack {
  TempDir dir;
  RocksDBResources resources{64u << 20};
  BenchStoreContext context{dir.path, &resources};
  std::shared_ptr<CacheBudget> budget;
  std::unique_ptr<KeyValueBytesStore> top;

  KvStack(Backend backend, bool caching, size_t cacheBytes = 10u << 20) {
    std::unique_ptr<KeyValueBytesStore> bytes;
    if (backend == kRocksDB) {
      bytes = std::make_unique<RocksDBKeyValueStore>("store");
    } else {
      bytes = std::make_unique<InMemoryKeyValueStore>("store");
    }
    bytes = std::make_unique<ChangeLoggingKeyValueStore>(std::move(bytes), /*timestamped=*/false);
    if (caching) {
      budget = std::make_shared<CacheBudget>(cacheBytes);
      auto c = std::make_unique<CachingKeyValueStore>(std::move(bytes), budget);
      c->setFlushListener([](std::string_view, std::optional<std::string_view>, std::optional<std::string_view>,
                             int64_t) {},
                          /*sendOldValues=*/false);
      bytes = std::move(c);
    }
    bytes->init(context);
    top = std::move(bytes);
  }
  ~KvStack() { top->close(); }
};

// put(key, value) over `keys` distinct keys; flush (a commit) every 10,000 puts.
void BM_KeyValuePut(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  const bool caching = state.range(1) != 0;
  const size_t valueBytes = static_cast<size_t>(state.range(2));
  const size_t keyCount = static_cast<size_t>(state.range(3));
  KvStack stack(backend, caching);
  const auto keys = makeKeys(keyCount, /*shuffled=*/true);
  const std::string value(valueBytes, 'v');
  size_t i = 0;
  for (auto _ : state) {
    stack.context.timestamp = static_cast<int64_t>(i);
    stack.top->put(keys[i % keyCount], value);
    if (++i % 10000 == 0) stack.top->flush();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["changelog_records_per_put"] =
      static_cast<double>(stack.context.logged) / static_cast<double>(state.iterations());
}
// {backend, caching, value bytes, distinct keys}
BENCHMARK(BM_KeyValuePut)
    ->ArgNames({"rocksdb", "caching", "value_bytes", "keys"})
    ->Args({kInMemory, 0, 8, 10000})
    ->Args({kInMemory, 1, 8, 10000})
    ->Args({kRocksDB, 0, 8, 10000})
    ->Args({kRocksDB, 1, 8, 10000})
    ->Args({kRocksDB, 0, 100, 1000000})
    ->Args({kRocksDB, 1, 100, 1000000});

// get(key) of keys that are present (after a flush: read from the bottom store
// unless the cache holds them).
void BM_KeyValueGet(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  const bool caching = state.range(1) != 0;
  const size_t keyCount = static_cast<size_t>(state.range(2));
  KvStack stack(backend, caching);
  const auto keys = makeKeys(keyCount, /*shuffled=*/true);
  const std::string value(8, 'v');
  for (const auto& k : keys) stack.top->put(k, value);
  stack.top->flush();
  size_t i = 0;
  for (auto _ : state) {
    auto v = stack.top->get(keys[i++ % keyCount]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyValueGet)
    ->ArgNames({"rocksdb", "caching", "keys"})
    ->Args({kInMemory, 0, 10000})
    ->Args({kInMemory, 1, 10000})
    ->Args({kRocksDB, 0, 10000})
    ->Args({kRocksDB, 1, 10000})
    ->Args({kRocksDB, 0, 1000000});

// The record cache alone (over an in-memory store, no change-logging):
// read-modify-write of a count, as an aggregation does, over keys that fit in
// the cache (hits) or do not (every put evicts the eldest dirty entry).
void BM_RecordCacheCountUpdate(benchmark::State& state) {
  const size_t keyCount = static_cast<size_t>(state.range(0));
  const size_t cacheBytes = static_cast<size_t>(state.range(1));
  TempDir dir;
  BenchStoreContext context(dir.path, nullptr);
  auto budget = std::make_shared<CacheBudget>(cacheBytes);
  auto cache = std::make_unique<CachingKeyValueStore>(std::make_unique<InMemoryKeyValueStore>("store"), budget);
  uint64_t forwarded = 0;
  cache->setFlushListener([&forwarded](std::string_view, std::optional<std::string_view>,
                                       std::optional<std::string_view>, int64_t) { ++forwarded; },
                          /*sendOldValues=*/false);
  cache->init(context);
  const auto keys = makeKeys(keyCount, /*shuffled=*/true);
  size_t i = 0;
  for (auto _ : state) {
    const auto& k = keys[i++ % keyCount];
    auto old = cache->get(k);
    int64_t n = 1;
    if (old && old->size() == 8) {
      std::memcpy(&n, old->data(), 8);
      ++n;
    }
    cache->put(k, std::string_view(reinterpret_cast<const char*>(&n), 8));
  }
  cache->flush();
  state.SetItemsProcessed(state.iterations());
  state.counters["forwarded_per_update"] = static_cast<double>(forwarded) / static_cast<double>(state.iterations());
  cache->close();
}
BENCHMARK(BM_RecordCacheCountUpdate)
    ->ArgNames({"keys", "cache_bytes"})
    ->Args({10000, 10u << 20})     // 10,000 keys in a 10 MiB cache: all hits
    ->Args({1000000, 10u << 20});  // 1,000,000 keys: evictions

// A commit with one dirty entry among `keys` cached ones: put one key, flush.
// (The cost of a flush as a function of the cache's size, not of what is dirty.)
void BM_RecordCacheFlushOneDirty(benchmark::State& state) {
  const size_t keyCount = static_cast<size_t>(state.range(0));
  TempDir dir;
  BenchStoreContext context(dir.path, nullptr);
  auto budget = std::make_shared<CacheBudget>(size_t{64} << 20);
  auto cache = std::make_unique<CachingKeyValueStore>(std::make_unique<InMemoryKeyValueStore>("store"), budget);
  cache->setFlushListener([](std::string_view, std::optional<std::string_view>, std::optional<std::string_view>,
                             int64_t) {},
                          /*sendOldValues=*/false);
  cache->init(context);
  const auto keys = makeKeys(keyCount, /*shuffled=*/true);
  const std::string value(8, 'v');
  for (const auto& k : keys) cache->put(k, value);
  cache->flush();
  size_t i = 0;
  for (auto _ : state) {
    cache->put(keys[i++ % keyCount], value);
    cache->flush();
  }
  state.SetItemsProcessed(state.iterations());
  cache->close();
}
BENCHMARK(BM_RecordCacheFlushOneDirty)->ArgNames({"cached_keys"})->Arg(100)->Arg(10000)->Arg(100000);

struct WindowStack {
  TempDir dir;
  RocksDBResources resources{64u << 20};
  BenchStoreContext context{dir.path, &resources};
  std::unique_ptr<WindowBytesStore> top;

  WindowStack(Backend backend, int64_t retentionMs, bool retainDuplicates = false,
              const std::string& name = "windows") {
    std::unique_ptr<WindowBytesStore> w;
    if (backend == kRocksDB) {
      w = std::make_unique<RocksDBWindowStore>(name, retentionMs, std::max<int64_t>(retentionMs / 2, 60000),
                                               retainDuplicates);
    } else {
      w = std::make_unique<InMemoryWindowStore>(name, retentionMs, retainDuplicates);
    }
    w = std::make_unique<ChangeLoggingWindowStore>(std::move(w));
    w->init(context);
    top = std::move(w);
  }
  ~WindowStack() { top->close(); }
};

// W4a's store access per record: fetch(key, window start), then put the new
// count; records 1 ms apart over 10,000 keys, 1 s windows, 1 s retention.
void BM_WindowStoreFetchPut(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  WindowStack stack(backend, 1000);
  const auto keys = makeKeys(10000, /*shuffled=*/false);
  int64_t ts = 1'700'000'000'000;
  size_t i = 0;
  for (auto _ : state) {
    const auto& k = keys[i++ % keys.size()];
    const int64_t start = ts / 1000 * 1000;
    stack.context.timestamp = ts;
    auto old = stack.top->fetch(k, start);
    int64_t n = 1;
    if (old && old->size() == 8) {
      std::memcpy(&n, old->data(), 8);
      ++n;
    }
    stack.top->put(k, std::string_view(reinterpret_cast<const char*>(&n), 8), start);
    ++ts;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowStoreFetchPut)->ArgNames({"rocksdb"})->Arg(kInMemory)->Arg(kRocksDB);

// Range fetch of one key over the last 10 windows of a store holding 10 s of
// 1 s windows for 1,000 keys.
void BM_WindowStoreRangeFetch(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  WindowStack stack(backend, 10000);
  const auto keys = makeKeys(1000, /*shuffled=*/false);
  const int64_t base = 1'700'000'000'000;
  const std::string value(8, 'c');
  for (int64_t w = 0; w < 10; ++w) {
    for (const auto& k : keys) {
      stack.context.timestamp = base + w * 1000;
      stack.top->put(k, value, base + w * 1000);
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    auto it = stack.top->fetch(keys[i++ % keys.size()], base, base + 9000);
    size_t n = 0;
    for (; it->valid(); it->next()) {
      benchmark::DoNotOptimize(it->value().data());
      ++n;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowStoreRangeFetch)->ArgNames({"rocksdb"})->Arg(kInMemory)->Arg(kRocksDB);

// W6's store access per record (stream-stream join, 10 s JoinWindows, no
// grace): put the record into its side's store (duplicates kept, 20 s
// retention), then fetch the other side's store for its key over [t - 10 s,
// t + 10 s]. Key i arrives on the left, then on the right, 1 ms apart per key:
// every left fetch misses, every right fetch finds one window. An iteration
// is one record.
void BM_StreamJoinWindowStores(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  constexpr int64_t kWindowMs = 10000;
  WindowStack left(backend, 2 * kWindowMs, /*retainDuplicates=*/true, "left");
  WindowStack right(backend, 2 * kWindowMs, /*retainDuplicates=*/true, "right");
  const std::string value(100, 'v');
  const int64_t base = 1'700'000'000'000;
  char key[32];
  uint64_t i = 0;
  for (auto _ : state) {
    const uint64_t n = i / 2;
    const bool isLeft = i % 2 == 0;
    ++i;
    const int length = std::snprintf(key, sizeof key, "%08llu", static_cast<unsigned long long>(n));
    const std::string_view k(key, static_cast<size_t>(length));
    const int64_t ts = base + static_cast<int64_t>(n);
    WindowStack& mine = isLeft ? left : right;
    WindowStack& other = isLeft ? right : left;
    mine.context.timestamp = ts;
    mine.top->put(k, value, ts);
    size_t found = 0;
    for (auto it = other.top->fetch(k, ts - kWindowMs, ts + kWindowMs); it->valid(); it->next()) {
      benchmark::DoNotOptimize(it->value().data());
      ++found;
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StreamJoinWindowStores)->ArgNames({"rocksdb"})->Arg(kInMemory)->Arg(kRocksDB);

}  // namespace
