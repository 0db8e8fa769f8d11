// The settings plugin (protocol.md §3.2, §3.3, §5.1, §5.2, §6.4, §7.8, §9.10): the user-settings
// REST routes over the host's SQLite store, the ack's mentraosSettings and settings, the
// augmentos_settings_update to apps with an augmentos: subscription, default_wearable through
// the device plugin, the app settings routes with their two side effects; and legacy_settings,
// off in the default manifest, answering the dead phone messages once switched on.
#include "support/apps.hpp"
#include "support/http_connection.hpp"
#include "support/http_server.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace glasshub::test;
using nlohmann::json;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "com.example.other";
const std::string kOtherKey = "other-key";
const std::string kSettings = "/api/client/user/settings";

// The ack's mentraosSettings with nothing stored (protocol.md §1 G8).
const json kDefaults = json::parse(
    R"({"metricSystemEnabled":false,"contextualDashboard":true,"headUpAngle":45,"brightness":50,)"
    R"("autoBrightness":true,"sensingEnabled":true,"alwaysOnStatusBar":false,"bypassVad":false,)"
    R"("bypassAudioEncoding":false,"preferredMic":"auto","useOnboardMic":false,)"
    R"("userTimezone":null})");

// keepalive + device + settings + test_app_starter; kAppPackage and kOther registered.
HostSetup settings_host(const json& config = json::object()) {
  HostSetup setup = app_host_setup();
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"),
                                product_plugin_entry("settings"),
                                test_plugin_entry("test_app_starter")});
  setup.config["apps"].push_back(app_registry_entry(kOther, kOtherKey));
  setup.config.merge_patch(config);
  return setup;
}

Headers auth(const TestHost& host, const std::string& user = kUser) {
  return {bearer(host.token_for(user))};
}

// Any method on a fresh connection, with the user's token.
HttpResponse call(const TestHost& host, const std::string& method, const std::string& target,
                  const std::string& body = {}, const Headers& headers = {}) {
  HttpConnection c(host.port());
  return c.request(method, target, body, headers.empty() ? auth(host) : headers);
}

json stored_settings(const TestHost& host) {
  const auto res = http_get(host.port(), kSettings, auth(host));
  INFO("GET settings: " << res.body);
  REQUIRE(res.status == 200);
  return res.json()["data"]["settings"];
}

void post_settings(const TestHost& host, const json& settings) {
  const auto res = http_post(host.port(), kSettings, json{{"settings", settings}}.dump(),
                             auth(host));
  INFO("POST settings: " << res.body);
  REQUIRE(res.status == 200);
}

// The ack an app gets when it connects now (the device snapshot after it is consumed).
json ack_of(const TestHost& host, WsClient& phone, const std::string& package = kAppPackage,
            const std::string& key = kAppKey) {
  const auto sid = allow_app(phone, package);
  auto app = open_app_socket(host.port());
  app.send_json(app_init(sid, package, key));
  const auto ack = app.read_json();
  INFO("ack: " << ack.dump());
  REQUIRE(ack["type"] == "tpa_connection_ack");
  return ack;
}

}  // namespace

TEST_CASE("Every user-settings route refuses a request without a valid token", "[settings][rest]") {
  TestHost host(settings_host());
  const Headers none = {{"X-Nothing", "1"}};
  const Headers bad = {bearer("not-a-jwt")};
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", kSettings},
           {"POST", kSettings},
           {"PUT", kSettings},
           {"GET", kSettings + "/key/brightness"},
           {"PUT", kSettings + "/key/brightness"},
           {"DELETE", kSettings + "/key/brightness"},
           {"GET", "/appsettings/com.example.app"},
           {"POST", "/appsettings/com.example.app"},
           {"GET", "/tpasettings/com.example.app"}}) {
    for (const auto* headers : {&none, &bad}) {
      INFO(method << " " << target);
      const auto res = call(host, method, target, R"({"settings":{"a":1}})", *headers);
      CHECK(res.status == 401);
      CHECK(res.json().contains("error"));
    }
  }
}

