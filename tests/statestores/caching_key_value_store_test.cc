#include "statestores/caching_key_value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "statestores/change_logging_key_value_store.h"
#include "statestores/in_memory_key_value_store.h"
#include "store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::drain;
using testing::FakeStoreContext;
using testing::KV;
using testing::LoggedChange;
using testing::RecordingKeyValueStore;
using testing::StoreCall;

struct Forwarded {
  std::string key;
  std::optional<std::string> newValue;
  std::optional<std::string> oldValue;
  int64_t timestamp = 0;

  bool operator==(const Forwarded&) const = default;
};

void PrintTo(const Forwarded& f, std::ostream* os) {
  *os << "{" << f.key << ", " << (f.newValue ? *f.newValue : "<null>") << ", "
      << (f.oldValue ? *f.oldValue : "<null>") << ", " << f.timestamp << "}";
}

std::optional<std::string> copy(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

class CachingKeyValueStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { init(1024 * 1024, /*sendOldValues=*/true); }

  void init(size_t maxBytes, bool sendOldValues) {
    budget = std::make_shared<CacheBudget>(maxBytes);
    auto recording = std::make_unique<RecordingKeyValueStore>("cached");
    inner = recording.get();
    store = std::make_unique<CachingKeyValueStore>(std::move(recording), budget);
    store->setFlushListener(
        [this](std::string_view key, std::optional<std::string_view> newValue,
               std::optional<std::string_view> oldValue, int64_t timestamp) {
          forwarded.push_back({std::string(key), copy(newValue), copy(oldValue), timestamp});
          timestampsDuringListener.push_back(context.currentTimestamp());
        },
        sendOldValues);
    store->init(context);
  }

  static size_t entry(size_t keyBytes, size_t valueBytes) {
    return CacheBudget::entrySize(keyBytes, valueBytes);
  }

  FakeStoreContext context{"unused"};
  std::shared_ptr<CacheBudget> budget;
  RecordingKeyValueStore* inner = nullptr;  // owned by store
  std::unique_ptr<CachingKeyValueStore> store;
  std::vector<Forwarded> forwarded;
  std::vector<int64_t> timestampsDuringListener;
};

TEST_F(CachingKeyValueStoreTest, PassesNameAndInitDownWhenInitialised) {
  EXPECT_EQ(store->name(), "cached");
  EXPECT_EQ(inner->inits, 1);
}

TEST_F(CachingKeyValueStoreTest, KeepsWritesOutOfInnerStoreUntilFlushed) {
  store->put("a", "1");
  store->remove("b");
  EXPECT_THAT(inner->calls, IsEmpty());
  EXPECT_THAT(forwarded, IsEmpty());
  EXPECT_EQ(store->dirtyEntries(), 2U);
}

TEST_F(CachingKeyValueStoreTest, GetIntoAnswersFromTheCacheAndAsksTheInnerStoreOnlyOnAMiss) {
  inner->data["below"] = "inner value";
  inner->data["deleted"] = "stale";
  store->put("cached", "cache value");
  store->put("deleted", std::nullopt);
  std::string out;
  ASSERT_TRUE(store->getInto("cached", out));
  EXPECT_EQ(out, "cache value");
  EXPECT_FALSE(store->getInto("deleted", out));  // the cached delete hides the inner value
  EXPECT_EQ(inner->gets, 0);
  ASSERT_TRUE(store->getInto("below", out));
  EXPECT_EQ(out, "inner value");
  EXPECT_FALSE(store->getInto("nowhere", out));
  EXPECT_EQ(inner->gets, 2);
}

TEST_F(CachingKeyValueStoreTest, CollapsesRepeatedPutsIntoOneInnerPutWhenFlushed) {
  inner->data["a"] = "old";
  context.timestamp = 5;
  store->put("a", "1");
  store->put("a", "2");
  context.timestamp = 7;
  store->put("a", "3");
  context.timestamp = 100;
  store->flush();
  EXPECT_THAT(inner->calls,
              ElementsAre(StoreCall{"put", "a", "3", 7}, StoreCall{"flush", "", {}, 100}));
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"a", "3", "old", 7}));
  EXPECT_EQ(store->dirtyEntries(), 0U);
}

