// settings: the user's system settings and each app's settings (protocol.md §3.2, §3.3, §5.2,
// §6.4, §7.8, §9.10).
//   - /api/client/user/settings (GET, POST, PUT) and /api/client/user/settings/key/:key (GET,
//     PUT, DELETE) over the host's SQLite user-settings store (null deletes). The host then runs
//     every plugin's on_user_settings_changed on the user's session (device: default_wearable);
//   - each app's ack gets `mentraosSettings` (camelCase, with defaults) and its stored settings;
//   - a change of what apps see goes out as augmentos_settings_update to the apps with an
//     `augmentos:` subscription (§7.8);
//   - app settings: /appsettings/:packageName (alias /tpasettings) GET/POST, and
//     /appsettings/user/:packageName for the SDK's settings.fetch(). Stored in this plugin's
//     key-value store, one entry per (app, user): they belong to one app, never reach
//     GET /api/client/user/settings and must not run every plugin's settings hook.
#include "system_settings.hpp"

#include <glasshub/sdk.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::settings {

namespace {

constexpr std::string_view kSettingsRequired =
    R"({"success":false,"message":"Settings object required"})";
constexpr std::string_view kAppNotFound = R"({"success":false,"message":"App not found"})";

std::string success_settings(const Json& all) {
  return dump(Json{{"success", true}, {"data", {{"settings", all}}}, {"timestamp", glasshub::iso_timestamp()}});
}

std::string key_answer(std::string_view key, const Json& stored) {
  auto it = stored.find(std::string(key));
  const bool exists = it != stored.end();
  return dump(Json{{"success", true},
                   {"data",
                    {{"key", key}, {"value", exists ? *it : Json(nullptr)}, {"exists", exists}}},
                   {"timestamp", glasshub::iso_timestamp()}});
}

std::string error_body(std::string_view message) {
  return dump(Json{{"success", false}, {"message", message}});
}

bool has_augmentos_subscription(const Json& subscriptions) {
  if (!subscriptions.is_array()) return false;
  for (const auto& s : subscriptions) {
    const Json* name = &s;
    if (s.is_object() && s.contains("stream")) name = &s["stream"];
    if (name->is_string() && name->get_ref<const std::string&>().rfind("augmentos:", 0) == 0)
      return true;
  }
  return false;
}

// What this plugin remembers per user session: the mentraosSettings object apps last saw.
struct UserView {
  Json mentraos;
};

class SettingsPlugin : public Plugin {
 public:
  Status load(Registrar& r) override {
    if (!GH_HOST_HAS(api(), user_settings_get) || !GH_HOST_HAS(api(), user_settings_update) ||
        !GH_HOST_HAS(api(), register_route) || !GH_HOST_HAS(api(), user_apps) ||
        !GH_HOST_HAS(api(), ack_set_field) || !GH_HOST_HAS(api(), user_data_set)) {
      log(GH_LOG_ERROR, "the host lacks ABI 1.1 services (user settings, routes, ack, apps)");
      return GH_ERR_REJECTED;
    }
    updates_ = r.counter("user_settings_updates_total", "user settings writes through REST");
    broadcasts_ = r.counter("augmentos_updates_total", "augmentos_settings_update frames sent");
    app_updates_ = r.counter("app_settings_updates_total", "app settings writes through REST");

    Status st = GH_OK;
    auto ok = [&st](Status s) {
      if (st == GH_OK) st = s;
    };
    constexpr std::string_view base = "/api/client/user/settings";
    ok(r.route(GH_HTTP_GET, base, GH_ROUTE_AUTH_USER, [this](const Request& q) {
      return q.respond(200, success_settings(stored(q.user_id())));
    }));
    for (gh_http_method m : {GH_HTTP_POST, GH_HTTP_PUT})
      ok(r.route(m, base, GH_ROUTE_AUTH_USER, [this](const Request& q) { return on_write(q); }));
    const std::string key_route = std::string(base) + "/key/:key";
    ok(r.route(GH_HTTP_GET, key_route, GH_ROUTE_AUTH_USER, [this](const Request& q) {
      return q.respond(200, key_answer(q.param("key"), stored(q.user_id())));
    }));
    ok(r.route(GH_HTTP_PUT, key_route, GH_ROUTE_AUTH_USER,
               [this](const Request& q) { return on_key_write(q, false); }));
    ok(r.route(GH_HTTP_DELETE, key_route, GH_ROUTE_AUTH_USER,
               [this](const Request& q) { return on_key_write(q, true); }));

    for (std::string prefix : {"/appsettings", "/tpasettings"}) {
      ok(r.route(GH_HTTP_GET, prefix + "/:packageName", GH_ROUTE_AUTH_USER,
                 [this](const Request& q) { return on_app_get(q); }));
      ok(r.route(GH_HTTP_POST, prefix + "/:packageName", GH_ROUTE_AUTH_USER,
                 [this](const Request& q) { return on_app_post(q); }));
      // SDK settings.fetch(): `Authorization: Bearer <userId>` (2.1.29 actually sends its app
      // session id), unverified like the reference (protocol.md §14 quirk 12): the SDK sends
      // nothing else.
      ok(r.route(GH_HTTP_GET, prefix + "/user/:packageName", GH_ROUTE_AUTH_NONE,
                 [this](const Request& q) { return on_app_fetch(q); }));
    }
    return st;
  }

