// app_lifecycle: starting and stopping apps for a user (protocol.md §5.2–5.7).
//
// An app is started by the phone (`start_app`, `POST /apps/:packageName/start`), by a new user
// session (the user's running apps are kept in this plugin's store), or by resurrection after its
// socket dropped. Starting = allow the app's session id, POST `session_request` to its server's
// /webhook, wait (without blocking anything) for its validated `tpa_connection_init`.
#include "lifecycle_state.hpp"

#include <glasshub/sdk.hpp>
#include <glasshub/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>

namespace {

using glasshub::HttpResult;
using glasshub::Reply;
using glasshub::Request;
using glasshub::Status;
using glasshub::User;
using lifecycle::AppEntry;
using lifecycle::AppState;
using lifecycle::Users;
using nlohmann::json;



std::string app_state_change(std::string_view user_id) {
  return json{{"type", "app_state_change"}, {"sessionId", user_id}, {"timestamp", glasshub::iso_timestamp()}}
      .dump();
}

// {"packageName":...}: the data of the events this plugin emits for other plugins.
std::string package_json(std::string_view pkg) { return json{{"packageName", pkg}}.dump(); }

std::string start_answer(bool running) {
  return json{{"success", true},
              {"data", {{"status", "started"}, {"isRunning", running}}}}
      .dump();
}

class AppLifecycle : public glasshub::Plugin {
 public:
  Status load(glasshub::Registrar& r) override {
    const auto settings = host_settings();
    public_ws_url_ = std::string(settings["publicWsUrl"].string_or("ws://localhost:8002/app-ws"));
    start_timeout_ms_ =
        static_cast<uint64_t>(settings["app"]["sessionTimeoutMs"].number().value_or(5000));
    if (!read_webhook_timings(r.config_json())) return GH_ERR_REJECTED;
    started_ = r.counter("starts_total", "App starts requested (webhooks sent or joined).");
    start_failures_ = r.counter("start_failures_total", "App starts that failed (timeout, webhook).");
    resurrections_ = r.counter("resurrections_total", "Apps restarted after their socket was lost.");
    stops_ = r.counter("stops_total", "App stops.");

    Status st = GH_OK;
    auto ok = [&](Status s) {
      if (st == GH_OK) st = s;
    };
    ok(r.on(GH_ENDPOINT_GLASSES, "start_app", [this](const glasshub::Message& m) {
      return on_phone_command(m, true);
    }));
    ok(r.on(GH_ENDPOINT_GLASSES, "stop_app", [this](const glasshub::Message& m) {
      return on_phone_command(m, false);
    }));
    ok(r.on(GH_ENDPOINT_APP, "ownership_release", [this](const glasshub::Message& m) {
      User u = m.user();
      auto& apps = state(u).apps;
      auto it = apps.find(std::string(m.package_name()));
      if (it != apps.end()) it->second.ownership_released = true;
      return GH_OK;
    }));
    for (const char* prefix : {"/apps", "/api/apps"}) {
      ok(r.route(GH_HTTP_POST, std::string(prefix) + "/:packageName/start", GH_ROUTE_AUTH_USER,
                 [this](const Request& q) { return on_rest(q, true); }));
      ok(r.route(GH_HTTP_POST, std::string(prefix) + "/:packageName/stop", GH_ROUTE_AUTH_USER,
                 [this](const Request& q) { return on_rest(q, false); }));
    }
    ok(r.route(GH_HTTP_GET, "/api/client/apps", GH_ROUTE_AUTH_USER,
               [this](const Request& q) { return on_list(q); }));
    return st;
  }

  // --- lifecycle hooks ---------------------------------------------------------------------

  void on_user_session_created(User& u) override {
    // A new session (first connect, grace expired, host restarted): start what was running.
    for (const std::string& pkg : running_list(u.id())) start(u, pkg, {}, /*resurrection=*/false);
  }

  void on_user_session_disposed(User& u) override {
    for (auto& [pkg, e] : state(u).apps) answer_waiting(e, false);
  }

