// Window and session stores in the Processor API: Stores::windowStoreBuilder /
// sessionStoreBuilder, ProcessorContext::getWindowStore / getSessionStore and
// their fetch and range queries, through the TopologyTestDriver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kstreams/kstreams.h>
#include <kstreams/topology_test_driver.h>

#include <chrono>
#include <string>
#include <vector>

namespace kstreams {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Puts each record into a 1 s window of its key and forwards what the store
// holds for the key over the last three windows, and then over all keys.
class WindowProbe final : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    Processor::init(context);
    store_ = &context.getWindowStore<std::string, std::string>("recent");
  }
  void process(const Record<std::string, std::string>& record) override {
    const int64_t start = record.timestamp() - record.timestamp() % 1000;
    store_->put(record.key(), record.value(), start);
    std::string seen;
    for (const auto& kv : store_->fetch(record.key(), start - 2000, start)) {
      seen += std::to_string(kv.key) + "=" + kv.value + " ";
    }
    std::string everyone;
    for (const auto& kv : store_->fetchAll(0, start)) {
      everyone += kv.key.key + "@" + std::to_string(kv.key.window.start) + "-" + std::to_string(kv.key.window.end) +
                  " ";
    }
    context().forward(record.withValue(seen + "| " + everyone));
  }

 private:
  WindowStore<std::string, std::string>* store_ = nullptr;
};

Topology windowTopology(StoreType type, bool retainDuplicates) {
  Topology t;
  auto supplier = type == StoreType::ROCKS_DB
                      ? Stores::persistentWindowStore("recent", 10s, 1s, retainDuplicates)
                      : Stores::inMemoryWindowStore("recent", 10s, 1s, retainDuplicates);
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("Probe", [] { return std::make_unique<WindowProbe>(); }, {"Source"})
      .addStateStore(Stores::windowStoreBuilder(supplier, Serdes::String(), Serdes::String()), {"Probe"})
      .addSink<std::string, std::string>("Sink", "out", {"Probe"});
  return t;
}

TEST(ProcessorWindowStoreTest, FetchesAKeysWindowsAndAllKeysInARange) {
  for (auto type : {StoreType::ROCKS_DB, StoreType::IN_MEMORY}) {
    SCOPED_TRACE(type == StoreType::ROCKS_DB ? "rocksdb" : "in-memory");
    TopologyTestDriver driver(windowTopology(type, false));
    auto in = driver.createInputTopic<std::string, std::string>("in");
    auto out = driver.createOutputTopic<std::string, std::string>("out");
    in.pipeInput("a", "x", 1500);
    in.pipeInput("b", "y", 2100);
    in.pipeInput("a", "z", 3200);
    in.pipeInput("a", "w", 3900);  // same window as z: replaces it
    EXPECT_THAT(out.readValuesToList(),
                ElementsAre("1000=x | a@1000-2000 ", "2000=y | a@1000-2000 b@2000-3000 ",
                            "1000=x 3000=z | a@1000-2000 a@3000-4000 b@2000-3000 ",
                            "1000=x 3000=w | a@1000-2000 a@3000-4000 b@2000-3000 "));
  }
}

TEST(ProcessorWindowStoreTest, RetainDuplicatesKeepsEveryPut) {
  TopologyTestDriver driver(windowTopology(StoreType::IN_MEMORY, true));
  auto in = driver.createInputTopic<std::string, std::string>("in");
  auto out = driver.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("a", "x", 1500);
  in.pipeInput("a", "y", 1700);
  EXPECT_THAT(out.readValuesToList(), ElementsAre("1000=x | a@1000-2000 ", "1000=x 1000=y | a@1000-2000 a@1000-2000 "));
}