  // --- hooks ------------------------------------------------------------------------------

  void on_user_session_created(User& user) override {
    user_state<UserView>(user).mentraos = mentraos_settings(stored(user.id()));
  }

  void on_app_ack(User& user, std::string_view package, Ack& ack) override {
    ack.set("mentraosSettings", dump(mentraos_settings(stored(user.id()))));
    ack.set("settings", dump(app_settings(user.id(), package)));
  }

  // Any write (REST here, legacy_settings, another plugin): apps subscribed to an augmentos:
  // stream get the whole object when what they can see changed (the SDK replaces its copy).
  void on_user_settings_changed(User& user, std::string_view) override {
    UserView& view = user_state<UserView>(user);
    Json now = mentraos_settings(stored(user.id()));
    if (now == view.mentraos) return;
    view.mentraos = now;
    const Json apps = Json::parse(user.apps_json(), nullptr, false);
    if (!apps.is_array()) return;
    for (const auto& app : apps) {
      if (!app.value("connected", false) || !has_augmentos_subscription(app["subscriptions"]))
        continue;
      const std::string pkg = app.value("packageName", "");
      const Json frame = {{"type", "augmentos_settings_update"},
                          {"sessionId", std::string(user.id()) + "-" + pkg},
                          {"settings", now},
                          {"timestamp", glasshub::iso_timestamp()}};
      if (user.send_to_app(pkg, dump(frame)) == GH_OK) broadcasts_.add();
    }
  }

 private:
  Json stored(std::string_view user_id) const { return parse_object(user_settings(user_id)); }

  // --- user settings ----------------------------------------------------------------------

  Status on_write(const Request& q) {
    const Json body = Json::parse(q.body(), nullptr, false);
    if (!body.is_object() || !body.contains("settings") || !body["settings"].is_object())
      return q.respond(400, kSettingsRequired);
    return write(q, body["settings"], [this, &q] {
      return q.respond(200, success_settings(stored(q.user_id())));
    });
  }

  Status on_key_write(const Request& q, bool remove) {
    const std::string key(q.param("key"));
    Json patch = Json::object();
    if (remove) {
      patch[key] = nullptr;
    } else {
      const Json body = Json::parse(q.body(), nullptr, false);
      if (!body.is_object() || !body.contains("value"))
        return q.respond(400, error_body("Value is required"));
      patch[key] = body["value"];  // null deletes, as in the bulk route
    }
    return write(q, patch,
                 [this, &q, &key] { return q.respond(200, key_answer(key, stored(q.user_id()))); });
  }

  template <class Answer>
  Status write(const Request& q, const Json& patch, Answer answer) {
    const Status st = update_user_settings(q.user_id(), dump(patch));
    if (st == GH_ERR_INVALID_ARGUMENT) return q.respond(400, error_body("Invalid setting key"));
    if (st != GH_OK) return q.respond(500, error_body("Settings could not be saved"));
    updates_.add();
    return answer();
  }

  // --- app settings -----------------------------------------------------------------------

  static std::string app_key(std::string_view package, std::string_view user_id) {
    return "app/" + std::string(package) + "/" + std::string(user_id);
  }

  // The stored AppSetting array of (user, app); [] when none.
  Json app_settings(std::string_view user_id, std::string_view package) const {
    auto v = kv_get(app_key(package, user_id));
    Json j = v ? Json::parse(*v, nullptr, false) : Json::array();
    return j.is_array() ? j : Json::array();
  }

  Status on_app_get(const Request& q) {
    const std::string pkg(q.param("packageName"));
    auto reg = app_registry(pkg);
    if (!reg) return q.respond(404, kAppNotFound);
    const Json app = parse_object(*reg);
    // DERIVED: the reference's shape for the phone's app-settings screen. The registry holds no
    // settings schema, so `settings` are the stored values ({key, value, ...}).
    return q.respond(200, dump(Json{{"success", true},
                                    {"userId", q.user_id()},
                                    {"packageName", pkg},
                                    {"name", app.value("name", pkg)},
                                    {"description", app.value("description", "")},
                                    {"webviewURL", app.value("webviewUrl", "")},
                                    {"logoURL", app.value("logoUrl", "")},
                                    {"settings", app_settings(q.user_id(), pkg)}}));
  }