  void on_glasses_connected(User& u) override {
    Users& s = state(u);
    s.glasses_connected = true;
    // Apps that lost their socket while the phone was away come back now, once each.
    for (auto& [pkg, e] : s.apps) {
      if (e.state == AppState::dormant && e.resurrect_when_phone_returns) {
        e.resurrect_when_phone_returns = false;
        resurrect(u, pkg);
      }
    }
  }

  void on_glasses_disconnected(User& u) override { state(u).glasses_connected = false; }

  void on_app_connected(User& u, std::string_view package) override {
    Users& s = state(u);
    AppEntry& e = s.apps[std::string(package)];
    cancel_start_timer(u, e);
    e.state = AppState::running;
    u.emit("app_lifecycle.started", package_json(package));
    e.ownership_released = false;
    e.resurrect_when_phone_returns = false;
    remember_running(u.id(), package, true);
    answer_waiting(e, true);
    u.send_to_glasses(app_state_change(u.id()));
  }

  void on_app_disconnected(User& u, std::string_view package) override {
    auto& apps = state(u).apps;
    auto it = apps.find(std::string(package));
    if (it == apps.end()) return;
    AppEntry& e = it->second;
    if (e.state != AppState::running) return;  // stopping: expected; others: nothing to do
    // After ownership_release another cloud owns the app: park it (protocol.md §5.6).
    e.state = e.ownership_released ? AppState::dormant : AppState::grace;
  }

  void on_app_grace_expired(User& u, std::string_view package) override {
    Users& s = state(u);
    auto it = s.apps.find(std::string(package));
    if (it == s.apps.end() || it->second.state != AppState::grace) return;
    if (s.glasses_connected) {
      resurrect(u, std::string(package));
    } else {
      it->second.state = AppState::dormant;  // back when the phone is
      it->second.resurrect_when_phone_returns = true;
    }
  }

  void on_subscriptions_changed(User& u, std::string_view) override {
    u.send_to_glasses(app_state_change(u.id()));  // the phone refetches its app list
  }

 private:
  Users& state(const User& u) { return user_state<Users>(u); }

  // --- starting ---------------------------------------------------------------------------

  void start(User& u, const std::string& pkg, Reply reply, bool resurrection) {
    auto reg = app_registry(pkg);
    if (!reg) {
      log(GH_LOG_WARN, "start of unknown app " + pkg);
      if (reply.id()) reply.send(404, json{{"success", false}, {"message", "App not found"}}.dump());
      return;
    }
    const json app = json::parse(*reg, nullptr, false);
    const std::string type = app.value("appType", "standard");
    const std::string public_url = app.value("publicUrl", "");
    Users& s = state(u);
    AppEntry& e = s.apps[pkg];
    e.app_type = type;
    switch (e.state) {
      case AppState::running:
      case AppState::grace:  // its socket may be back any moment: it is still running
        if (reply.id()) reply.send(200, start_answer(true));
        return;
      case AppState::connecting:  // one webhook for concurrent starts
        if (reply.id()) e.waiting.push_back(reply);
        return;
      default:
        break;
    }
    // One foreground app at a time (protocol.md §5.2 step 4).
    if (type == "standard") {
      std::vector<std::string> others;
      for (auto& [other, oe] : s.apps)
        if (other != pkg && oe.app_type == "standard" && oe.is_live()) others.push_back(other);
      for (const auto& other : others) stop(u, other, /*explicit_stop=*/true);
    }
    AppEntry& entry = s.apps[pkg];  // stop() may have rehashed nothing, but keep it explicit
    entry.state = AppState::connecting;
    u.emit("app_lifecycle.starting", package_json(pkg));  // display: the boot screen
    entry.resurrection = resurrection;
    entry.attempt = 0;
    if (reply.id()) entry.waiting.push_back(reply);
    auto sid = u.allow_app(pkg);
    if (!sid) {
      fail_start(u, pkg, "the registry refused the app");
      return;
    }
    started_.add();
    uint64_t timer = 0;
    u.start_timer(start_timeout_ms_, [this, pkg](User& user) { on_start_timeout(user, pkg); },
                  &timer);
    entry.start_timer = timer;
    send_session_request(u, pkg, public_url, *sid);
  }