TEST_F(CachingKeyValueStoreTest, SendsNoOldValueAndReadsNothingWhenOldValuesAreNotSent) {
  init(1024 * 1024, /*sendOldValues=*/false);
  inner->data["a"] = "old";
  store->put("a", "new");
  store->flush();
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"a", "new", std::nullopt, 0}));
  EXPECT_EQ(inner->gets, 0);
}

TEST_F(CachingKeyValueStoreTest, ForwardsNothingWhenFlushedTwice) {
  store->put("a", "1");
  store->flush();
  store->flush();
  EXPECT_EQ(forwarded.size(), 1U);
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "a", "1", 0}));
}

TEST_F(CachingKeyValueStoreTest, ReadsOwnWritesFromCacheWhenNotYetFlushed) {
  inner->data["a"] = "inner";
  store->put("a", "cached");
  EXPECT_EQ(store->get("a"), "cached");
  EXPECT_EQ(inner->gets, 0);
}

TEST_F(CachingKeyValueStoreTest, ReadsInnerStoreWhenKeyIsNotCached) {
  inner->data["a"] = "inner";
  EXPECT_EQ(store->get("a"), "inner");
  EXPECT_EQ(inner->gets, 1);
}

TEST_F(CachingKeyValueStoreTest, HidesInnerKeyWhenDeletedInCache) {
  inner->data["a"] = "1";
  inner->data["b"] = "2";
  EXPECT_EQ(store->remove("b"), "2");
  EXPECT_EQ(store->get("b"), std::nullopt);
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}));
  EXPECT_THAT(drain(store->range("b", "b")), IsEmpty());
  EXPECT_THAT(drain(store->prefixScan("b")), IsEmpty());
  EXPECT_EQ(inner->data.count("b"), 1U);
}

TEST_F(CachingKeyValueStoreTest, WritesTombstoneDownAndForwardsOldValueWhenDeleteIsFlushed) {
  inner->data["b"] = "2";
  context.timestamp = 3;
  store->remove("b");
  store->flush();
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "b", std::nullopt, 3}));
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"b", std::nullopt, "2", 3}));
  EXPECT_EQ(inner->data.count("b"), 0U);
}

TEST_F(CachingKeyValueStoreTest, WritesButDoesNotForwardDeleteWhenInnerStoreLacksKey) {
  init(1024 * 1024, /*sendOldValues=*/false);
  store->remove("never");
  store->flush();
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "never", std::nullopt, 0}));
  EXPECT_THAT(forwarded, IsEmpty());
}

TEST_F(CachingKeyValueStoreTest, MergesCacheAndInnerInKeyOrderWhenIterating) {
  inner->data = {{"a", "1"}, {"c", "3"}, {"e", "5"}, {"g", "7"}};
  store->put("b", "2");
  store->put("c", "33");
  store->remove("e");
  store->put("f", "6");
  store->put("h", "8");
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"a", "1"}, KV{"b", "2"}, KV{"c", "33"},
                                               KV{"f", "6"}, KV{"g", "7"}, KV{"h", "8"}));
}

