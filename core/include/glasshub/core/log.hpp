// Structured log lines: one JSON object per line with a fixed context (service, userId,
// packageName, correlationId, plugin), or the same fields as text.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <string_view>

namespace glasshub::core {

struct LogContext {
  std::string_view user_id = {};
  std::string_view package_name = {};
  std::string_view correlation_id = {};
  std::string_view plugin = {};
};

// The process-wide level (logging.level; changed at runtime through /admin/log-levels). The
// spdlog logger itself passes everything: the level is checked here, before any formatting,
// so a plugin may have a lower level of its own (logging.plugins).
extern std::atomic<int> g_log_level;

inline bool log_enabled(spdlog::level::level_enum level) {
  return level >= g_log_level.load(std::memory_order_relaxed);
}

// One line when `level` is enabled.
void log_line(spdlog::level::level_enum level, std::string_view event, std::string_view text,
              const LogContext& ctx = {});
// One line whatever the process-wide level: the caller has checked its own (a plugin's level).
void write_log_line(spdlog::level::level_enum level, std::string_view event,
                    std::string_view text, const LogContext& ctx);

}  // namespace glasshub::core
