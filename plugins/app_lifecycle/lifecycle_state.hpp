// What app_lifecycle keeps per user session: each app's state (protocol.md §5.7).
#pragma once

#include <glasshub/sdk.hpp>

#include <cstdint>
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

}  // namespace lifecycle