TEST_F(CachingKeyValueStoreTest, HonoursInclusiveBoundsOnCachedAndInnerKeysWhenRanging) {
  inner->data = {{"a", "1"}, {"d", "4"}};
  store->put("b", "2");
  store->put("c", "3");
  store->put("e", "5");
  EXPECT_THAT(drain(store->range("b", "d")), ElementsAre(KV{"b", "2"}, KV{"c", "3"}, KV{"d", "4"}));
  EXPECT_THAT(drain(store->range(std::nullopt, "b")), ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  EXPECT_THAT(drain(store->range("d", std::nullopt)), ElementsAre(KV{"d", "4"}, KV{"e", "5"}));
  EXPECT_THAT(drain(store->range("e", "a")), IsEmpty());
}

TEST_F(CachingKeyValueStoreTest, MergesCacheAndInnerWhenScanningPrefix) {
  inner->data = {{"p1", "inner"}, {"p3", "inner"}, {"q", "other"}};
  store->put("p2", "cached");
  store->put("p3", "cached");
  store->put("r", "other");
  EXPECT_THAT(drain(store->prefixScan("p")),
              ElementsAre(KV{"p1", "inner"}, KV{"p2", "cached"}, KV{"p3", "cached"}));
}

TEST_F(CachingKeyValueStoreTest, IteratesOnlyInnerKeysWhenCacheHasOnlyTombstones) {
  inner->data = {{"a", "1"}, {"b", "2"}};
  store->remove("a");
  store->remove("z");
  EXPECT_THAT(drain(store->all()), ElementsAre(KV{"b", "2"}));
}

TEST_F(CachingKeyValueStoreTest, PutIfAbsentSeesCachedValueAndCachedTombstone) {
  inner->data["gone"] = "inner";
  store->put("k", "cached");
  store->remove("gone");
  EXPECT_EQ(store->putIfAbsent("k", "other"), "cached");
  EXPECT_EQ(store->putIfAbsent("gone", "again"), std::nullopt);
  EXPECT_EQ(store->get("gone"), "again");
  EXPECT_THAT(inner->calls, IsEmpty());
}

TEST_F(CachingKeyValueStoreTest, FlushesDirtyEntriesInLeastRecentlyWrittenOrder) {
  store->put("a", "1");
  store->put("b", "2");
  store->put("c", "3");
  store->put("a", "11");
  store->flush();
  EXPECT_THAT(inner->writes(),
              ElementsAre(StoreCall{"put", "b", "2", 0}, StoreCall{"put", "c", "3", 0},
                          StoreCall{"put", "a", "11", 0}));
  EXPECT_EQ(inner->calls.back().op, "flush");
}

TEST_F(CachingKeyValueStoreTest, SetsEntryTimestampInContextWhileSendingEntryDown) {
  context.timestamp = 10;
  store->put("a", "1");
  context.timestamp = 20;
  store->put("b", "2");
  context.timestamp = 99;
  store->flush();
  EXPECT_THAT(inner->writes(),
              ElementsAre(StoreCall{"put", "a", "1", 10}, StoreCall{"put", "b", "2", 20}));
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"a", "1", std::nullopt, 10},
                                     Forwarded{"b", "2", std::nullopt, 20}));
  EXPECT_THAT(timestampsDuringListener, ElementsAre(10, 20));
  EXPECT_EQ(context.timestamp, 99);
}

TEST_F(CachingKeyValueStoreTest, ChargesBudgetForEntryBytesAndOverhead) {
  store->put("key", "value");
  EXPECT_EQ(budget->usedBytes(), entry(3, 5));
  store->put("key", "v");
  EXPECT_EQ(budget->usedBytes(), entry(3, 1));
  store->remove("k2");
  EXPECT_EQ(budget->usedBytes(), entry(3, 1) + entry(2, 0));
  store.reset();
  EXPECT_EQ(budget->usedBytes(), 0U);
}

TEST_F(CachingKeyValueStoreTest, EvictsLeastRecentlyWrittenEntriesWhenOverBudget) {
  init(2 * entry(1, 1), /*sendOldValues=*/false);
  store->put("a", "1");
  store->put("b", "2");
  EXPECT_THAT(inner->calls, IsEmpty());
  store->put("a", "3");  // a is now the most recently written
  store->put("c", "4");  // over budget: b goes down
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "b", "2", 0}));
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"b", "2", std::nullopt, 0}));
  EXPECT_EQ(store->cachedEntries(), 2U);
  EXPECT_LE(budget->usedBytes(), budget->maxBytes());
  EXPECT_EQ(store->get("b"), "2");  // now from the inner store
}

TEST_F(CachingKeyValueStoreTest, EvictsCleanEntriesWithoutWritingWhenOverBudget) {
  init(2 * entry(1, 1), /*sendOldValues=*/false);
  store->put("a", "1");
  store->put("b", "2");
  store->flush();
  store->put("c", "3");
  EXPECT_THAT(inner->writes(),
              ElementsAre(StoreCall{"put", "a", "1", 0}, StoreCall{"put", "b", "2", 0}));
  EXPECT_EQ(store->cachedEntries(), 2U);
}

