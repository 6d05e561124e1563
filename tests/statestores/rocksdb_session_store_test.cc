#include "statestores/rocksdb_session_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using testing::drainSessions;
using testing::FakeStoreContext;
using testing::Session;
using testing::TempDirectory;

class RocksDBSessionStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksDBSessionStore> open() {
    auto store = std::make_unique<RocksDBSessionStore>("s", /*retention=*/300, /*interval=*/100);
    store->init(context);
    return store;
  }

  std::vector<std::string> segmentDirectories() {
    return testing::segmentDirectoryNames(fs::path(dir.path()) / "rocksdb" / "s");
  }

  TempDirectory dir;
  FakeStoreContext context{dir.path()};
};

TEST_F(RocksDBSessionStoreTest, PutsSessionInSegmentOfItsEnd) {
  auto store = open();
  store->put("k", 50, 250, "v");
  EXPECT_TRUE(store->persistent());
  EXPECT_THAT(segmentDirectories(), ElementsAre("s.200"));
}

TEST_F(RocksDBSessionStoreTest, DeletesSegmentDirectoriesWhenTheyFallOutOfRetention) {
  auto store = open();
  store->put("k", 0, 50, "a");
  store->put("k", 100, 180, "b");
  store->put("k", 400, 460, "c");  // boundary 160: segment 0 goes
  EXPECT_THAT(segmentDirectories(), UnorderedElementsAre("s.100", "s.400"));
  EXPECT_THAT(drainSessions(store->fetch("k")),
              ElementsAre(Session{"k", 100, 180, "b"}, Session{"k", 400, 460, "c"}));
}

TEST_F(RocksDBSessionStoreTest, FindSessionsReadsEverySegmentFromEarliestEnd) {
  auto store = open();
  store->put("k", 0, 20, "a");
  store->put("k", 10, 120, "b");
  store->put("k", 15, 290, "c");
  EXPECT_THAT(drainSessions(store->findSessions("k", 100, 15)),
              ElementsAre(Session{"k", 10, 120, "b"}, Session{"k", 15, 290, "c"}));
}

TEST_F(RocksDBSessionStoreTest, KeepsSessionsAndVersionWhenClosedAndReopenedAfterFlush) {
  uint64_t version = 0;
  {
    auto store = open();
    store->put("k", 0, 50, "a");
    store->put("k", 100, 180, "b");
    store->put("k", 100, 180, std::nullopt);
    store->restoreBatch({{SessionKeyCodec::toStoreKey("j", 200, 210), "c"}});
    store->flush();
    version = store->persistedVersion();
    store->close();
  }
  auto store = open();
  EXPECT_EQ(store->persistedVersion(), version);
  EXPECT_THAT(drainSessions(store->all()),
              ElementsAre(Session{"j", 200, 210, "c"}, Session{"k", 0, 50, "a"}));
}

}  // namespace
}  // namespace kstreams::internal
