#include <glasshub/core/logging.hpp>

#include <glasshub/core/log.hpp>
#include <glasshub/core/wire.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>

namespace glasshub::core {

std::atomic<int> g_log_level{spdlog::level::info};

namespace {
std::atomic<bool> g_json{true};

void append_field(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ",\"";
  out += key;
  out += "\":";
  out += nlohmann::json(std::string(value)).dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
}

void install_logger(const std::string& format) {
  spdlog::drop("glasshub");
  auto logger = spdlog::stderr_logger_mt("glasshub");
  g_json = format != "text";
  logger->set_pattern(g_json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::trace);  // filtered by g_log_level before formatting
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}
}  // namespace

void init_logging(const std::string& level, const std::string& format) {
  g_log_level = spdlog::level::from_str(level);
  install_logger(format);
}

void log_line(spdlog::level::level_enum level, std::string_view event, std::string_view text,
              const LogContext& ctx) {
  if (log_enabled(level)) write_log_line(level, event, text, ctx);
}

void write_log_line(spdlog::level::level_enum level, std::string_view event,
                    std::string_view text, const LogContext& ctx) {
  // Logs always go to stderr, even before init_logging (stdout carries CLI output).
  static std::once_flag once;
  std::call_once(once, [] {
    if (!spdlog::get("glasshub")) install_logger("json");
  });
  auto* logger = spdlog::default_logger_raw();
  std::string line;
  line.reserve(192 + text.size());
  if (g_json) {
    line += "{\"time\":\"";
    line += iso_timestamp();
    line += "\",\"level\":\"";
    line += spdlog::level::to_string_view(level).data();
    line += "\",\"service\":\"glasshub\"";
    append_field(line, "event", event);
    append_field(line, "userId", ctx.user_id);
    append_field(line, "packageName", ctx.package_name);
    append_field(line, "correlationId", ctx.correlation_id);
    append_field(line, "plugin", ctx.plugin);
    append_field(line, "msg", text);
    line += '}';
  } else {
    line += event;
    if (!ctx.correlation_id.empty()) (line += " cid=") += ctx.correlation_id;
    if (!ctx.user_id.empty()) (line += " user=") += ctx.user_id;
    if (!ctx.package_name.empty()) (line += " app=") += ctx.package_name;
    if (!ctx.plugin.empty()) (line += " plugin=") += ctx.plugin;
    (line += ": ") += text;
  }
  logger->log(level, "{}", line);
}

}  // namespace glasshub::core
