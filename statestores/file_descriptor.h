// An owned POSIX file descriptor.
#pragma once

namespace kstreams::internal {

/// Owns one file descriptor and closes it on destruction. Move-only.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  /// Closes now; returns ::close()'s result (0 when there was nothing to close),
  /// with errno set on failure.
  int close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace kstreams::internal
