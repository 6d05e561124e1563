#include "statestores/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "statestores/crc32.h"
#include "statestores/file_descriptor.h"
#include "statestores/store_exception.h"

namespace kstreams::internal {

namespace {

constexpr std::string_view kHeader = "kstreams-checkpoint 1";
constexpr std::string_view kCrcPrefix = "crc32 ";
constexpr size_t kCrcDigits = 8;
constexpr size_t kFieldsPerEntry = 5;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw StoreException("checkpoint " + path + ": " + what + ": " + std::strerror(errno));
}

std::string hex32(uint32_t value) {
  char buffer[kCrcDigits + 1];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(value));
  return std::string(buffer, kCrcDigits);
}

// Parses all of `text` (no sign for unsigned, no spaces, no '+').
bool parseNumber(std::string_view text, int32_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

bool parseNumber(std::string_view text, int64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

bool parseNumber(std::string_view text, uint64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// Exactly 8 lowercase hex digits.
bool parseCrc(std::string_view text, uint32_t& out) {
  if (text.size() != kCrcDigits) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out, 16);
  return ec == std::errc() && ptr == end;
}

bool validName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7F) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

CheckpointReadResult corrupt(std::string error) {
  CheckpointReadResult result;
  result.status = CheckpointReadResult::Status::CORRUPT;
  result.error = std::move(error);
  return result;
}

CheckpointReadResult parse(std::string_view content) {
  if (content.empty() || content.back() != '\n') return corrupt("does not end with a newline");
  const std::string_view withoutLastNewline = content.substr(0, content.size() - 1);
  const size_t lastLineStart = withoutLastNewline.rfind('\n') + 1;  // npos + 1 == 0
  const std::string_view body = content.substr(0, lastLineStart);
  const std::string_view crcLine = withoutLastNewline.substr(lastLineStart);

  if (!content.starts_with(std::string(kHeader) + "\n")) {
    return corrupt("bad header (expected \"" + std::string(kHeader) + "\")");
  }
  uint32_t expected = 0;
  if (!crcLine.starts_with(kCrcPrefix) || !parseCrc(crcLine.substr(kCrcPrefix.size()), expected)) {
    return corrupt("bad crc line");
  }
  const uint32_t actual = crc32(body);
  if (actual != expected) {
    return corrupt("crc mismatch: file says " + hex32(expected) + ", content has " + hex32(actual));
  }

  // body is "header\ncount\nentry\n...entry\n": the last split part is empty.
  std::vector<std::string_view> lines = split(body, '\n');
  lines.pop_back();
  if (lines.size() < 2) return corrupt("missing entry count");
  uint64_t count = 0;
  if (!parseNumber(lines[1], count)) return corrupt("bad entry count");
  if (count != lines.size() - 2) {
    return corrupt("entry count " + std::to_string(count) + " but " +
                   std::to_string(lines.size() - 2) + " entry lines");
  }
  CheckpointReadResult result;
  result.status = CheckpointReadResult::Status::OK;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::vector<std::string_view> fields = split(lines[i], ' ');
    CheckpointEntry entry;
    if (fields.size() != kFieldsPerEntry || !validName(fields[0]) || !validName(fields[1]) ||
        !parseNumber(fields[2], entry.partition) || !parseNumber(fields[3], entry.offset) ||
        !parseNumber(fields[4], entry.persistedVersion)) {
      return corrupt("bad entry line " + std::to_string(i + 1));
    }
    entry.store.assign(fields[0]);
    entry.topic.assign(fields[1]);
    result.entries.push_back(std::move(entry));
  }
  return result;
}

void writeAll(const FileDescriptor& fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd.get(), bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

std::string Checkpoint::path(const std::string& taskDirectory) {
  return (std::filesystem::path(taskDirectory) / ".checkpoint").string();
}

CheckpointReadResult Checkpoint::read(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return {};
    fail("open", path);
  }
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return parse(content);
}

void Checkpoint::write(const std::string& path, const std::vector<CheckpointEntry>& entries) {
  std::string content;
  content.append(kHeader).append("\n");
  content.append(std::to_string(entries.size())).append("\n");
  for (const auto& e : entries) {
    if (!validName(e.store) || !validName(e.topic)) {
      throw StoreException("checkpoint " + path + ": store \"" + e.store + "\" / topic \"" +
                           e.topic + "\" cannot be written (empty, whitespace or control bytes)");
    }
    content.append(e.store)
        .append(" ")
        .append(e.topic)
        .append(" ")
        .append(std::to_string(e.partition))
        .append(" ")
        .append(std::to_string(e.offset))
        .append(" ")
        .append(std::to_string(e.persistedVersion))
        .append("\n");
  }
  const std::string crc = hex32(crc32(content));
  content.append(kCrcPrefix).append(crc).append("\n");

  const std::string tmp = path + ".tmp";
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) fail("open", tmp);
  writeAll(fd, content, tmp);
  if (::fsync(fd.get()) != 0) fail("fsync", tmp);
  if (fd.close() != 0) fail("close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp);

  // Make the rename itself durable.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  FileDescriptor dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd.valid()) fail("open directory", dir);
  if (::fsync(dirFd.get()) != 0) fail("fsync directory", dir);
}

void Checkpoint::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("remove", path);
}

}  // namespace kstreams::internal
