#include "iso_timestamp.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace glasshub::host {

std::string iso_timestamp() {
  using namespace std::chrono;
  const auto now = time_point_cast<milliseconds>(system_clock::now());
  const std::time_t seconds = system_clock::to_time_t(time_point_cast<std::chrono::seconds>(now));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(now.time_since_epoch().count() % 1000));
  return text;
}

}  // namespace glasshub::host
