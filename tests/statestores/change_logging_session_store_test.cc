#include "statestores/change_logging_session_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "statestores/in_memory_session_store.h"
#include "statestores/store_exception.h"
#include "statestores/window_key_codec.h"
#include "window_store_test_support.h"

namespace kstreams::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::bytes;
using testing::drainSessions;
using testing::FakeStoreContext;
using testing::LoggedChange;
using testing::RecordingSessionStore;
using testing::Session;
using testing::WindowCall;

class ChangeLoggingSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recording = std::make_unique<RecordingSessionStore>("log-sessions");
    inner = recording.get();
    store = std::make_unique<ChangeLoggingSessionStore>(std::move(recording));
    store->init(context);
  }

  FakeStoreContext context{"unused"};
  RecordingSessionStore* inner = nullptr;  // owned by store
  std::unique_ptr<ChangeLoggingSessionStore> store;
};

TEST_F(ChangeLoggingSessionStoreTest, LogsKafkaSessionKeyValueAndContextTimestampWhenPut) {
  context.timestamp = 42;
  store->put("k", /*start=*/0x0102, /*end=*/0x0A0B, "v");
  EXPECT_THAT(inner->calls, ElementsAre(WindowCall{"put", "k", "v", 0x0102, 0x0A0B}));
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"log-sessions",
                                       bytes({'k', 0, 0, 0, 0, 0, 0, 0x0A, 0x0B, 0, 0, 0, 0, 0, 0,
                                              0x01, 0x02}),
                                       "v", 42}));
}

TEST_F(ChangeLoggingSessionStoreTest, LogsTombstoneWhenSessionIsRemoved) {
  inner->data[{"k", 20, 10}] = "v";
  context.timestamp = 7;
  store->put("k", 10, 20, std::nullopt);
  EXPECT_THAT(inner->data, IsEmpty());
  EXPECT_THAT(context.logged,
              ElementsAre(LoggedChange{"log-sessions", SessionKeyCodec::toStoreKey("k", 10, 20),
                                       std::nullopt, 7}));
}

TEST_F(ChangeLoggingSessionStoreTest, PassesReadsFlushCloseAndRestoreDownWithoutLogging) {
  inner->data[{"k", 20, 10}] = "v";
  inner->version = 3;
  EXPECT_EQ(store->fetchSession("k", 10, 20), "v");
  EXPECT_THAT(drainSessions(store->findSessions("k", 0, 100)),
              ElementsAre(Session{"k", 10, 20, "v"}));
  EXPECT_THAT(drainSessions(store->fetch("k")), ElementsAre(Session{"k", 10, 20, "v"}));
  EXPECT_THAT(drainSessions(store->all()), ElementsAre(Session{"k", 10, 20, "v"}));
  store->restoreBatch({{SessionKeyCodec::toStoreKey("r", 1, 2), "x"}});
  store->flush();
  store->close();
  EXPECT_EQ(store->persistedVersion(), 3U);
  EXPECT_EQ(store->name(), "log-sessions");
  EXPECT_EQ(inner->inits, 1);
  EXPECT_THAT(inner->calls,
              ElementsAre(WindowCall{"restoreBatch", SessionKeyCodec::toStoreKey("r", 1, 2), "x",
                                     0, 0},
                          WindowCall{"flush", "", std::nullopt, 0, 0},
                          WindowCall{"close", "", std::nullopt, 0, 0}));
  EXPECT_THAT(context.logged, IsEmpty());
}

TEST_F(ChangeLoggingSessionStoreTest, ThrowsStoreExceptionWhenPutBeforeInit) {
  ChangeLoggingSessionStore uninitialised(std::make_unique<RecordingSessionStore>());
  EXPECT_THROW(uninitialised.put("k", 1, 2, "v"), StoreException);
}

TEST(ChangeLoggingSessionStoreOverRealStoreTest, LogsRecordsThatRestoreTheSameStore) {
  FakeStoreContext context{"unused"};
  ChangeLoggingSessionStore store(std::make_unique<InMemorySessionStore>("sessions", 1000));
  store.init(context);
  store.put("k", 0, 10, "a");
  store.put("k", 0, 10, std::nullopt);
  store.put("k", 0, 30, "merged");
  store.put("j", 5, 5, "b");
  std::vector<RestoreRecord> changelog;
  for (const auto& change : context.logged) changelog.push_back({change.key, change.value});
  InMemorySessionStore restored("sessions", 1000);
  restored.init(context);
  restored.restoreBatch(changelog);
  EXPECT_EQ(drainSessions(restored.all()), drainSessions(store.all()));
  EXPECT_THAT(drainSessions(restored.all()),
              ElementsAre(Session{"j", 5, 5, "b"}, Session{"k", 0, 30, "merged"}));
}

}  // namespace
}  // namespace kstreams::internal
