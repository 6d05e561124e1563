#include "statestores/in_memory_key_value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::drain;
using testing::FakeStoreContext;
using testing::KV;

class InMemoryKeyValueStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store.init(context); }

  FakeStoreContext context{"unused"};
  InMemoryKeyValueStore store{"mem"};
};

TEST_F(InMemoryKeyValueStoreTest, IsNotPersistentAndHasVersionZeroWhenWrittenTo) {
  store.put("k", "v");
  store.restoreBatch({{"r", "1"}});
  EXPECT_FALSE(store.persistent());
  EXPECT_EQ(store.persistedVersion(), 0U);
  EXPECT_EQ(store.name(), "mem");
}

TEST_F(InMemoryKeyValueStoreTest, IteratorKeepsItsSnapshotWhenStoreIsModified) {
  store.put("a", "1");
  store.put("b", "2");
  auto it = store.all();
  ASSERT_TRUE(it->valid());
  const std::string_view firstKey = it->key();
  store.put("a", "changed");
  store.remove("b");
  store.put("c", "3");
  EXPECT_EQ(firstKey, "a");
  EXPECT_EQ(it->value(), "1");
  it->next();
  ASSERT_TRUE(it->valid());
  EXPECT_EQ(it->key(), "b");
  it->next();
  EXPECT_FALSE(it->valid());
}

TEST_F(InMemoryKeyValueStoreTest, DropsContentsWhenClosed) {
  store.put("a", "1");
  store.close();
  EXPECT_THAT(drain(store.all()), IsEmpty());
  EXPECT_EQ(store.approximateNumEntries(), 0U);
}

TEST_F(InMemoryKeyValueStoreTest, CountsEntriesExactlyWhenKeysAreOverwrittenAndRemoved) {
  store.put("a", "1");
  store.put("a", "2");
  store.put("b", "1");
  store.remove("b");
  EXPECT_EQ(store.approximateNumEntries(), 1U);
  EXPECT_THAT(drain(store.all()), ElementsAre(KV{"a", "2"}));
}

}  // namespace
}  // namespace kstreams::internal