TEST_CASE("User settings are stored, merged, deleted by null and read back", "[settings][rest]") {
  TestHost host(settings_host());  // no phone: the routes work without a session

  const auto empty = http_get(host.port(), kSettings, auth(host));
  INFO(empty.body);
  REQUIRE(empty.status == 200);
  CHECK(empty.json()["success"] == true);
  CHECK(empty.json()["data"] == json{{"settings", json::object()}});
  CHECK(is_iso_ms(empty.json()["timestamp"]));

  const auto posted = http_post(
      host.port(), kSettings,
      R"({"settings":{"metric_system":true,"brightness":80,"nested":{"a":[1,"x"]}}})",
      auth(host));
  INFO(posted.body);
  REQUIRE(posted.status == 200);
  CHECK(posted.json()["success"] == true);
  CHECK(posted.json()["data"]["settings"] ==
        json{{"metric_system", true}, {"brightness", 80}, {"nested", {{"a", {1, "x"}}}}});
  CHECK(is_iso_ms(posted.json()["timestamp"]));

  // PUT is the same merge; null deletes; the answer has every setting.
  const auto put = call(host, "PUT", kSettings,
                        R"({"settings":{"brightness":null,"timezone":"Europe/Berlin"}})");
  INFO(put.body);
  REQUIRE(put.status == 200);
  const json expected = {{"metric_system", true},
                         {"nested", {{"a", {1, "x"}}}},
                         {"timezone", "Europe/Berlin"}};
  CHECK(put.json()["data"]["settings"] == expected);
  CHECK(stored_settings(host) == expected);

  SECTION("a body without a settings object is 400 and changes nothing") {
    for (const char* body : {"{not json", "[]", "{}", R"({"settings":"x"})",
                             R"({"settings":[1,2]})", R"({"settings":null})", R"({"brightness":1})"}) {
      for (const char* method : {"POST", "PUT"}) {
        INFO(method << " " << body);
        const auto res = call(host, method, kSettings, body);
        CHECK(res.status == 400);
        CHECK(res.json() == json{{"success", false}, {"message", "Settings object required"}});
      }
    }
    CHECK(stored_settings(host) == expected);
  }
}

TEST_CASE("The per-key routes read, write and delete one setting", "[settings][rest]") {
  TestHost host(settings_host());
  // A device-indexed key (§9.10), percent-encoded in the path.
  const std::string key = "preferred_mic:Even Realities G1";
  const std::string path = kSettings + "/key/preferred_mic%3AEven%20Realities%20G1";

  const auto missing = call(host, "GET", path);
  INFO(missing.body);
  REQUIRE(missing.status == 200);
  CHECK(missing.json()["success"] == true);
  CHECK(missing.json()["data"] == json{{"key", key}, {"value", nullptr}, {"exists", false}});

  const auto put = call(host, "PUT", path, R"({"value":"glasses"})");
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(put.json()["data"] == json{{"key", key}, {"value", "glasses"}, {"exists", true}});
  CHECK(call(host, "GET", path).json()["data"]["value"] == "glasses");
  CHECK(stored_settings(host) == json{{key, "glasses"}});

  SECTION("PUT without a value is 400") {
    for (const char* body : {"{}", "{bad", "[1]"}) {
      INFO(body);
      const auto res = call(host, "PUT", path, body);
      CHECK(res.status == 400);
      CHECK(res.json()["success"] == false);
    }
    CHECK(stored_settings(host) == json{{key, "glasses"}});
  }

  SECTION("DELETE removes it; PUT null does too") {
    const auto del = call(host, "DELETE", path);
    INFO(del.body);
    REQUIRE(del.status == 200);
    CHECK(del.json()["data"] == json{{"key", key}, {"value", nullptr}, {"exists", false}});
    CHECK(stored_settings(host) == json::object());

    REQUIRE(call(host, "PUT", kSettings + "/key/brightness", R"({"value":70})").status == 200);
    CHECK(stored_settings(host) == json{{"brightness", 70}});
    const auto nulled = call(host, "PUT", kSettings + "/key/brightness", R"({"value":null})");
    CHECK(nulled.json()["data"]["exists"] == false);
    CHECK(stored_settings(host) == json::object());
  }
}

