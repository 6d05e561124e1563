#include "statestores/state_directory.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {
std::string errnoText() { return std::strerror(errno); }
}  // namespace

StateDirectory::StateDirectory(std::string stateDir, std::string applicationId)
    : stateDir_(std::move(stateDir)), applicationId_(std::move(applicationId)) {}

std::string StateDirectory::taskDirectory(const std::string& taskId) {
  const std::filesystem::path dir = std::filesystem::path(stateDir_) / applicationId_ / taskId;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw StoreException("cannot create task directory " + dir.string() + ": " + error.message());
  }
  return dir.string();
}

bool StateDirectory::lock(const std::string& taskId) {
  if (holdsLock(taskId)) return true;
  const std::string path = taskDirectory(taskId) + "/.lock";
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) throw StoreException("cannot open lock file " + path + ": " + errnoText());
  int result = 0;
  do {
    result = ::flock(fd.get(), LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    if (errno == EWOULDBLOCK) return false;
    throw StoreException("cannot lock " + path + ": " + errnoText());
  }
  locks_.emplace(taskId, std::move(fd));
  return true;
}

void StateDirectory::unlock(const std::string& taskId) {
  // Closing the descriptor releases the flock.
  locks_.erase(taskId);
}

void StateDirectory::wipeStores(const std::string& taskId) {
  const std::filesystem::path dir =
      std::filesystem::path(stateDir_) / applicationId_ / taskId / "rocksdb";
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (error) throw StoreException("cannot remove " + dir.string() + ": " + error.message());
}

}  // namespace kstreams::internal
