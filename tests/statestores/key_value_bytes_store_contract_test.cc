// What every bytes store at the bottom of a stack does, run against each of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "statestores/in_memory_key_value_store.h"
#include "statestores/rocksdb_key_value_store.h"
#include "store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::drain;
using testing::FakeStoreContext;
using testing::KV;
using testing::TempDirectory;

struct InMemory {
  static std::unique_ptr<KeyValueBytesStore> make() {
    return std::make_unique<InMemoryKeyValueStore>("contract-store");
  }
};
struct RocksDB {
  static std::unique_ptr<KeyValueBytesStore> make() {
    return std::make_unique<RocksDBKeyValueStore>("contract-store");
  }
};

template <typename Factory>
class KeyValueBytesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store->init(context); }
  void TearDown() override { store->close(); }

  void putAll(std::initializer_list<KV> entries) {
    for (const auto& [k, v] : entries) store->put(k, v);
  }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
  std::unique_ptr<KeyValueBytesStore> store = Factory::make();
};

class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int /*index*/) {
    if constexpr (std::is_same_v<T, InMemory>) return "InMemoryKeyValueStore";
    return "RocksDBKeyValueStore";
  }
};

using Stores = ::testing::Types<InMemory, RocksDB>;
TYPED_TEST_SUITE(KeyValueBytesStoreTest, Stores, StoreNames);

TYPED_TEST(KeyValueBytesStoreTest, ReturnsNulloptWhenKeyWasNeverPut) {
  EXPECT_EQ(this->store->get("missing"), std::nullopt);
}

TYPED_TEST(KeyValueBytesStoreTest, ReturnsLatestValueWhenKeyIsPutTwice) {
  this->store->put("k", "v1");
  this->store->put("k", "v2");
  EXPECT_EQ(this->store->get("k"), "v2");
}

TYPED_TEST(KeyValueBytesStoreTest, DeletesKeyWhenPutWithNullValue) {
  this->store->put("k", "v");
  this->store->put("k", std::nullopt);
  EXPECT_EQ(this->store->get("k"), std::nullopt);
}

TYPED_TEST(KeyValueBytesStoreTest, GetIntoReplacesTheBufferWithTheValueOrSaysAbsent) {
  this->store->put("k", std::string(300, 'v'));
  this->store->put("short", "s");
  this->store->put("gone", "g");
  this->store->put("gone", std::nullopt);
  std::string out = "previous contents";
  ASSERT_TRUE(this->store->getInto("k", out));
  EXPECT_EQ(out, std::string(300, 'v'));
  ASSERT_TRUE(this->store->getInto("short", out));
  EXPECT_EQ(out, "s");
  EXPECT_FALSE(this->store->getInto("gone", out));
  EXPECT_FALSE(this->store->getInto("missing", out));
  this->store->put("empty", "");
  ASSERT_TRUE(this->store->getInto("empty", out));
  EXPECT_EQ(out, "");
}

TYPED_TEST(KeyValueBytesStoreTest, KeepsEmptyValueApartFromAbsentValue) {
  this->store->put("k", "");
  EXPECT_EQ(this->store->get("k"), "");
}

TYPED_TEST(KeyValueBytesStoreTest, KeepsBinaryKeysAndValuesWhenTheyContainZeroBytes) {
  const std::string key("a\0b", 3);
  const std::string value("\0\xff\0", 3);
  this->store->put(key, value);
  EXPECT_EQ(this->store->get(key), value);
  EXPECT_EQ(this->store->get("a"), std::nullopt);
}

TYPED_TEST(KeyValueBytesStoreTest, RemoveReturnsOldValueAndDeletesKeyWhenPresent) {
  this->store->put("k", "v");
  EXPECT_EQ(this->store->remove("k"), "v");
  EXPECT_EQ(this->store->get("k"), std::nullopt);
}

TYPED_TEST(KeyValueBytesStoreTest, RemoveReturnsNulloptWhenKeyIsAbsent) {
  EXPECT_EQ(this->store->remove("k"), std::nullopt);
}

TYPED_TEST(KeyValueBytesStoreTest, PutIfAbsentWritesWhenKeyIsAbsent) {
  EXPECT_EQ(this->store->putIfAbsent("k", "first"), std::nullopt);
  EXPECT_EQ(this->store->get("k"), "first");
}

TYPED_TEST(KeyValueBytesStoreTest, PutIfAbsentKeepsAndReturnsExistingValueWhenKeyIsPresent) {
  this->store->put("k", "first");
  EXPECT_EQ(this->store->putIfAbsent("k", "second"), "first");
  EXPECT_EQ(this->store->get("k"), "first");
}

