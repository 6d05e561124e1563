// Kafka Streams' StateDirectory: the task directories under state.dir.
#pragma once

#include <map>
#include <string>

#include "statestores/file_descriptor.h"

namespace kstreams::internal {

/// `<stateDir>/<applicationId>/<taskId>/` per task, and the lock that makes one
/// owner per task directory.
///
/// The lock is flock(LOCK_EX | LOCK_NB) on `<task directory>/.lock`. flock locks
/// belong to the open file description: each lock() opens the file anew, so two
/// StateDirectory objects in one process exclude each other just as two processes
/// do, while a descriptor duplicated by dup() or inherited over fork() shares the
/// lock (the files are opened O_CLOEXEC so exec'd children do not keep it). The
/// lock file itself is never removed. Use from one thread at a time.
class StateDirectory {
 public:
  StateDirectory(std::string stateDir, std::string applicationId);
  /// Releases every lock this object holds.
  ~StateDirectory() = default;
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;

  /// The task's directory (without a trailing slash), created if missing;
  /// throws StoreException when it cannot be created.
  std::string taskDirectory(const std::string& taskId);
  /// Takes the task's lock: true when this object holds it now (also when it
  /// already did), false when another holder has it. Throws StoreException on
  /// other errors.
  bool lock(const std::string& taskId);
  /// Releases the lock, if this object holds it.
  void unlock(const std::string& taskId);
  [[nodiscard]] bool holdsLock(const std::string& taskId) const { return locks_.contains(taskId); }
  /// Removes `<task directory>/rocksdb` (every persistent store of the task). The
  /// caller holds the lock and has closed the stores.
  void wipeStores(const std::string& taskId);

 private:
  std::string stateDir_;
  std::string applicationId_;
  std::map<std::string, FileDescriptor> locks_;
};

}  // namespace kstreams::internal
