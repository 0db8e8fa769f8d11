// display: what apps show on the glasses (protocol.md §1 G4/G14, §8).
//   - `display_event` from an app reaches the phone as the same JSON object, its bytes spliced,
//     with `"view":"main"` added when the app left it out, following the reference
//     DisplayManager (§8.2): delivery guard, boot screen while apps start, one owner of the main
//     view (foreground app, background lock), 300 ms throttle, expiry, app stop;
//   - the dashboard (§8.3): `dashboard_content_update`, `dashboard_system_update`,
//     `dashboard_mode_change`, rendered as `display_event` with `view:"dashboard"`; a
//     `head_position` "up" (observed, the device plugin owns the type) rotates the apps' contents.
// It follows other plugins' events: "device.state" (device), "app_lifecycle.starting" /
// ".started" / ".stopped" (app_lifecycle). Without app_lifecycle, an app counts as started when
// its socket connects.
//
// Manifest config (all optional; defaults are the reference values of §8.2/§10.1/§5.1):
//   throttleMs 300, bootScreenMs 1500, lockTimeoutMs 10000, lockInactivityMs 2000,
//   restoreValidityMs 1000, systemDashboardPackage "dev.augmentos.dashboard".
//
// Choices where §8.2 leaves room:
//   - throttled displays are kept latest-per-app and sent when the window opens (last main-view
//     display + throttleMs), one app per window, oldest first; a forced display that used the
//     window pushes the parked ones one window further;
//   - `view:"dashboard"` displays of any app go straight to the phone (guard only): they are not
//     the main view, so neither throttle, boot queue nor ownership applies to them;
//   - the lock's timeout and inactivity are checked whenever the main view is arbitrated (an app
//     display, an expiry, a stop), not by a timer of their own.
#include "display_state.hpp"

#include <glasshub/sdk.hpp>
#include <glasshub/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

namespace glasshub::display {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::string_view kSimulatedGlasses = "Simulated Glasses";


std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The app's frame with "view" guaranteed: the original bytes when it has one, else the same bytes
// with `"view":"main",` spliced after the opening brace (the object has at least "type").
std::string with_view(std::string_view raw, bool has_view) {
  if (has_view) return std::string(raw);
  const auto brace = raw.find('{');
  if (brace == std::string_view::npos) return std::string(raw);
  std::string out;
  out.reserve(raw.size() + 16);
  out.append(raw.substr(0, brace + 1));
  out.append(R"("view":"main",)");
  out.append(raw.substr(brace + 1));
  return out;
}

class DisplayPlugin : public Plugin {
 public:
  Status load(Registrar& r) override {
    if (!GH_HOST_HAS(api(), user_data_get) || !GH_HOST_HAS(api(), emit_event) ||
        !GH_HOST_HAS(api(), register_observer) || !GH_HOST_HAS(api(), user_apps) ||
        !GH_HOST_HAS(api(), app_registry_get)) {
      log(GH_LOG_ERROR, "the host lacks ABI 1.1 services (user data, events, observers)");
      return GH_ERR_REJECTED;
    }
    if (!read_settings(r.config_json())) return GH_ERR_REJECTED;

    forwarded_ = r.counter("forwarded_total", "app display_events sent to the phone");
    throttled_ = r.counter("throttled_total",
                           "main-view displays parked by the throttle (latest per app kept)");
    superseded_ = r.counter("superseded_total",
                            "parked or boot-queued displays replaced by a newer one of the app");
    dropped_not_connected_ =
        r.counter("dropped_not_connected_total",
                  "displays dropped: glasses not connected and not Simulated Glasses");
    dropped_no_phone_ = r.counter("dropped_no_phone_total", "displays dropped: phone socket closed");
    boot_queued_ = r.counter("boot_queued_total", "displays queued while an app was starting");
    boot_screens_ = r.counter("boot_screens_total", "boot screens shown");
    clears_ = r.counter("clears_total", "main-view clears sent");
    denied_lock_ = r.counter("denied_lock_total",
                             "background displays refused: another app holds the lock");
    denied_not_running_ =
        r.counter("denied_not_running_total", "background displays refused: app not running");
    held_ = r.counter("held_total",
                      "foreground displays kept back while a background app shows");
    expired_ = r.counter("expired_total", "displays whose durationMs ran out while showing");
    restored_ = r.counter("restored_total", "displays shown again (boot end, expiry, stop)");
    dashboard_renders_ = r.counter("dashboard_renders_total", "dashboard views sent");
    dashboard_ignored_ =
        r.counter("dashboard_ignored_total",
                  "dashboard messages ignored (not the system dashboard, or malformed)");

    Status st = GH_OK;
    auto ok = [&](Status s) {
      if (st == GH_OK) st = s;
    };
    ok(r.on(GH_ENDPOINT_APP, "display_event", [this](const Message& m) { return on_display(m); }));
    ok(r.on(GH_ENDPOINT_APP, "dashboard_content_update",
            [this](const Message& m) { return on_content_update(m); }));
    ok(r.on(GH_ENDPOINT_APP, "dashboard_system_update",
            [this](const Message& m) { return on_system_update(m); }));
    ok(r.on(GH_ENDPOINT_APP, "dashboard_mode_change",
            [this](const Message& m) { return on_mode_change(m); }));
    ok(r.observe(GH_ENDPOINT_GLASSES, "head_position",
                 [this](const Message& m) { return on_head_position(m); }));
    return st;
  }

