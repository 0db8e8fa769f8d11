// What app_lifecycle keeps per user session: each app's state (protocol.md §5.7).
#pragma once

#include <glasshub/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace lifecycle {

enum class AppState { stopped, connecting, running, grace, dormant, resurrecting, stopping };

struct AppEntry {
  AppState state = AppState::stopped;
  std::string app_type = "standard";
  uint64_t start_timer = 0;             // the 5 s budget of a start in flight
  uint32_t attempt = 0;                 // session_request attempt of the start in flight
  bool resurrection = false;            // this start restarts a lost app (once)
  bool ownership_released = false;      // the next close parks the app (§5.6)
  bool resurrect_when_phone_returns = false;
  std::vector<glasshub::Reply> waiting;  // REST starts answered when this start ends

  // What GET /api/client/apps calls running: a parked (dormant) app is not.
  bool shown_running() const noexcept { return is_live() && state != AppState::dormant; }

  // Counts as started: a stop has something to stop, the standard-app rule sees it.
  bool is_live() const noexcept {
    return state == AppState::connecting || state == AppState::running ||
           state == AppState::grace || state == AppState::dormant ||
           state == AppState::resurrecting;
  }
};

struct Users {
  std::map<std::string, AppEntry> apps;  // std::map: references survive inserts
  bool glasses_connected = false;
};

// ISO-8601 UTC with milliseconds, as the reference's serialized dates.
inline std::string iso_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler can imagine (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000 + (ms < 0 ? 1000 : 0)));
  return buf;
}

}  // namespace lifecycle