// Keeps one session per key, merged while records are less than 1 s apart, and
// forwards the key's sessions after each record.
class SessionProbe final : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    Processor::init(context);
    store_ = &context.getSessionStore<std::string, int64_t>("sessions");
  }
  void process(const Record<std::string, std::string>& record) override {
    const int64_t t = record.timestamp();
    Windowed<std::string> merged{record.key(), Window{t, t}};
    int64_t count = 1;
    for (const auto& kv : store_->findSessions(record.key(), t - 1000, t + 1000)) {
      merged.window.start = std::min(merged.window.start, kv.key.window.start);
      merged.window.end = std::max(merged.window.end, kv.key.window.end);
      count += kv.value;
      store_->remove(kv.key);
    }
    store_->put(merged, count);
    std::string sessions;
    for (const auto& kv : store_->fetch(record.key())) {
      sessions += "[" + std::to_string(kv.key.window.start) + "," + std::to_string(kv.key.window.end) + "]=" +
                  std::to_string(kv.value) + " ";
    }
    context().forward(record.withValue(sessions));
  }

 private:
  SessionStore<std::string, int64_t>* store_ = nullptr;
};

TEST(ProcessorSessionStoreTest, FindSessionsMergesAndFetchListsThem) {
  for (auto type : {StoreType::ROCKS_DB, StoreType::IN_MEMORY}) {
    SCOPED_TRACE(type == StoreType::ROCKS_DB ? "rocksdb" : "in-memory");
    auto supplier = type == StoreType::ROCKS_DB ? Stores::persistentSessionStore("sessions", 60s)
                                                : Stores::inMemorySessionStore("sessions", 60s);
    Topology t;
    t.addSource<std::string, std::string>("Source", {"in"})
        .addProcessor("Probe", [] { return std::make_unique<SessionProbe>(); }, {"Source"})
        .addStateStore(Stores::sessionStoreBuilder(supplier, Serdes::String(), Serdes::Int64()), {"Probe"})
        .addSink<std::string, std::string>("Sink", "out", {"Probe"});
    TopologyTestDriver driver(t);
    auto in = driver.createInputTopic<std::string, std::string>("in");
    auto out = driver.createOutputTopic<std::string, std::string>("out");
    in.pipeInput("a", "", 1000);
    in.pipeInput("a", "", 1500);  // joins the first session
    in.pipeInput("a", "", 5000);  // a new session
    in.pipeInput("a", "", 4200);  // bridges nothing: 1500..4200 is more than 1 s, joins 5000
    EXPECT_THAT(out.readValuesToList(), ElementsAre("[1000,1000]=1 ", "[1000,1500]=2 ", "[1000,1500]=2 [5000,5000]=1 ",
                                                    "[1000,1500]=2 [4200,5000]=2 "));
  }
}

TEST(ProcessorWindowStoreTest, WrongKindOrTypesAndBadSuppliersSayWhatToChange) {
  EXPECT_THROW((void)Stores::persistentWindowStore("w", 1s, 2s, false), ConfigException);
  EXPECT_THROW((void)Stores::inMemoryWindowStore("w", 1s, 0s, false), ConfigException);

  class WrongTypes final : public Processor<std::string, std::string, std::string, std::string> {
   public:
    void init(ProcessorContext<std::string, std::string>& context) override {
      (void)context.getWindowStore<std::string, int64_t>("recent");
    }
    void process(const Record<std::string, std::string>&) override {}
  };
  Topology t;
  t.addSource<std::string, std::string>("Source", {"in"})
      .addProcessor("P", [] { return std::make_unique<WrongTypes>(); }, {"Source"})
      .addStateStore(Stores::windowStoreBuilder(Stores::inMemoryWindowStore("recent", 10s, 1s, false),
                                                Serdes::String(), Serdes::String()),
                     {"P"});
  try {
    TopologyTestDriver driver(t);
    auto in = driver.createInputTopic<std::string, std::string>("in");
    in.pipeInput("a", "x", 1);
    FAIL() << "expected a StreamsException";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("other key/value types"));
  }
}

}  // namespace
}  // namespace kstreams