  // --- other plugins' events and lifecycle hooks ------------------------------------------

  void on_plugin_event(User& u, std::string_view topic, std::string_view data) override {
    if (topic == "device.state") {
      const json state = json::parse(data, nullptr, false);
      if (!state.is_object()) return;
      auto& s = st(u);
      const auto connected = state.find("connected");
      s.glasses_connected = connected != state.end() && connected->is_boolean() &&
                            connected->get<bool>();
      const auto model = state.find("modelName");
      s.model = model != state.end() && model->is_string() ? model->get<std::string>() : "";
      return;
    }
    if (topic.rfind("app_lifecycle.", 0) != 0) return;
    const json d = json::parse(data, nullptr, false);
    if (!d.is_object() || !d.contains("packageName") || !d["packageName"].is_string()) return;
    const std::string pkg = d["packageName"].get<std::string>();
    if (topic == "app_lifecycle.starting") {
      on_starting(u, pkg);
    } else if (topic == "app_lifecycle.started") {
      auto& a = known_app(u, pkg);
      a.running = true;
    } else if (topic == "app_lifecycle.stopped") {
      on_stopped(u, pkg);
    }
  }

  // Without app_lifecycle (or for an app it did not announce), connecting is starting.
  void on_app_connected(User& u, std::string_view package) override {
    auto& s = st(u);
    const std::string pkg(package);
    const bool announced = s.apps.count(pkg) != 0;
    auto& a = known_app(u, pkg);
    a.running = true;
    if (!announced && a.type == "standard") make_foreground(s, pkg);
  }

 private:
  UserDisplay& st(const User& u) const { return user_state<UserDisplay>(u); }

  bool read_settings(const Json& cfg) {
    auto number = [&](std::string_view key, uint64_t& out) {
      const Json v = cfg[key];
      if (!v.exists()) return true;
      const auto n = v.number();
      if (!n || !std::isfinite(*n) || *n < 0 || *n > 3'600'000) {
        log(GH_LOG_ERROR, "config." + std::string(key) +
                              " must be a number of milliseconds between 0 and 3600000");
        return false;
      }
      out = static_cast<uint64_t>(*n);
      return true;
    };
    bool good = number("throttleMs", settings_.throttle_ms) &&
                number("bootScreenMs", settings_.boot_screen_ms) &&
                number("lockTimeoutMs", settings_.lock_timeout_ms) &&
                number("lockInactivityMs", settings_.lock_inactivity_ms) &&
                number("restoreValidityMs", settings_.restore_validity_ms);
    if (!good) return false;
    if (const Json p = cfg["systemDashboardPackage"]; p.exists()) {
      const auto name = p.string();
      if (!name || name->empty()) {
        log(GH_LOG_ERROR, "config.systemDashboardPackage must be a non-empty string");
        return false;
      }
      settings_.dashboard_package = std::string(*name);
    }
    return true;
  }

  AppInfo& known_app(const User& u, const std::string& pkg) {
    auto& apps = st(u).apps;
    auto it = apps.find(pkg);
    if (it != apps.end()) return it->second;
    AppInfo info;
    info.name = pkg;
    if (auto reg = app_registry(pkg)) {
      const json j = json::parse(*reg, nullptr, false);
      if (j.is_object()) {
        if (j.contains("appType") && j["appType"].is_string()) info.type = j["appType"];
        if (j.contains("name") && j["name"].is_string() && !j["name"].get<std::string>().empty())
          info.name = j["name"];
      }
    }
    return apps.emplace(pkg, std::move(info)).first->second;
  }