TEST_F(CachingKeyValueStoreTest, EvictsOnlyItsOwnEntriesWhenBudgetIsShared) {
  init(2 * entry(1, 1), /*sendOldValues=*/false);
  auto otherInner = std::make_unique<RecordingKeyValueStore>("other");
  RecordingKeyValueStore* other = otherInner.get();
  CachingKeyValueStore otherStore(std::move(otherInner), budget);
  otherStore.init(context);
  otherStore.put("x", "1");
  otherStore.put("y", "2");
  store->put("a", "1");  // over the shared budget: this store evicts its own entry
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "a", "1", 0}));
  EXPECT_THAT(other->calls, IsEmpty());
  EXPECT_EQ(otherStore.cachedEntries(), 2U);
}

TEST_F(CachingKeyValueStoreTest, PassesEveryWriteStraightThroughWhenMaxBytesIsZero) {
  init(0, /*sendOldValues=*/true);
  inner->data["a"] = "old";
  context.timestamp = 4;
  store->put("a", "1");
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"put", "a", "1", 4}));
  EXPECT_THAT(forwarded, ElementsAre(Forwarded{"a", "1", "old", 4}));
  store->remove("a");
  EXPECT_THAT(forwarded.back(), (Forwarded{"a", std::nullopt, "1", 4}));
  EXPECT_EQ(store->cachedEntries(), 0U);
  EXPECT_EQ(budget->usedBytes(), 0U);
}

TEST_F(CachingKeyValueStoreTest, DropsCachedEntriesOfRestoredKeysWhenRestoring) {
  store->put("a", "cached");
  store->restoreBatch({{"a", "restored"}, {"b", std::nullopt}});
  EXPECT_EQ(store->get("a"), "restored");
  EXPECT_EQ(store->cachedEntries(), 0U);
  store->flush();
  EXPECT_THAT(inner->writes(), ElementsAre(StoreCall{"restoreBatch", "a", "restored", 0},
                                           StoreCall{"restoreBatch", "b", std::nullopt, 0}));
  EXPECT_THAT(forwarded, IsEmpty());
}

TEST_F(CachingKeyValueStoreTest, SendsDirtyEntriesDownAndClosesInnerWhenClosed) {
  store->put("a", "1");
  store->close();
  EXPECT_THAT(inner->calls,
              ElementsAre(StoreCall{"put", "a", "1", 0}, StoreCall{"close", "", {}, 0}));
  EXPECT_EQ(store->cachedEntries(), 0U);
  EXPECT_EQ(budget->usedBytes(), 0U);
}

TEST_F(CachingKeyValueStoreTest, ReportsInnerPersistedVersionAndEntryCount) {
  inner->version = 42;
  inner->data["x"] = "1";
  EXPECT_EQ(store->persistedVersion(), 42U);
  EXPECT_EQ(store->approximateNumEntries(), 1U);
}

// The production stack: caching over change-logging over in-memory.
TEST(CachingOverChangeLoggingTest, LogsEachKeyOnceWithItsOwnTimestampWhenFlushed) {
  FakeStoreContext context{"unused"};
  auto budget = std::make_shared<CacheBudget>(1024 * 1024);
  CachingKeyValueStore store(
      std::make_unique<ChangeLoggingKeyValueStore>(std::make_unique<InMemoryKeyValueStore>("s"),
                                                   /*timestamped=*/false),
      budget);
  store.init(context);
  context.timestamp = 1;
  store.put("a", "1");
  context.timestamp = 2;
  store.put("a", "2");
  context.timestamp = 3;
  store.put("b", "x");
  context.timestamp = 100;
  EXPECT_THAT(context.logged, IsEmpty());
  store.flush();
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"s", "a", "2", 2}, LoggedChange{"s", "b", "x", 3}));
}

}  // namespace
}  // namespace kstreams::internal
