#include "statestores/state_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "store_test_support.h"

namespace kstreams::internal {
namespace {

namespace fs = std::filesystem;
using testing::TempDirectory;

/// Exit code of a child process that tries to flock `path`: 0 locked, 1 busy,
/// 2 error. The child only makes system calls.
int tryLockInChildProcess(const std::string& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(path.c_str(), O_RDWR);
    if (fd < 0) ::_exit(2);
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::_exit(0);
    ::_exit(errno == EWOULDBLOCK ? 1 : 2);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

class StateDirectoryTest : public ::testing::Test {
 protected:
  TempDirectory dir;
  StateDirectory stateDirectory{dir.path(), "app"};
};

TEST_F(StateDirectoryTest, CreatesTaskDirectoryUnderApplicationIdWhenAsked) {
  const std::string taskDir = stateDirectory.taskDirectory("0_1");
  EXPECT_EQ(fs::path(taskDir), fs::path(dir.path()) / "app" / "0_1");
  EXPECT_TRUE(fs::is_directory(taskDir));
  EXPECT_EQ(stateDirectory.taskDirectory("0_1"), taskDir);
}

TEST_F(StateDirectoryTest, RefusesLockWhenAnotherInstanceInSameProcessHoldsIt) {
  StateDirectory other(dir.path(), "app");
  ASSERT_TRUE(stateDirectory.lock("0_1"));
  EXPECT_FALSE(other.lock("0_1"));
  EXPECT_FALSE(other.holdsLock("0_1"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "app" / "0_1" / ".lock"));
}

TEST_F(StateDirectoryTest, GrantsLockAgainWhenHolderAsksTwice) {
  ASSERT_TRUE(stateDirectory.lock("0_1"));
  EXPECT_TRUE(stateDirectory.lock("0_1"));
  EXPECT_TRUE(stateDirectory.holdsLock("0_1"));
}

TEST_F(StateDirectoryTest, ReleasesLockWhenUnlocked) {
  StateDirectory other(dir.path(), "app");
  ASSERT_TRUE(stateDirectory.lock("0_1"));
  stateDirectory.unlock("0_1");
  EXPECT_FALSE(stateDirectory.holdsLock("0_1"));
  EXPECT_TRUE(other.lock("0_1"));
}

TEST_F(StateDirectoryTest, ReleasesLocksWhenDestroyed) {
  {
    StateDirectory holder(dir.path(), "app");
    ASSERT_TRUE(holder.lock("0_1"));
  }
  EXPECT_TRUE(stateDirectory.lock("0_1"));
}

TEST_F(StateDirectoryTest, LocksTasksIndependently) {
  StateDirectory other(dir.path(), "app");
  ASSERT_TRUE(stateDirectory.lock("0_1"));
  EXPECT_TRUE(other.lock("0_2"));
  EXPECT_FALSE(stateDirectory.lock("0_2"));
}

TEST_F(StateDirectoryTest, ExcludesOtherProcessesWhileLocked) {
  ASSERT_TRUE(stateDirectory.lock("0_1"));
  const std::string lockFile = (fs::path(dir.path()) / "app" / "0_1" / ".lock").string();
  EXPECT_EQ(tryLockInChildProcess(lockFile), 1);
  stateDirectory.unlock("0_1");
  EXPECT_EQ(tryLockInChildProcess(lockFile), 0);
}

TEST_F(StateDirectoryTest, WipesOnlyRocksDBDirectoryWhenWipingStores) {
  const fs::path taskDir = stateDirectory.taskDirectory("0_1");
  fs::create_directories(taskDir / "rocksdb" / "store" / "sub");
  std::ofstream(taskDir / "rocksdb" / "store" / "CURRENT") << "x";
  std::ofstream(taskDir / ".checkpoint") << "y";
  stateDirectory.wipeStores("0_1");
  EXPECT_FALSE(fs::exists(taskDir / "rocksdb"));
  EXPECT_TRUE(fs::exists(taskDir / ".checkpoint"));
  EXPECT_NO_THROW(stateDirectory.wipeStores("0_1"));
}

}  // namespace
}  // namespace kstreams::internal