  bool is_running(const UserDisplay& s, const std::string& pkg) const {
    auto it = s.apps.find(pkg);
    return it != s.apps.end() && it->second.running;
  }

  static void make_foreground(UserDisplay& s, const std::string& pkg) {
    if (s.foreground != pkg) s.core.reset();
    s.foreground = pkg;
  }

  // --- delivery ---------------------------------------------------------------------------

  // §8.2 delivery guard / G4: glasses connected, or the model is exactly Simulated Glasses.
  static bool deliverable(const UserDisplay& s) {
    return s.glasses_connected || s.model == kSimulatedGlasses;
  }

  bool deliver(const User& u, const UserDisplay& s, std::string_view frame) {
    if (!deliverable(s)) {
      dropped_not_connected_.add();
      return false;
    }
    const Status st = u.send_to_glasses(frame);
    if (st == GH_ERR_NOT_FOUND) {
      dropped_no_phone_.add();
      return false;
    }
    return st == GH_OK;
  }

  bool valid(const Display& d, Clock::time_point now) const {
    if (d.orphan || d.is_clear) return false;
    if (d.duration_ms) {
      if (*d.duration_ms <= 0) return false;
      return now < d.at + milliseconds(static_cast<int64_t>(*d.duration_ms));
    }
    return now < d.at + milliseconds(settings_.restore_validity_ms);
  }

  // Send a main-view display now (no throttle) and make it the current one. A restored display
  // keeps the time it was first shown, so it expires when it would have.
  bool show_now(User& u, Display d, bool restore = false) {
    auto& s = st(u);
    if (!d.internal) std::erase_if(s.parked, [&](const Display& p) { return p.package == d.package; });
    if (!deliver(u, s, d.frame)) return false;
    const auto now = Clock::now();
    if (!restore) d.at = now;
    d.seq = ++s.seq;
    s.last_main_sent = now;
    if (!d.internal) {
      (restore ? restored_ : forwarded_).add();
      s.last_by_app[d.package] = d;
      // §8.2: the lock is released when the foreground app successfully displays.
      if (d.package == s.foreground && s.lock && s.lock->package != d.package) s.lock.reset();
      if (d.duration_ms && *d.duration_ms > 0) {
        const auto end = d.at + milliseconds(static_cast<int64_t>(*d.duration_ms));
        const auto wait = end > now ? std::chrono::ceil<milliseconds>(end - now).count() : 0;
        const uint64_t seq = d.seq;
        u.start_timer(static_cast<uint64_t>(wait),
                      [this, seq](User& user) { on_expired(user, seq); });
      }
    }
    s.current = std::move(d);
    return true;
  }

  // §8.2 throttle: within throttle_ms of the last main-view display a request (not forced) is
  // parked, latest per app, and sent when the window opens.
  void submit(User& u, Display d) {
    auto& s = st(u);
    const auto now = Clock::now();
    if (!d.force && s.last_main_sent &&
        now - *s.last_main_sent < milliseconds(settings_.throttle_ms)) {
      throttled_.add();
      auto it = std::find_if(s.parked.begin(), s.parked.end(),
                             [&](const Display& p) { return p.package == d.package; });
      if (it != s.parked.end()) {
        superseded_.add();
        *it = std::move(d);
      } else {
        s.parked.push_back(std::move(d));
      }
      schedule_flush(u, s);
      return;
    }
    show_now(u, std::move(d));
  }

  void schedule_flush(User& u, UserDisplay& s) {
    if (s.flush_pending || s.parked.empty()) return;
    const auto now = Clock::now();
    const auto open = s.last_main_sent ? *s.last_main_sent + milliseconds(settings_.throttle_ms) : now;
    const auto wait = open > now ? std::chrono::ceil<milliseconds>(open - now).count() : 0;
    s.flush_pending = true;
    u.start_timer(static_cast<uint64_t>(wait), [this](User& user) { on_flush(user); });
  }

  void on_flush(User& u) {
    auto& s = st(u);
    s.flush_pending = false;
    if (s.parked.empty()) return;
    const auto now = Clock::now();
    // A forced display may have used the window meanwhile: keep the spacing.
    if (s.last_main_sent && now - *s.last_main_sent < milliseconds(settings_.throttle_ms)) {
      schedule_flush(u, s);
      return;
    }
    Display d = std::move(s.parked.front());
    s.parked.erase(s.parked.begin());
    show_now(u, std::move(d));
    schedule_flush(u, s);  // the next app's parked display, one window later
  }

