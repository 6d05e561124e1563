#include "src/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace kstreams::internal {

namespace {
LogLevel configuredLevel() {
  const char* env = std::getenv("KSTREAMS_LOG_LEVEL");
  if (env == nullptr) return LogLevel::INFO;
  const std::string v(env);
  if (v == "error") return LogLevel::ERROR;
  if (v == "warn") return LogLevel::WARN;
  if (v == "debug") return LogLevel::DEBUG;
  return LogLevel::INFO;
}
const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::ERROR: return "ERROR";
    case LogLevel::WARN: return "WARN";
    case LogLevel::INFO: return "INFO";
    case LogLevel::DEBUG: return "DEBUG";
  }
  return "?";
}
}  // namespace

bool logEnabled(LogLevel level) {
  static const LogLevel configured = configuredLevel();
  return static_cast<int>(level) <= static_cast<int>(configured);
}

void logLine(LogLevel level, std::string_view message) {
  static std::mutex mu;
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "%s.%03dZ %-5s kstreams: %.*s\n", ts, static_cast<int>(ms), levelName(level),
               static_cast<int>(message.size()), message.data());
}

}  // namespace kstreams::internal
