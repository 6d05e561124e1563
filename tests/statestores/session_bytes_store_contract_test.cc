// What every session store at the bottom of a stack does, run against each of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "statestores/in_memory_session_store.h"
#include "statestores/rocksdb_session_store.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::drainSessions;
using testing::FakeStoreContext;
using testing::Session;
using testing::TempDirectory;

constexpr int64_t kRetention = 1000;
constexpr int64_t kSegmentInterval = 100;

struct InMemory {
  static std::unique_ptr<SegmentedSessionStore> make() {
    return std::make_unique<InMemorySessionStore>("session-store", kRetention);
  }
};
struct RocksDB {
  static std::unique_ptr<SegmentedSessionStore> make() {
    return std::make_unique<RocksDBSessionStore>("session-store", kRetention, kSegmentInterval);
  }
};

template <typename Factory>
class SessionBytesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store->init(context); }
  void TearDown() override { store->close(); }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
  std::unique_ptr<SegmentedSessionStore> store = Factory::make();
};

class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int /*index*/) {
    if constexpr (std::is_same_v<T, InMemory>) return "InMemorySessionStore";
    return "RocksDBSessionStore";
  }
};

using Stores = ::testing::Types<InMemory, RocksDB>;
TYPED_TEST_SUITE(SessionBytesStoreTest, Stores, StoreNames);

TYPED_TEST(SessionBytesStoreTest, ReportsNameAndRetentionWhenCreated) {
  EXPECT_EQ(this->store->name(), "session-store");
  EXPECT_EQ(this->store->retentionMs(), kRetention);
}

TYPED_TEST(SessionBytesStoreTest, FetchSessionReturnsValueOfExactSessionWhenPut) {
  this->store->put("k", 10, 20, "v");
  EXPECT_EQ(this->store->fetchSession("k", 10, 20), "v");
  EXPECT_EQ(this->store->fetchSession("k", 10, 21), std::nullopt);
  EXPECT_EQ(this->store->fetchSession("k", 11, 20), std::nullopt);
  EXPECT_EQ(this->store->fetchSession("j", 10, 20), std::nullopt);
}

TYPED_TEST(SessionBytesStoreTest, RemovesSessionWhenPutWithNullValue) {
  this->store->put("k", 10, 20, "v");
  this->store->put("k", 10, 20, std::nullopt);
  EXPECT_EQ(this->store->fetchSession("k", 10, 20), std::nullopt);
  EXPECT_THAT(drainSessions(this->store->all()), IsEmpty());
}

TYPED_TEST(SessionBytesStoreTest, FindSessionsIncludesBothBoundsWhenSessionsTouchThem) {
  this->store->put("k", 0, 10, "ends-before");
  this->store->put("k", 20, 30, "ends-at-earliest-end");
  this->store->put("k", 40, 150, "starts-at-latest-start");
  this->store->put("k", 60, 60, "starts-after");
  this->store->put("j", 30, 40, "other-key");
  EXPECT_THAT(drainSessions(this->store->findSessions("k", 30, 40)),
              ElementsAre(Session{"k", 20, 30, "ends-at-earliest-end"},
                          Session{"k", 40, 150, "starts-at-latest-start"}));
}

TYPED_TEST(SessionBytesStoreTest, FindSessionsOrdersByEndThenStart) {
  this->store->put("k", 10, 220, "b");
  this->store->put("k", 5, 220, "a");
  this->store->put("k", 0, 15, "first");
  EXPECT_THAT(drainSessions(this->store->findSessions("k", 0, 1000)),
              ElementsAre(Session{"k", 0, 15, "first"}, Session{"k", 5, 220, "a"},
                          Session{"k", 10, 220, "b"}));
}

TYPED_TEST(SessionBytesStoreTest, FindSessionsReturnsNoSessionOfLongerKeyWithSamePrefix) {
  this->store->put("a", 10, 20, "a");
  this->store->put("ab", 10, 20, "ab");
  this->store->put(std::string("a\0", 2), 12, 18, "zero");
  this->store->put("a" + SessionKeyCodec::toStoreKey("", 11, 19), 11, 19, "lookalike");
  EXPECT_THAT(drainSessions(this->store->findSessions("a", 0, 100)),
              ElementsAre(Session{"a", 10, 20, "a"}));
  EXPECT_THAT(drainSessions(this->store->fetch("ab")), ElementsAre(Session{"ab", 10, 20, "ab"}));
}