  void send_session_request(User& u, const std::string& pkg, const std::string& public_url,
                            const std::string& session_id) {
    AppEntry& e = state(u).apps[pkg];
    const uint32_t attempt = ++e.attempt;
    const std::string body = json{{"type", "session_request"},
                                  {"sessionId", session_id},
                                  {"userId", u.id()},
                                  {"timestamp", glasshub::iso_timestamp()},
                                  {"augmentOSWebsocketUrl", public_ws_url_},
                                  {"mentraOSWebsocketUrl", public_ws_url_}}
                                 .dump();
    Status st = u.http(
        GH_HTTP_POST, webhook_url(public_url), body,
        [this, pkg, public_url, session_id, attempt](User& user, const HttpResult& r) {
          auto& apps = state(user).apps;
          auto it = apps.find(pkg);
          if (it == apps.end() || it->second.state != AppState::connecting ||
              it->second.attempt != attempt)
            return;  // connected (or stopped) meanwhile: the answer does not matter
          if (r.ok()) return;  // the app server accepted; its socket decides (5 s budget)
          const std::string why =
              r.status ? "webhook answered " + std::to_string(r.status) : std::string(r.error);
          if (attempt >= webhook_attempts_) {
            fail_start(user, pkg, "session_request webhook failed " + std::to_string(attempt) +
                                      " time(s): " + why);
            return;
          }
          log(GH_LOG_WARN, "session_request to " + pkg + " failed (" + why + "), retrying");
          user.start_timer(webhook_retry_delay_ms_, [this, pkg, public_url, session_id,
                                                  attempt](User& again) {
            auto& a = state(again).apps;
            auto i = a.find(pkg);
            if (i != a.end() && i->second.state == AppState::connecting &&
                i->second.attempt == attempt)
              send_session_request(again, pkg, public_url, session_id);
          });
        },
        "application/json", webhook_timeout_ms_);
    if (st != GH_OK) fail_start(u, pkg, "webhook could not be sent (status " + std::to_string(st) + ")");
  }

  void on_start_timeout(User& u, const std::string& pkg) {
    auto& apps = state(u).apps;
    auto it = apps.find(pkg);
    if (it == apps.end() || it->second.state != AppState::connecting) return;
    it->second.start_timer = 0;
    fail_start(u, pkg, "app did not connect within " + std::to_string(start_timeout_ms_) + " ms");
  }

  void fail_start(User& u, const std::string& pkg, const std::string& why) {
    start_failures_.add();
    log(GH_LOG_WARN, "start of " + pkg + " failed: " + why);
    AppEntry& e = state(u).apps[pkg];
    cancel_start_timer(u, e);
    const bool was_resurrection = e.resurrection;
    e.state = AppState::stopped;
    u.emit("app_lifecycle.stopped", package_json(pkg));
    u.release_app(pkg);
    remember_running(u.id(), pkg, false);
    answer_waiting(e, false);
    if (was_resurrection)  // the phone learns the app is gone (protocol.md §5.5)
      u.send_to_glasses(json{{"type", "app_stopped"}, {"packageName", pkg},
                             {"timestamp", glasshub::iso_timestamp()}}
                            .dump());
    u.send_to_glasses(app_state_change(u.id()));
  }

  void resurrect(User& u, const std::string& pkg) {
    resurrections_.add();
    AppEntry& e = state(u).apps[pkg];
    e.state = AppState::resurrecting;
    u.release_app(pkg);  // the old socket's subscriptions and session id end here
    // Stop, then start, as the reference does: an app server that gets the stop_request after
    // the new socket connected would close the new session (same session id).
    send_stop_request(u, pkg, [this, pkg](User& user) {
      auto& apps = state(user).apps;
      auto it = apps.find(pkg);
      if (it != apps.end() && it->second.state == AppState::resurrecting)
        start(user, pkg, {}, /*resurrection=*/true);
    });
  }