  void send_clear(User& u) {
    Display d;
    d.package = settings_.dashboard_package;
    d.internal = true;
    d.is_clear = true;
    d.duration_ms = 0;
    d.frame = dump(json{{"type", "display_event"},
                        {"view", "main"},
                        {"packageName", settings_.dashboard_package},
                        {"layout", {{"layoutType", "text_wall"}, {"text", ""}}},
                        {"durationMs", 0},
                        {"timestamp", glasshub::iso_timestamp()}});
    if (show_now(u, std::move(d))) clears_.add();
  }

  // --- the main view: who may show what ------------------------------------------------------

  void expire_lock(UserDisplay& s, Clock::time_point now) const {
    if (!s.lock) return;
    if (now - s.lock->granted >= milliseconds(settings_.lock_timeout_ms) ||
        now - s.lock->last_active >= milliseconds(settings_.lock_inactivity_ms))
      s.lock.reset();
  }

  // §8.2 background lock: free, already held, held by the foreground app, or by an app that no
  // longer runs.
  bool acquire_lock(UserDisplay& s, const std::string& pkg, Clock::time_point now) const {
    expire_lock(s, now);
    if (s.lock && s.lock->package == pkg) {
      s.lock->last_active = now;
      return true;
    }
    if (!s.lock || s.lock->package == s.foreground || !is_running(s, s.lock->package)) {
      s.lock = Lock{pkg, now, now};
      return true;
    }
    return false;
  }

  void on_app_main(User& u, Display d) {
    auto& s = st(u);
    if (d.package == settings_.dashboard_package) {  // skips ownership and the boot queue
      submit(u, std::move(d));
      return;
    }
    if (!s.booting.empty()) {  // §8.2 boot window: queued, one slot per app, latest wins
      boot_queued_.add();
      auto it = std::find_if(s.boot_queue.begin(), s.boot_queue.end(),
                             [&](const Display& q) { return q.package == d.package; });
      if (it != s.boot_queue.end()) {
        superseded_.add();
        *it = std::move(d);
      } else {
        s.boot_queue.push_back(std::move(d));
      }
      return;
    }
    arbitrate(u, std::move(d));
  }

  void arbitrate(User& u, Display d) {
    auto& s = st(u);
    const auto now = Clock::now();
    expire_lock(s, now);
    if (d.package == s.foreground) {
      d.at = now;
      s.core = d;
      if (s.lock && s.lock->package != d.package && s.current && !s.current->internal &&
          !s.current->orphan && s.current->package == s.lock->package) {
        held_.add();  // a background app holds the lock and is showing: remembered only
        return;
      }
      submit(u, std::move(d));
      return;
    }
    if (!is_running(s, d.package)) {
      denied_not_running_.add();
      return;
    }
    if (!acquire_lock(s, d.package, now)) {
      denied_lock_.add();
      return;
    }
    submit(u, std::move(d));
  }

  // After an expiry or a stop: the oldest parked display of a running app, else the lock
  // holder's or the foreground app's still-valid display, else a clear (if something shows).
  void show_next(User& u) {
    auto& s = st(u);
    const auto now = Clock::now();
    for (auto it = s.parked.begin(); it != s.parked.end(); ++it) {
      if (it->package == settings_.dashboard_package || is_running(s, it->package)) {
        Display d = std::move(*it);
        s.parked.erase(it);
        show_now(u, std::move(d));
        return;
      }
    }
    expire_lock(s, now);
    if (s.lock) {
      auto it = s.last_by_app.find(s.lock->package);
      if (it != s.last_by_app.end() && valid(it->second, now)) {
        show_now(u, it->second, /*restore=*/true);
        return;
      }
    }
    if (s.core && !s.foreground.empty() && valid(*s.core, now)) {
      show_now(u, *s.core, /*restore=*/true);
      return;
    }
    if (s.current && !s.current->is_clear) send_clear(u);
  }

  void on_expired(User& u, uint64_t seq) {
    auto& s = st(u);
    if (!s.current || s.current->seq != seq) return;  // something else showed meanwhile
    expired_.add();
    show_next(u);
  }

  // --- boot screen ---------------------------------------------------------------------------