TEST_CASE("User settings survive a host restart on the same SQLite file and feed the ack",
          "[settings][store]") {
  TempDir dir;
  const auto db = (dir.path() / "glasshub.sqlite3").string();
  const json config = {{"storage", {{"sqlitePath", db}}}};
  {
    TestHost host(settings_host(config));
    post_settings(host, {{"metric_system", true},
                         {"head_up_angle", 30},
                         {"brightness", 20},
                         {"auto_brightness", false},
                         {"contextual_dashboard", false},
                         {"sensing_enabled", false},
                         {"always_on_status_bar", true},
                         {"bypass_vad_for_debugging", true},
                         {"bypass_audio_encoding_for_debugging", true},
                         {"preferred_mic", "phone"},
                         {"preferred_mic:Mentra Live", "glasses"},
                         {"default_wearable", "Mentra Live"},
                         {"timezone", "Europe/Berlin"},
                         {"unrelated", "kept"}});
    REQUIRE(host.stop() == 0);
  }
  TestHost host(settings_host(config));
  const json stored = stored_settings(host);
  CHECK(stored["metric_system"] == true);
  CHECK(stored["unrelated"] == "kept");
  CHECK(stored.size() == 14);

  auto phone = host.connect_phone(kUser);
  const auto ack = ack_of(host, phone);
  CHECK(ack["mentraosSettings"] == json{{"metricSystemEnabled", true},
                                        {"contextualDashboard", false},
                                        {"headUpAngle", 30},
                                        {"brightness", 20},
                                        {"autoBrightness", false},
                                        {"sensingEnabled", false},
                                        {"alwaysOnStatusBar", true},
                                        {"bypassVad", true},
                                        {"bypassAudioEncoding", true},
                                        {"preferredMic", "glasses"},  // indexed by the wearable
                                        {"useOnboardMic", true},
                                        {"userTimezone", "Europe/Berlin"}});
  // §5.1: the new session took the model from default_wearable.
  REQUIRE(ack["capabilities"].is_object());
  CHECK(ack["capabilities"]["modelName"] == "Mentra Live");
  CHECK(ack["settings"] == json::array());
}

TEST_CASE("The ack's mentraosSettings are the defaults when nothing is stored",
          "[settings][ack]") {
  TestHost host(settings_host());
  auto phone = host.connect_phone(kUser);
  const auto ack = ack_of(host, phone);
  CHECK(ack["mentraosSettings"] == kDefaults);
  CHECK(ack["settings"] == json::array());
  CHECK(ack["capabilities"].is_null());

  SECTION("a setting written while the session lives shows in the next ack") {
    post_settings(host, {{"brightness", 90}, {"preferred_mic", "glasses"}});
    json expected = kDefaults;
    expected["brightness"] = 90;
    expected["preferredMic"] = "glasses";
    expected["useOnboardMic"] = true;
    CHECK(ack_of(host, phone, kOther, kOtherKey)["mentraosSettings"] == expected);
  }
}