TYPED_TEST(KeyValueBytesStoreTest, RangeIncludesBothBoundsWhenTheyExist) {
  this->putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  EXPECT_THAT(drain(this->store->range("b", "c")), ElementsAre(KV{"b", "2"}, KV{"c", "3"}));
}

TYPED_TEST(KeyValueBytesStoreTest, RangeStopsAtNearestKeysWhenBoundsDoNotExist) {
  this->putAll({{"a", "1"}, {"c", "3"}, {"e", "5"}});
  EXPECT_THAT(drain(this->store->range("b", "d")), ElementsAre(KV{"c", "3"}));
}

TYPED_TEST(KeyValueBytesStoreTest, RangeIsUnboundedOnTheSideWhoseBoundIsEmpty) {
  this->putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  EXPECT_THAT(drain(this->store->range(std::nullopt, "b")),
              ElementsAre(KV{"a", "1"}, KV{"b", "2"}));
  EXPECT_THAT(drain(this->store->range("b", std::nullopt)),
              ElementsAre(KV{"b", "2"}, KV{"c", "3"}));
  EXPECT_THAT(drain(this->store->range(std::nullopt, std::nullopt)),
              ElementsAre(KV{"a", "1"}, KV{"b", "2"}, KV{"c", "3"}));
}

TYPED_TEST(KeyValueBytesStoreTest, RangeIsEmptyWhenFromIsAfterTo) {
  this->putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  EXPECT_THAT(drain(this->store->range("c", "a")), IsEmpty());
}

TYPED_TEST(KeyValueBytesStoreTest, RangeIsEmptyWhenStoreIsEmpty) {
  EXPECT_THAT(drain(this->store->range(std::nullopt, std::nullopt)), IsEmpty());
  EXPECT_THAT(drain(this->store->all()), IsEmpty());
}

TYPED_TEST(KeyValueBytesStoreTest, AllOrdersKeysAsUnsignedBytes) {
  this->putAll({{"\xff", "high"}, {"b", "2"}, {"a", "1"}, {std::string("\0", 1), "zero"}});
  EXPECT_THAT(drain(this->store->all()),
              ElementsAre(KV{std::string("\0", 1), "zero"}, KV{"a", "1"}, KV{"b", "2"},
                          KV{"\xff", "high"}));
}

TYPED_TEST(KeyValueBytesStoreTest, PrefixScanReturnsOnlyKeysStartingWithPrefix) {
  this->putAll({{"a", "0"}, {"ab", "1"}, {"ab\xff", "2"}, {"abc", "3"}, {"ac", "4"}, {"b", "5"}});
  EXPECT_THAT(drain(this->store->prefixScan("ab")),
              ElementsAre(KV{"ab", "1"}, KV{"abc", "3"}, KV{"ab\xff", "2"}));
}

TYPED_TEST(KeyValueBytesStoreTest, PrefixScanIsEmptyWhenNoKeyHasPrefix) {
  this->putAll({{"a", "0"}, {"c", "1"}});
  EXPECT_THAT(drain(this->store->prefixScan("b")), IsEmpty());
}

TYPED_TEST(KeyValueBytesStoreTest, PrefixScanReturnsEverythingWhenPrefixIsEmpty) {
  this->putAll({{"a", "0"}, {"b", "1"}});
  EXPECT_THAT(drain(this->store->prefixScan("")), ElementsAre(KV{"a", "0"}, KV{"b", "1"}));
}

TYPED_TEST(KeyValueBytesStoreTest, RestoreBatchAppliesPutsAndTombstonesInOrder) {
  this->putAll({{"gone", "x"}, {"kept", "y"}});
  this->store->restoreBatch({{"a", "1"}, {"gone", std::nullopt}, {"a", "2"}, {"b", "3"},
                             {"b", std::nullopt}, {"never", std::nullopt}});
  EXPECT_THAT(drain(this->store->all()), ElementsAre(KV{"a", "2"}, KV{"kept", "y"}));
}

TYPED_TEST(KeyValueBytesStoreTest, ApproximateNumEntriesCountsDistinctKeysWhenOnlyPut) {
  this->putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  EXPECT_EQ(this->store->approximateNumEntries(), 3U);
}

TYPED_TEST(KeyValueBytesStoreTest, KeepsDataWhenFlushed) {
  this->store->put("k", "v");
  this->store->flush();
  EXPECT_EQ(this->store->get("k"), "v");
}

}  // namespace
}  // namespace kstreams::internal