  void on_starting(User& u, const std::string& pkg) {
    auto& s = st(u);
    AppInfo& a = known_app(u, pkg);
    a.running = false;
    if (a.type == "standard") make_foreground(s, pkg);
    if (pkg == settings_.dashboard_package) return;  // no boot window for the dashboard
    if (s.booting.empty() && s.current && !s.current->internal && !s.current->orphan)
      s.saved_before_boot = s.current;
    for (auto it = s.booting.begin(); it != s.booting.end(); ++it) {
      if (it->package == pkg) {  // started again while booting: a new window
        u.cancel_timer(it->timer);
        s.booting.erase(it);
        break;
      }
    }
    uint64_t timer = 0;
    u.start_timer(settings_.boot_screen_ms, [this, pkg](User& user) { on_boot_timer(user, pkg); },
                  &timer);
    s.booting.push_back(Booting{pkg, timer});
    show_boot_screen(u);
  }

  void show_boot_screen(User& u) {
    auto& s = st(u);
    std::string names;
    for (const auto& b : s.booting) {
      if (!names.empty()) names += ", ";
      auto it = s.apps.find(b.package);
      names += it != s.apps.end() ? it->second.name : b.package;
    }
    Display d;
    d.package = settings_.dashboard_package;
    d.internal = true;
    d.frame = dump(json{
        {"type", "display_event"},
        {"view", "main"},
        {"packageName", settings_.dashboard_package},
        {"layout",
         {{"layoutType", "reference_card"},
          {"title", s.booting.size() > 1 ? "// MentraOS - Starting Apps" : "// MentraOS - Starting App"},
          {"text", names}}},
        {"timestamp", glasshub::iso_timestamp()}});
    if (show_now(u, std::move(d))) boot_screens_.add();
  }

  void on_boot_timer(User& u, const std::string& pkg) {
    auto& s = st(u);
    auto it = std::find_if(s.booting.begin(), s.booting.end(),
                           [&](const Booting& b) { return b.package == pkg; });
    if (it == s.booting.end()) return;
    s.booting.erase(it);
    if (!s.booting.empty()) {
      show_boot_screen(u);
      return;
    }
    boot_end(u);
  }

  // §8.2 boot end: the foreground app's queued display, else the first queued one (others
  // discarded); with nothing queued, a clear, then the display from before the boot if still
  // valid, else "show next".
  void boot_end(User& u) {
    auto& s = st(u);
    std::optional<Display> saved = std::move(s.saved_before_boot);
    s.saved_before_boot.reset();
    if (s.boot_queue.empty()) {
      send_clear(u);
      if (saved && is_running(s, saved->package) && valid(*saved, Clock::now())) {
        show_now(u, std::move(*saved), /*restore=*/true);
        return;
      }
      show_next(u);
      return;
    }
    auto pick = std::find_if(s.boot_queue.begin(), s.boot_queue.end(),
                             [&](const Display& q) { return q.package == s.foreground; });
    if (pick == s.boot_queue.end()) pick = s.boot_queue.begin();
    Display d = std::move(*pick);
    s.boot_queue.clear();
    arbitrate(u, std::move(d));
  }

  // --- app stop ------------------------------------------------------------------------------

  void on_stopped(User& u, const std::string& pkg) {
    auto& s = st(u);
    bool was_booting = false;
    for (auto it = s.booting.begin(); it != s.booting.end(); ++it) {
      if (it->package == pkg) {
        u.cancel_timer(it->timer);
        s.booting.erase(it);
        was_booting = true;
        break;
      }
    }
    std::erase_if(s.boot_queue, [&](const Display& d) { return d.package == pkg; });
    std::erase_if(s.parked, [&](const Display& d) { return d.package == pkg; });
    s.last_by_app.erase(pkg);
    if (s.lock && s.lock->package == pkg) s.lock.reset();
    if (s.saved_before_boot && s.saved_before_boot->package == pkg) s.saved_before_boot.reset();
    const bool showing = s.current && !s.current->internal && s.current->package == pkg;
    if (showing) s.current->orphan = true;  // forgotten, though still on the glasses
    s.apps.erase(pkg);
    if (s.dashboard.remove_app(pkg)) render_dashboard(u);
    if (pkg == s.foreground) {
      s.foreground.clear();
      s.core.reset();
      if (showing) send_clear(u);
    }
    if (was_booting && s.booting.empty()) {
      boot_end(u);
      return;
    }
    if (was_booting) {
      show_boot_screen(u);
      return;
    }
    if (!s.booting.empty()) return;  // the boot screen stays until the boot ends
    show_next(u);
  }