TEST_CASE("augmentos_settings_update reaches only the apps with an augmentos: subscription",
          "[settings][augmentos]") {
  TestHost host(settings_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = connect_app(host.port(), sid);
  auto other = connect_app(host.port(), other_sid, kOther, kOtherKey);
  subscribe(app, sid, {"button_press", "augmentos:*"});
  subscribe(other, other_sid, {"button_press", "*"}, kOther);
  sync_app(app);
  sync_app(other);

  post_settings(host, {{"metric_system", true}, {"timezone", "Asia/Tokyo"}});
  const auto got = sync_app(app);
  INFO("subscribed app heard: " << json(got).dump());
  REQUIRE(got.size() == 1);
  CHECK(got[0]["type"] == "augmentos_settings_update");
  CHECK(got[0]["sessionId"] == sid);
  json expected = kDefaults;
  expected["metricSystemEnabled"] = true;
  expected["userTimezone"] = "Asia/Tokyo";
  CHECK(got[0]["settings"] == expected);  // the whole object: the SDK replaces its copy
  CHECK(is_iso_ms(got[0]["timestamp"]));
  const auto other_got = sync_app(other);
  INFO("unsubscribed app heard: " << json(other_got).dump());
  CHECK(other_got.empty());

  SECTION("a key apps do not see sends nothing; the same value again sends nothing") {
    post_settings(host, {{"some_phone_only_key", 1}});
    post_settings(host, {{"metric_system", true}});
    CHECK(sync_app(app).empty());
  }

  SECTION("augmentos:<key> counts too; deleting brings the default back") {
    subscribe(other, other_sid, {"augmentos:metricSystemEnabled"}, kOther);
    const auto del = call(host, "DELETE", kSettings + "/key/metric_system");
    REQUIRE(del.status == 200);
    for (WsClient* a : {&app, &other}) {
      const auto heard = of_type(sync_app(*a), "augmentos_settings_update");
      REQUIRE(heard.size() == 1);
      CHECK(heard[0]["settings"]["metricSystemEnabled"] == false);
      CHECK(heard[0]["settings"]["userTimezone"] == "Asia/Tokyo");
    }
  }
}

TEST_CASE("default_wearable sets the model, the capabilities and connected", "[settings][device]") {
  TestHost host(settings_host());

  SECTION("written during a session: apps get device_state_update and capabilities_update") {
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    sync_app(app);

    post_settings(host, {{"default_wearable", "Simulated Glasses"}});
    const auto got = sync_app(app);
    INFO("app heard: " << json(got).dump());
    const auto states = of_type(got, "device_state_update");
    REQUIRE(states.size() == 1);
    CHECK(states[0]["state"] == json{{"modelName", "Simulated Glasses"}, {"connected", true}});
    CHECK(states[0]["fullSnapshot"] == false);
    const auto caps = of_type(got, "capabilities_update");
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["modelName"] == "Simulated Glasses");
    CHECK(caps[0]["capabilities"]["modelName"] == "Simulated Glasses");
    CHECK(caps[0]["capabilities"]["hasDisplay"] == true);
    CHECK(of_type(got, "augmentos_settings_update").empty());  // not subscribed

    const auto ack = ack_of(host, phone, kOther, kOtherKey);
    CHECK(ack["capabilities"]["modelName"] == "Simulated Glasses");

    // Another model: both again; deleting it: no model, not connected.
    post_settings(host, {{"default_wearable", "Even Realities G1"}});
    const auto changed = sync_app(app);
    REQUIRE(of_type(changed, "capabilities_update").size() == 1);
    CHECK(of_type(changed, "capabilities_update")[0]["modelName"] == "Even Realities G1");
    post_settings(host, {{"default_wearable", nullptr}});
    const auto cleared = sync_app(app);
    INFO("after the delete: " << json(cleared).dump());
    const auto cleared_states = of_type(cleared, "device_state_update");
    REQUIRE(cleared_states.size() == 1);
    CHECK(cleared_states[0]["state"] == json{{"modelName", nullptr}, {"connected", false}});
    CHECK(of_type(cleared, "capabilities_update").empty());
  }

  SECTION("stored before the phone connects: the new session starts with it (§5.1)") {
    post_settings(host, {{"default_wearable", "Vuzix Z100"}});
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = open_app_socket(host.port());
    app.send_json(app_init(sid));
    const auto ack = app.read_json();
    REQUIRE(ack["type"] == "tpa_connection_ack");
    CHECK(ack["capabilities"]["modelName"] == "Vuzix Z100");
    const auto snapshot = app.read_until_type("device_state_update");
    CHECK(snapshot["fullSnapshot"] == true);
    CHECK(snapshot["state"]["connected"] == true);
    CHECK(snapshot["state"]["modelName"] == "Vuzix Z100");
  }
}

