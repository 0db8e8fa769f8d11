// What the display plugin keeps per user session (Plugin::user_state): the glasses' connection,
// the apps it knows, who owns the main view, what is showing, what waits (boot queue, throttle)
// and the dashboard. Touched only on the user's serial context.
#pragma once

#include "dashboard.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace glasshub::display {

using Clock = std::chrono::steady_clock;

// Timings and names, from the manifest's "config" (defaults: protocol.md §8.2, §10.1, §5.1).
struct Settings {
  uint64_t throttle_ms = 300;
  uint64_t boot_screen_ms = 1500;
  uint64_t lock_timeout_ms = 10000;
  uint64_t lock_inactivity_ms = 2000;
  uint64_t restore_validity_ms = 1000;
  std::string dashboard_package = "dev.augmentos.dashboard";
};

// One display request (main view), or a screen the host made itself (boot screen, clear).
struct Display {
  std::string package;
  std::string frame;                  // the bytes for the phone (with "view")
  std::optional<double> duration_ms;  // absent: valid restore_validity_ms after `at`
  bool force = false;
  bool internal = false;  // boot screen or clear (packageName = the dashboard package)
  bool is_clear = false;
  bool orphan = false;    // its app stopped while it was showing: never restored
  Clock::time_point at{}; // requested (core display) or shown (current, last per app)
  uint64_t seq = 0;       // which show this was (expiry timers check it)
};

struct AppInfo {
  std::string type = "standard";  // registry appType
  std::string name;               // registry name (boot screen)
  bool running = false;
};

// The background lock (§8.2).
struct Lock {
  std::string package;
  Clock::time_point granted{};
  Clock::time_point last_active{};
};

struct Booting {
  std::string package;
  uint64_t timer = 0;
};

struct UserDisplay {
  // Glasses, from the device plugin's "device.state" events. Never reported: not connected.
  bool glasses_connected = false;
  std::string model;

  std::map<std::string, AppInfo> apps;
  std::string foreground;        // most recently started standard app
  std::optional<Display> core;   // the foreground app's latest request
  std::optional<Display> current;  // what the main view was last sent
  std::map<std::string, Display> last_by_app;  // each app's last shown display
  std::optional<Lock> lock;

  std::vector<Booting> booting;             // in start order
  std::vector<Display> boot_queue;          // one per app, in order of first request
  std::optional<Display> saved_before_boot; // restored at boot end when still valid

  std::vector<Display> parked;  // throttled: one per app, oldest first
  bool flush_pending = false;
  std::optional<Clock::time_point> last_main_sent;
  uint64_t seq = 0;

  Dashboard dashboard;
};

}  // namespace glasshub::display
