// Minimal leveled logging to stderr. Level from KSTREAMS_LOG_LEVEL
// (error, warn, info, debug); info by default.
#pragma once

#include <string_view>

namespace kstreams::internal {

enum class LogLevel { ERROR = 0, WARN = 1, INFO = 2, DEBUG = 3 };

bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view message);

}  // namespace kstreams::internal

#define KS_LOG(level, msg)                                                        \
  do {                                                                            \
    if (::kstreams::internal::logEnabled(::kstreams::internal::LogLevel::level)) \
      ::kstreams::internal::logLine(::kstreams::internal::LogLevel::level, (msg)); \
  } while (0)