TEST_CASE("App settings: the phone's POST reaches the app socket and the app server",
          "[settings][appsettings]") {
  HttpServer app_server({200, "application/json", R"({"status":"success"})"});
  TestHost host([&] {
    HostSetup setup = settings_host();
    setup.config["apps"][0]["publicUrl"] = app_server.url("/");  // trailing slash trimmed
    return setup;
  }());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  sync_app(app);

  const auto before = http_get(host.port(), "/appsettings/com.example.app", auth(host));
  INFO(before.body);
  REQUIRE(before.status == 200);
  CHECK(before.json()["success"] == true);
  CHECK(before.json()["packageName"] == "com.example.app");
  CHECK(before.json()["name"] == "Example");
  CHECK(before.json()["settings"] == json::array());

  const auto res = http_post(host.port(), "/appsettings/com.example.app",
                             R"({"key":"units","value":"metric"})", auth(host));
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.json() == json{{"success", true}, {"message", "Settings updated successfully"}});

  const json first = json::array({{{"key", "units"}, {"value", "metric"}}});
  const auto got = sync_app(app);
  INFO("app heard: " << json(got).dump());
  REQUIRE(got.size() == 1);
  CHECK(got[0]["type"] == "settings_update");
  CHECK(got[0]["packageName"] == "com.example.app");
  CHECK(got[0]["sessionId"] == sid);
  CHECK(got[0]["settings"] == first);
  CHECK(is_iso_ms(got[0]["timestamp"]));

  REQUIRE(app_server.wait_for_requests(1, 5s));
  const auto posted = app_server.requests().at(0);
  CHECK(posted.method == "POST");
  CHECK(posted.target == "/settings");
  CHECK(posted.headers.at("content-type") == "application/json");
  CHECK(json::parse(posted.body) == json{{"userIdForSettings", kUser}, {"settings", first}});

  // An array updates one key and adds another; every view has the merged list.
  const auto two = http_post(host.port(), "/tpasettings/com.example.app",
                             R"([{"key":"units","value":"imperial"},{"key":"volume","value":3}])",
                             auth(host));
  REQUIRE(two.status == 200);
  const json merged =
      json::array({{{"key", "units"}, {"value", "imperial"}}, {{"key", "volume"}, {"value", 3}}});
  const auto second = of_type(sync_app(app), "settings_update");
  REQUIRE(second.size() == 1);
  CHECK(second[0]["settings"] == merged);
  REQUIRE(app_server.wait_for_requests(2, 5s));
  CHECK(json::parse(app_server.requests().at(1).body)["settings"] == merged);

  CHECK(http_get(host.port(), "/tpasettings/com.example.app", auth(host)).json()["settings"] ==
        merged);
  // The SDK's settings.fetch(): Bearer <userId>, unverified (reference quirk).
  const auto fetched = http_get(host.port(), "/appsettings/user/com.example.app",
                                {{"Authorization", "Bearer " + kUser}});
  INFO(fetched.body);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.json() == json{{"success", true}, {"settings", merged}});
  // What SDK 2.1.29 really sends: its app session id "<userId>-<packageName>".
  CHECK(http_get(host.port(), "/appsettings/user/com.example.app",
                 {{"Authorization", "Bearer " + sid}})
            .json() == json{{"success", true}, {"settings", merged}});
  CHECK(http_get(host.port(), "/appsettings/user/com.example.app").status == 401);
  // Another user's view, and another app's, are their own.
  CHECK(http_get(host.port(), "/appsettings/user/com.example.app",
                 {{"Authorization", "Bearer bob@example.com"}})
            .json()["settings"] == json::array());
  CHECK(http_get(host.port(), "/appsettings/com.example.other", auth(host)).json()["settings"] ==
        json::array());

  // The next ack carries them (§5.2).
  app.close();
  auto again = open_app_socket(host.port());
  again.send_json(app_init(sid));
  CHECK(again.read_json()["settings"] == merged);

  SECTION("bad bodies are 400, unknown apps 404, and neither side effect happens") {
    for (const char* body : {"{bad", "[]", "{}", R"({"key":"a"})", R"({"value":1})",
                             R"([{"key":"a","value":1},{"value":2}])", R"({"key":"","value":1})",
                             "42"}) {
      INFO(body);
      const auto bad = http_post(host.port(), "/appsettings/com.example.app", body, auth(host));
      CHECK(bad.status == 400);
      CHECK(bad.json()["success"] == false);
    }
    const auto unknown = http_post(host.port(), "/appsettings/com.example.nobody",
                                   R"({"key":"a","value":1})", auth(host));
    CHECK(unknown.status == 404);
    CHECK(unknown.json() == json{{"success", false}, {"message", "App not found"}});
    CHECK(http_get(host.port(), "/appsettings/com.example.nobody", auth(host)).status == 404);
    CHECK(http_get(host.port(), "/appsettings/user/com.example.nobody",
                   {{"Authorization", "Bearer " + kUser}})
              .status == 404);
    CHECK(app_server.requests().size() == 2);
    CHECK(http_get(host.port(), "/appsettings/com.example.app", auth(host)).json()["settings"] ==
          merged);
  }
}

