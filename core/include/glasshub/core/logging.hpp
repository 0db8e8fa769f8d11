// Process-wide logging setup (spdlog): JSON lines or text, level from config.
#pragma once

#include <string>

namespace glasshub::core {

// Installs the default logger. `format` is "json" or "text"; `level` trace..error.
void init_logging(const std::string& level, const std::string& format);

}  // namespace glasshub::core