  // --- stopping ---------------------------------------------------------------------------

  void stop(User& u, const std::string& pkg, bool explicit_stop) {
    auto& apps = state(u).apps;
    auto it = apps.find(pkg);
    if (explicit_stop) remember_running(u.id(), pkg, false);  // never comes back by itself
    if (it == apps.end() || !it->second.is_live()) return;
    stops_.add();
    AppEntry& e = it->second;
    cancel_start_timer(u, e);
    answer_waiting(e, false);
    e.state = AppState::stopping;
    u.emit("app_lifecycle.stopped", package_json(pkg));  // display/dashboard forget it now
    u.release_app(pkg);  // subscriptions gone and session id refused from now on
    send_stop_request(u, pkg, [this, pkg](User& user) {
      auto& a = state(user).apps;
      auto i = a.find(pkg);
      if (i == a.end() || i->second.state != AppState::stopping) return;  // started again
      i->second.state = AppState::stopped;
      user.send_to_app(pkg, json{{"type", "app_stopped"}, {"reason", "user_disabled"},
                                 {"timestamp", glasshub::iso_timestamp()}}
                                .dump());
      user.release_app(pkg, 1000, "App stopped");
    });
    u.send_to_glasses(app_state_change(u.id()));
  }

  // The stop webhook; `then` runs when the app server answered (or did not), like the
  // reference which awaits it before closing the socket.
  void send_stop_request(User& u, const std::string& pkg,
                         std::function<void(User&)> then = nullptr) {
    auto reg = app_registry(pkg);
    const json app = reg ? json::parse(*reg, nullptr, false) : json();
    const std::string public_url = app.is_object() ? app.value("publicUrl", "") : "";
    const std::string body = json{{"type", "stop_request"},
                                  {"sessionId", std::string(u.id()) + "-" + pkg},
                                  {"userId", u.id()},
                                  {"reason", "user_disabled"},
                                  {"timestamp", glasshub::iso_timestamp()}}
                                 .dump();
    Status st = u.http(
        GH_HTTP_POST, webhook_url(public_url), body,
        [then](User& user, const HttpResult&) {
          if (then) then(user);
        },
        "application/json", 5000);
    if (st != GH_OK && then) then(u);
  }

  // --- phone and REST ---------------------------------------------------------------------

  Status on_phone_command(const glasshub::Message& m, bool start_it) {
    auto pkg = m["packageName"].string();
    if (!pkg || pkg->empty()) {
      log(GH_LOG_WARN, std::string(m.type()) + " without a packageName ignored");
      return GH_OK;  // the phone's mistake; nothing else to tell it
    }
    User u = m.user();
    if (start_it)
      start(u, std::string(*pkg), {}, false);
    else
      stop(u, std::string(*pkg), true);
    return GH_OK;
  }

  Status on_rest(const Request& q, bool start_it) {
    if (!q.has_session())
      return q.respond(401, json{{"success", false}, {"message", "No active session found"}}.dump());
    const std::string pkg(q.param("packageName"));
    if (!app_registry(pkg))
      return q.respond(404, json{{"success", false}, {"message", "App not found"}}.dump());
    User u = q.user();
    if (start_it) {
      start(u, pkg, q.reply(), false);
      return GH_OK;
    }
    stop(u, pkg, true);
    return q.respond(200, json{{"success", true},
                               {"data", {{"status", "stopped"}, {"isRunning", false}}}}
                              .dump());
  }