TEST_CASE("App settings posted without a session are stored for the next ack",
          "[settings][appsettings]") {
  TestHost host(settings_host());
  const auto res = http_post(host.port(), "/appsettings/com.example.app",
                             R"({"key":"units","value":"metric"})", auth(host));
  INFO(res.body);
  REQUIRE(res.status == 200);
  auto phone = host.connect_phone(kUser);
  CHECK(ack_of(host, phone)["settings"] ==
        json::array({{{"key", "units"}, {"value", "metric"}}}));
}

// --- legacy_settings --------------------------------------------------------------------------

namespace {

// The build's plugin-manifest.json with absolute library paths, test_app_starter appended and,
// when `legacy`, legacy_settings switched on: the default configuration, or an operator's edit.
json default_manifest(bool legacy) {
  const fs::path build_manifest = fs::path(required_env("GLASSHUB_PLUGIN_DIR")).parent_path() /
                                  "plugin-manifest.json";
  json manifest = json::parse(read_file(build_manifest));
  bool found = false;
  for (auto& p : manifest["plugins"]) {
    p["library"] = (build_manifest.parent_path() / p["library"].get<std::string>()).string();
    if (p["name"] == "legacy_settings") {
      found = true;
      CHECK(p["enabled"] == false);  // what ships
      p["enabled"] = legacy;
    }
  }
  REQUIRE(found);
  manifest["plugins"].push_back(test_plugin_entry("test_app_starter"));
  return manifest;
}

HostSetup legacy_host(bool legacy) {
  HostSetup setup = settings_host();
  setup.manifest = default_manifest(legacy);
  return setup;
}

// What an old phone put in core_status_update (`status` is sent as a JSON string below).
const json kCoreStatus = json::parse(R"({"status":{
  "core_info":{"contextual_dashboard_enabled":false,"metric_system_enabled":true,
               "force_core_onboard_mic":true,"sensing_enabled":"false"},
  "connected_glasses":{"model_name":"Even Realities G1","headUp_angle":25},
  "glasses_settings":{"brightness":"70","auto_brightness":false,"dashboard_height":3}}})");

}  // namespace