TYPED_TEST(SessionBytesStoreTest, FetchReturnsEverySessionOfKey) {
  this->store->put("k", 0, 10, "1");
  this->store->put("k", 300, 450, "2");
  this->store->put("j", 0, 10, "other");
  EXPECT_THAT(drainSessions(this->store->fetch("k")),
              ElementsAre(Session{"k", 0, 10, "1"}, Session{"k", 300, 450, "2"}));
}

TYPED_TEST(SessionBytesStoreTest, AllReturnsEverySessionByKeyThenEndThenStart) {
  this->store->put("b", 0, 10, "b");
  this->store->put("a", 200, 300, "a2");
  this->store->put("a", 0, 50, "a1");
  EXPECT_THAT(drainSessions(this->store->all()),
              ElementsAre(Session{"a", 0, 50, "a1"}, Session{"a", 200, 300, "a2"},
                          Session{"b", 0, 10, "b"}));
}

TYPED_TEST(SessionBytesStoreTest, ExpiresSessionsEndingAtOrBeforeStreamTimeMinusRetention) {
  this->store->put("k", 0, 500, "edge");
  this->store->put("k", 400, 501, "kept");
  this->store->put("k", 1400, 1500, "new");
  EXPECT_EQ(this->store->observedStreamTime(), 1500);
  EXPECT_EQ(this->store->fetchSession("k", 0, 500), std::nullopt);
  EXPECT_THAT(drainSessions(this->store->findSessions("k", 0, 2000)),
              ElementsAre(Session{"k", 400, 501, "kept"}, Session{"k", 1400, 1500, "new"}));
  EXPECT_THAT(drainSessions(this->store->all()),
              ElementsAre(Session{"k", 400, 501, "kept"}, Session{"k", 1400, 1500, "new"}));
}

TYPED_TEST(SessionBytesStoreTest, IgnoresPutAndRemoveOfExpiredSession) {
  this->store->put("k", 400, 501, "kept");
  this->store->put("k", 1500, 1500, "new");
  this->store->put("late", 100, 500, "v");
  this->store->put("k", 400, 501, std::nullopt);  // still live: removes
  EXPECT_EQ(this->store->fetchSession("late", 100, 500), std::nullopt);
  EXPECT_THAT(drainSessions(this->store->all()), ElementsAre(Session{"k", 1500, 1500, "new"}));
}

TYPED_TEST(SessionBytesStoreTest, ThrowsStoreExceptionWhenSessionIsInvalid) {
  EXPECT_THROW(this->store->put("k", 20, 10, "v"), StoreException);
  EXPECT_THROW(this->store->put("k", -1, 10, "v"), StoreException);
}

TYPED_TEST(SessionBytesStoreTest, RestoreBatchAppliesStoreKeyRecordsAndAdvancesStreamTime) {
  this->store->put("gone", 0, 5, "x");
  this->store->restoreBatch({{SessionKeyCodec::toStoreKey("k", 10, 20), "a"},
                             {SessionKeyCodec::toStoreKey("gone", 0, 5), std::nullopt},
                             {SessionKeyCodec::toStoreKey("k", 100, 250), "b"},
                             {SessionKeyCodec::toStoreKey("k", 10, 20), "c"}});
  EXPECT_THAT(drainSessions(this->store->all()),
              ElementsAre(Session{"k", 10, 20, "c"}, Session{"k", 100, 250, "b"}));
  EXPECT_EQ(this->store->observedStreamTime(), 250);
  this->store->restoreBatch({{SessionKeyCodec::toStoreKey("k", 2000, 2100), "d"},
                             {SessionKeyCodec::toStoreKey("late", 0, 1100), "late"}});
  EXPECT_THAT(drainSessions(this->store->all()), ElementsAre(Session{"k", 2000, 2100, "d"}));
}

}  // namespace
}  // namespace kstreams::internal