  Status on_list(const Request& q) {
    const json registry = json::parse(app_registry_list(), nullptr, false);
    const Users* s = q.has_session() ? &state(q.user()) : nullptr;
    json data = json::array();
    if (registry.is_array()) {
      for (const auto& a : registry) {
        const std::string pkg = a.value("packageName", "");
        bool running = false;
        if (s) {
          auto it = s->apps.find(pkg);
          running = it != s->apps.end() && it->second.shown_running();
        }
        data.push_back({{"packageName", pkg},
                        {"name", a.value("name", pkg)},
                        {"webviewUrl", a.value("webviewUrl", "")},
                        {"logoUrl", a.value("logoUrl", "")},
                        {"type", a.value("appType", "standard")},
                        {"permissions", a.value("permissions", json::array())},
                        {"running", running},
                        {"healthy", true},
                        {"hardwareRequirements", a.value("hardwareRequirements", json::array())}});
      }
    }
    return q.respond(200, json{{"success", true}, {"data", data}, {"timestamp", glasshub::iso_timestamp()}}.dump());
  }

  // --- helpers ----------------------------------------------------------------------------

  static std::string webhook_url(std::string base) {
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/webhook";
  }

  void cancel_start_timer(User& u, AppEntry& e) {
    if (e.start_timer) u.cancel_timer(e.start_timer);
    e.start_timer = 0;
  }

  static void answer_waiting(AppEntry& e, bool running) {
    for (const Reply& r : e.waiting) r.send(200, start_answer(running));
    e.waiting.clear();
  }

  // The user's running apps, kept across sessions and restarts in this plugin's store.
  std::vector<std::string> running_list(std::string_view user_id) const {
    std::vector<std::string> out;
    auto v = kv_get("running/" + std::string(user_id));
    if (!v) return out;
    const json arr = json::parse(*v, nullptr, false);
    if (!arr.is_array()) return out;
    for (const auto& p : arr)
      if (p.is_string()) out.push_back(p.get<std::string>());
    return out;
  }

  void remember_running(std::string_view user_id, std::string_view pkg, bool running) {
    auto list = running_list(user_id);
    auto it = std::find(list.begin(), list.end(), pkg);
    if (running == (it != list.end())) return;
    if (running)
      list.emplace_back(pkg);
    else
      list.erase(it);
    kv_put("running/" + std::string(user_id), json(list).dump());
  }

  std::string public_ws_url_;
  uint64_t start_timeout_ms_ = 5000;
  // The reference's session webhook (protocol.md §10.1): 10 s per attempt, 2 attempts, 1 s apart;
  // manifest config webhookTimeoutMs, webhookAttempts, webhookRetryDelayMs.
  uint32_t webhook_timeout_ms_ = 10000;
  uint32_t webhook_attempts_ = 2;
  uint64_t webhook_retry_delay_ms_ = 1000;

  bool read_webhook_timings(const glasshub::Json& config) {
    struct Key {
      const char* name;
      double min, max;
      std::function<void(double)> set;
    };
    const Key keys[] = {
        {"webhookTimeoutMs", 100, 600000,
         [this](double v) { webhook_timeout_ms_ = static_cast<uint32_t>(v); }},
        {"webhookAttempts", 1, 10, [this](double v) { webhook_attempts_ = static_cast<uint32_t>(v); }},
        {"webhookRetryDelayMs", 0, 600000,
         [this](double v) { webhook_retry_delay_ms_ = static_cast<uint64_t>(v); }}};
    for (const Key& k : keys) {
      const auto node = config[k.name];
      if (!node.exists()) continue;
      const auto v = node.number();
      if (!v || *v < k.min || *v > k.max || *v != static_cast<double>(static_cast<uint64_t>(*v))) {
        log(GH_LOG_ERROR, std::string("config.") + k.name + " must be a whole number between " +
                              std::to_string(static_cast<uint64_t>(k.min)) + " and " +
                              std::to_string(static_cast<uint64_t>(k.max)));
        return false;
      }
      k.set(*v);
    }
    return true;
  }
  glasshub::Counter started_, start_failures_, resurrections_, stops_;
};

}  // namespace

GLASSHUB_PLUGIN(AppLifecycle, "app_lifecycle", "1.0.0",
                "starts and stops apps: start_app/stop_app, REST, webhooks, resurrection")