TEST_CASE("legacy_settings is off by default: the dead messages are only relayed",
          "[settings][legacy]") {
  TestHost host(legacy_host(false));
  const auto handlers = host.admin_handlers();
  const auto* plugin = find_plugin(handlers, "legacy_settings");
  REQUIRE(plugin != nullptr);
  CHECK((*plugin)["enabled"] == false);
  CHECK((*plugin)["loaded"] == false);
  CHECK(find_route(handlers, "glasses", "request_settings") == nullptr);
  CHECK(find_plugin(handlers, "settings") != nullptr);
  CHECK((*find_plugin(handlers, "settings"))["loaded"] == true);

  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"core_status_update"});

  phone.send_json({{"type", "request_settings"}, {"sessionId", kUser}});
  phone.send_json({{"type", "settings_update_request"}});
  json status = kCoreStatus;
  status["type"] = "core_status_update";
  phone.send_json(status);
  const auto phone_got = sync_phone(phone);
  INFO("phone got: " << json(phone_got).dump());
  CHECK(of_type(phone_got, "settings_update").empty());

  const auto got = of_type(sync_app(app), "data_stream");  // the host's relay of unknown types
  REQUIRE(got.size() == 1);
  CHECK(got[0]["streamType"] == "core_status_update");
  CHECK(stored_settings(host) == json::object());  // nothing parsed
}

TEST_CASE("legacy_settings switched on in the manifest answers the dead messages",
          "[settings][legacy]") {
  TestHost host(legacy_host(true));
  REQUIRE(find_route(host.admin_handlers(), "glasses", "request_settings") != nullptr);
  post_settings(host, {{"brightness", 65}, {"dashboard_depth", 2}});
  auto phone = host.connect_phone(kUser);

  SECTION("request_settings and settings_update_request get settings_update") {
    for (const char* type : {"request_settings", "settings_update_request"}) {
      INFO(type);
      phone.send_json({{"type", type}, {"sessionId", kUser}});
      const auto answer = phone.read_until_type("settings_update");
      CHECK(answer["sessionId"] == kUser);
      CHECK(is_iso_ms(answer["timestamp"]));
      CHECK(answer["settings"] == json{{"useOnboardMic", false},
                                       {"contextualDashboard", true},
                                       {"headUpAngle", 20},
                                       {"dashboardHeight", 4},
                                       {"dashboardDepth", 2},
                                       {"brightness", 65},
                                       {"autoBrightness", false},
                                       {"sensingEnabled", true},
                                       {"alwaysOnStatusBar", false},
                                       {"bypassVad", false},
                                       {"bypassAudioEncoding", false},
                                       {"metricSystemEnabled", false}});
    }
  }

  SECTION("core_status_update writes its settings and model; apps hear of both") {
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    subscribe(app, sid, {"augmentos:metricSystemEnabled"});

    json status = kCoreStatus;
    status["type"] = "core_status_update";
    status["status"] = status["status"].dump();  // the old phone sent it as a JSON string
    phone.send_json(status);
    sync_phone(phone);
    const auto got = sync_app(app);
    INFO("app heard: " << json(got).dump());
    const auto caps = of_type(got, "capabilities_update");
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["modelName"] == "Even Realities G1");
    const auto update = of_type(got, "augmentos_settings_update");
    REQUIRE(update.size() == 1);
    CHECK(update[0]["settings"]["metricSystemEnabled"] == true);
    CHECK(update[0]["settings"]["useOnboardMic"] == true);

    const json stored = stored_settings(host);
    CHECK(stored == json{{"brightness", 70},
                         {"dashboard_depth", 2},
                         {"contextual_dashboard", false},
                         {"metric_system", true},
                         {"sensing_enabled", false},
                         {"head_up_angle", 25},
                         {"auto_brightness", false},
                         {"dashboard_height", 3},
                         {"preferred_mic", "glasses"},
                         {"default_wearable", "Even Realities G1"}});

    phone.send_json({{"type", "request_settings"}});
    const auto answer = phone.read_until_type("settings_update");
    CHECK(answer["settings"]["headUpAngle"] == 25);
    CHECK(answer["settings"]["useOnboardMic"] == true);
    CHECK(answer["settings"]["dashboardHeight"] == 3);
  }
}