  // --- messages --------------------------------------------------------------------------------

  Status on_display(const Message& m) {
    User u = m.user();
    auto& s = st(u);
    const Json view = m["view"];
    if (!deliverable(s)) {  // dropped, not queued
      dropped_not_connected_.add();
      return GH_OK;
    }
    Display d;
    d.package = std::string(m.package_name());
    d.frame = with_view(m.raw(), view.exists());
    d.duration_ms = m["durationMs"].number();
    d.force = m["forceDisplay"].boolean().value_or(false);
    if (view.string_or("main") == "dashboard") {
      // The dashboard view is not the main view: never throttled, queued or arbitrated.
      if (deliver(u, s, d.frame)) forwarded_.add();
      return GH_OK;
    }
    on_app_main(u, std::move(d));
    return GH_OK;
  }

  Status on_content_update(const Message& m) {
    User u = m.user();
    auto& s = st(u);
    const auto content = m["content"].string();
    const Json modes = m["modes"];
    if (!content || !modes.is_array()) {
      dashboard_ignored_.add();
      return GH_OK;
    }
    bool current_mode = false;
    for (size_t i = 0; i < modes.size(); ++i) {
      const auto mode = modes.at(i).string();
      if (!mode) continue;
      if (s.dashboard.set_content(m.package_name(), *mode, *content) && *mode == s.dashboard.mode())
        current_mode = true;
    }
    if (current_mode) render_dashboard(u);
    return GH_OK;
  }

  bool from_dashboard(const Message& m) {
    if (m.package_name() == settings_.dashboard_package) return true;
    dashboard_ignored_.add();
    log(GH_LOG_DEBUG, std::string(m.type()) + " from " + std::string(m.package_name()) +
                          " ignored: only the system dashboard may send it");
    return false;
  }

  Status on_system_update(const Message& m) {
    if (!from_dashboard(m)) return GH_OK;
    User u = m.user();
    const auto section = m["section"].string();
    const auto content = m["content"].string();
    if (!section || !content || !st(u).dashboard.set_section(*section, *content)) {
      dashboard_ignored_.add();
      return GH_OK;
    }
    render_dashboard(u);
    return GH_OK;
  }

  Status on_mode_change(const Message& m) {
    if (!from_dashboard(m)) return GH_OK;
    User u = m.user();
    const auto mode = m["mode"].string();
    if (!mode || !st(u).dashboard.set_mode(*mode)) {
      dashboard_ignored_.add();
      return GH_OK;
    }
    // Every connected app hears it, each with its own session id.
    const json apps = json::parse(u.apps_json(), nullptr, false);
    if (apps.is_array()) {
      for (const auto& a : apps) {
        if (!a.is_object() || !a.value("connected", false) || !a.contains("packageName") ||
            !a["packageName"].is_string())
          continue;
        const std::string pkg = a["packageName"].get<std::string>();
        u.send_to_app(pkg, dump(json{{"type", "dashboard_mode_changed"},
                                     {"mode", *mode},
                                     {"sessionId", std::string(u.id()) + "-" + pkg},
                                     {"timestamp", glasshub::iso_timestamp()}}));
      }
    }
    render_dashboard(u);
    return GH_OK;
  }

  Status on_head_position(const Message& m) {
    if (m["position"].string_or("") != "up") return GH_OK;
    User u = m.user();
    auto& s = st(u);
    if (s.dashboard.mode() == "main" && s.dashboard.rotate()) render_dashboard(u);
    return GH_OK;
  }

  void render_dashboard(User& u) {
    auto& s = st(u);
    std::string frame = R"({"type":"display_event","view":"dashboard","packageName":)" +
                        dump(json(settings_.dashboard_package)) +
                        R"(,"layout":)" + s.dashboard.layout_json() + R"(,"timestamp":")" +
                        glasshub::iso_timestamp() + "\"}";
    if (deliver(u, s, frame)) dashboard_renders_.add();
  }

  Settings settings_;
  Counter forwarded_, throttled_, superseded_, dropped_not_connected_, dropped_no_phone_,
      boot_queued_, boot_screens_, clears_, denied_lock_, denied_not_running_, held_, expired_,
      restored_, dashboard_renders_, dashboard_ignored_;
};

}  // namespace

}  // namespace glasshub::display

GLASSHUB_PLUGIN(glasshub::display::DisplayPlugin, "display", "1.0.0",
                "display_event to the phone with the reference DisplayManager rules; dashboard")