  Status on_app_fetch(const Request& q) {
    std::string_view auth = q.authorization();
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.substr(0, kBearer.size()) != kBearer || auth.size() == kBearer.size())
      return q.respond(401, error_body("User ID is required (Authorization: Bearer <userId>)"));
    std::string user_id(auth.substr(kBearer.size()));
    const std::string pkg(q.param("packageName"));
    // SDK 2.1.29 hands its settings client the app session id "<userId>-<packageName>".
    const std::string suffix = "-" + pkg;
    if (user_id.size() > suffix.size() &&
        user_id.compare(user_id.size() - suffix.size(), suffix.size(), suffix) == 0)
      user_id.resize(user_id.size() - suffix.size());
    if (!app_registry(pkg)) return q.respond(404, kAppNotFound);
    return q.respond(200, dump(Json{{"success", true}, {"settings", app_settings(user_id, pkg)}}));
  }

  Status on_app_post(const Request& q) {
    const std::string pkg(q.param("packageName"));
    auto reg = app_registry(pkg);
    if (!reg) return q.respond(404, kAppNotFound);
    const Json body = Json::parse(q.body(), nullptr, false);
    std::vector<const Json*> updates;
    auto valid = [](const Json& u) {
      return u.is_object() && u.contains("key") && u["key"].is_string() &&
             !u["key"].get_ref<const std::string&>().empty() && u.contains("value");
    };
    if (body.is_array()) {
      for (const auto& u : body) updates.push_back(&u);
    } else {
      updates.push_back(&body);
    }
    if (updates.empty()) return q.respond(400, error_body("Invalid update payload format"));
    for (const Json* u : updates)
      if (!valid(*u)) return q.respond(400, error_body("Invalid update payload format"));

    Json all;
    {
      // Without a session the route runs on an I/O thread: one read-modify-write at a time.
      std::lock_guard lock(app_settings_mutex_);
      all = app_settings(q.user_id(), pkg);
      for (const Json* u : updates) {
        const std::string& key = (*u)["key"].get_ref<const std::string&>();
        bool found = false;
        for (auto& s : all) {
          if (s.is_object() && s.value("key", "") == key) {
            s["value"] = (*u)["value"];
            found = true;
          }
        }
        // No schema in the registry: an unknown key is kept as a bare {key, value}.
        if (!found) all.push_back(Json{{"key", key}, {"value", (*u)["value"]}});
      }
      if (kv_put(app_key(pkg, q.user_id()), dump(all)) != GH_OK)
        return q.respond(500, error_body("Settings could not be saved"));
    }
    app_updates_.add();
    if (q.has_session()) notify_app(q.user(), pkg, parse_object(*reg), all);
    return q.respond(200, R"({"success":true,"message":"Settings updated successfully"})");
  }

  // settings_update on the app's socket (when open) and POST <publicUrl>/settings.
  void notify_app(const User& user, const std::string& pkg, const Json& app, const Json& all) {
    const std::string user_id(user.id());
    user.send_to_app(pkg, dump(Json{{"type", "settings_update"},
                                    {"packageName", pkg},
                                    {"sessionId", user_id + "-" + pkg},
                                    {"settings", all},
                                    {"timestamp", glasshub::iso_timestamp()}}));
    std::string url = app.value("publicUrl", "");
    if (url.empty()) return;
    while (!url.empty() && url.back() == '/') url.pop_back();
    const std::string body = dump(Json{{"userIdForSettings", user_id}, {"settings", all}});
    user.http(
        GH_HTTP_POST, url + "/settings", body,
        [this, pkg](User&, const HttpResult& r) {
          if (!r.ok())
            log(GH_LOG_WARN, "POST /settings to " + pkg + " failed: " +
                                 (r.status ? "HTTP " + std::to_string(r.status)
                                           : std::string(r.error)));
        },
        "application/json");  // within the host's server.outboundHttpTimeoutMs
  }

  std::mutex app_settings_mutex_;
  Counter updates_, broadcasts_, app_updates_;
};

}  // namespace

}  // namespace glasshub::settings

GLASSHUB_PLUGIN(glasshub::settings::SettingsPlugin, "settings", "1.0.0",
                "user settings REST, ack mentraosSettings, augmentos_settings_update, app settings")
