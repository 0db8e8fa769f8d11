// Structured log lines: one JSON object per line with a fixed context (service, userId,
// packageName, correlationId, plugin), or the same fields as text.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace glasshub::core {

struct LogContext {
  std::string_view user_id = {};
  std::string_view package_name = {};
  std::string_view correlation_id = {};
  std::string_view plugin = {};
};

void log_line(spdlog::level::level_enum level, std::string_view event, std::string_view text,
              const LogContext& ctx = {});

inline bool log_enabled(spdlog::level::level_enum level) {
  return spdlog::default_logger_raw()->should_log(level);
}

}  // namespace glasshub::core
