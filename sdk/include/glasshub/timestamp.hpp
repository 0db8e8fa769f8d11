// The wire's timestamp format, header-only so that every plugin (and the host) writes the same.
#ifndef GLASSHUB_TIMESTAMP_HPP
#define GLASSHUB_TIMESTAMP_HPP

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace glasshub {

// ISO-8601 UTC with milliseconds ("2026-03-19T10:00:00.000Z"), as the reference serializes dates.
inline std::string iso_timestamp() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler can imagine (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace glasshub

#endif  // GLASSHUB_TIMESTAMP_HPP
