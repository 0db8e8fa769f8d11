// The device plugin (protocol.md §1 G4/G12/G13, §6.1, §7.3, §9.11, §9.12): the phone's
// hardware events reach exactly the apps subscribed to them, as data_stream with the original
// bytes and each app's own streamType; the glasses' state and capabilities reach every app, on
// change and with its ack; the phone's REST device state is merged and broadcast.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "com.example.other";
const std::string kOtherKey = "other-key";
const std::string kStatePath = "/api/client/device/state";

// protocol.md §9.12, the exact reference profile.
const json kSimulatedProfile = json::parse(R"({
  "modelName": "Simulated Glasses",
  "hasCamera": false, "camera": null,
  "hasDisplay": true,
  "display": {"count":1,"isColor":false,"color":"green","canDisplayBitmap":false,
              "resolution":{"width":640,"height":480},"fieldOfView":{"horizontal":30},
              "maxTextLines":7,"adjustBrightness":true},
  "hasMicrophone": true, "microphone": {"count":1,"hasVAD":false},
  "hasSpeaker": true, "speaker": {"count":1,"isPrivate":false},
  "hasIMU": false, "imu": null,
  "hasButton": true,
  "button": {"count":1,"buttons":[{"type":"press","events":["press"],"isCapacitive":false}]},
  "hasLight": false, "light": null,
  "power": {"hasExternalBattery": false},
  "hasWifi": false
})");

// keepalive + device + test_app_starter; kAppPackage and kOther registered (both MICROPHONE).
HostSetup device_host() {
  HostSetup setup = app_host_setup();
  setup.manifest = manifest_of({keepalive_entry(),
                                {{"name", "device"},
                                 {"library", plugin_library("glasshub_device").string()}},
                                test_plugin_entry("test_app_starter")});
  setup.config["apps"][0]["permissions"] = {"MICROPHONE", "LOCATION"};  // location_update
  setup.config["apps"].push_back(app_registry_entry(kOther, kOtherKey));
  return setup;
}

// Everything `app` got because of what the phone sent so far.
std::vector<json> heard(WsClient& phone, WsClient& app) {
  sync_phone(phone);
  return sync_app(app);
}

HttpResponse post_state(const TestHost& host, const std::string& body) {
  return http_post(host.port(), kStatePath, body, {bearer(host.token_for(kUser))});
}

}  // namespace

TEST_CASE("button_press reaches the subscribed app only, its bytes spliced as data",
          "[device][relay]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);
  auto other = ready_app(host, other_sid, kOther, kOtherKey);
  subscribe(app, sid, {"button_press"});
  subscribe(other, other_sid, {"head_position"}, kOther);

  // Unusual spacing and escapes: only a splice of the original bytes keeps them.
  const std::string original = R"({"type":"button_press", "buttonId":"camera",)"
                               R"("pressType":"short","n":"caf\u00e9","timestamp":1773914455123})";
  phone.send_text(original);
  const auto frame = app.read_frame(2s);
  REQUIRE(frame.has_value());
  INFO("relayed: " << frame->data);
  const auto relayed = json::parse(frame->data);
  CHECK(relayed["type"] == "data_stream");
  CHECK(relayed["sessionId"] == sid);
  CHECK(relayed["streamType"] == "button_press");
  CHECK(relayed["data"] == json::parse(original));
  CHECK(is_iso_ms(relayed["timestamp"]));
  CHECK_THAT(frame->data, Contains(R"("data":)" + original));

  const auto other_heard = heard(phone, other);
  INFO("the unsubscribed app heard: " << json(other_heard).dump());
  CHECK(other_heard.empty());
  CHECK(sync_app(app).empty());  // exactly once
}

TEST_CASE("Every plain phone event is relayed under its own type", "[device][relay]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  const std::vector<json> events = {
      {{"type", "head_position"}, {"position", "up"}},
      {{"type", "glasses_battery_update"}, {"level", 80}, {"charging", false}},
      {{"type", "phone_battery_update"}, {"level", 55}, {"charging", true}},
      {{"type", "VAD"}, {"status", true}},
      {{"type", "location_update"}, {"lat", 52.5}, {"lng", 13.4}},
  };
  std::vector<std::string> streams;
  for (const auto& e : events) streams.push_back(e["type"]);
  subscribe(app, sid, streams);

  for (const auto& e : events) phone.send_json(e);
  const auto got = of_type(heard(phone, app), "data_stream");
  REQUIRE(got.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(got[i]["streamType"] == events[i]["type"]);
    CHECK(got[i]["data"] == events[i]);
  }
}

TEST_CASE("touch_event reaches gesture subscribers and base subscribers under their own string",
          "[device][relay]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto gesture_app = ready_app(host, sid);
  auto base_app = ready_app(host, other_sid, kOther, kOtherKey);
  subscribe(gesture_app, sid, {"touch_event:double_tap"});
  subscribe(base_app, other_sid, {"touch_event"}, kOther);

  const json tap = {{"type", "touch_event"},
                    {"device_model", "Even Realities G2"},
                    {"gesture_name", "double_tap"},
                    {"timestamp", 1773914455123}};
  phone.send_json(tap);
  const json swipe = {{"type", "touch_event"}, {"gesture_name", "forward_swipe"}};
  phone.send_json(swipe);

  const auto gesture_got = heard(phone, gesture_app);
  INFO("gesture app: " << json(gesture_got).dump());
  REQUIRE(gesture_got.size() == 1);
  CHECK(gesture_got[0]["streamType"] == "touch_event:double_tap");
  CHECK(gesture_got[0]["data"] == tap);

  const auto base_got = sync_app(base_app);
  INFO("base app: " << json(base_got).dump());
  REQUIRE(base_got.size() == 2);
  CHECK(base_got[0]["streamType"] == "touch_event");
  CHECK(base_got[0]["data"] == tap);
  CHECK(base_got[1]["data"] == swipe);
}

TEST_CASE("local_transcription reaches transcription:<lang> subscribers as the app subscribed",
          "[device][relay]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);
  auto local_app = ready_app(host, other_sid, kOther, kOtherKey);
  subscribe(app, sid, {"transcription:en-US"});
  subscribe(local_app, other_sid, {"local_transcription", "transcription:fr-FR"}, kOther);

  const json result = {{"type", "local_transcription"}, {"text", "hello world"},
                       {"isFinal", true},  {"startTime", 1773914455000},
                       {"endTime", 1773914456000}, {"speakerId", 0},
                       {"transcribeLanguage", "en-US"}, {"provider", "phone"}};
  phone.send_json(result);

  const auto got = heard(phone, app);
  INFO("transcription app: " << json(got).dump());
  REQUIRE(got.size() == 1);
  CHECK(got[0]["type"] == "data_stream");
  CHECK(got[0]["streamType"] == "transcription:en-US");
  CHECK(got[0]["data"] == result);  // data.type stays local_transcription

  const auto local_got = sync_app(local_app);
  INFO("local app: " << json(local_got).dump());
  REQUIRE(local_got.size() == 1);  // not under transcription:fr-FR
  CHECK(local_got[0]["streamType"] == "local_transcription");
}

TEST_CASE("glasses_connection_state sets the device state and the capabilities of every app",
          "[device][state]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);

  const json connected = {{"type", "glasses_connection_state"},
                          {"status", "CONNECTED"},
                          {"modelName", "Simulated Glasses"},
                          {"wifi", {{"connected", false}, {"ssid", nullptr}}},
                          {"timestamp", "2026-03-19T10:00:00.000Z"}};
  phone.send_json(connected);
  const auto got = heard(phone, app);
  INFO("app heard: " << json(got).dump());

  const auto states = of_type(got, "device_state_update");
  REQUIRE(states.size() == 1);
  CHECK(states[0]["fullSnapshot"] == false);
  CHECK(states[0]["state"] == json{{"connected", true},
                                   {"modelName", "Simulated Glasses"},
                                   {"wifiConnected", false},
                                   {"wifiSsid", nullptr}});
  CHECK(is_iso_ms(states[0]["timestamp"]));

  const auto caps = of_type(got, "capabilities_update");
  REQUIRE(caps.size() == 1);
  CHECK(caps[0]["modelName"] == "Simulated Glasses");
  CHECK(caps[0]["capabilities"] == kSimulatedProfile);
  CHECK_FALSE(caps[0].contains("timestamp"));  // reference quirk
  CHECK(of_type(got, "data_stream").empty());  // not subscribed to glasses_connection_state

  SECTION("an app connecting afterwards gets the capabilities in its ack, then the snapshot") {
    auto late = open_app_socket(host.port());
    late.send_json(app_init(other_sid, kOther, kOtherKey));
    const auto ack = late.read_json();
    INFO("ack: " << ack.dump());
    REQUIRE(ack["type"] == "tpa_connection_ack");
    CHECK(ack["capabilities"] == kSimulatedProfile);

    const auto after_ack = sync_app(late);
    INFO("after the ack: " << json(after_ack).dump());
    const auto snapshots = of_type(after_ack, "device_state_update");
    REQUIRE(snapshots.size() == 1);
    CHECK(snapshots[0]["fullSnapshot"] == true);
    CHECK(snapshots[0]["state"]["connected"] == true);
    CHECK(snapshots[0]["state"]["modelName"] == "Simulated Glasses");
    CHECK(is_iso_ms(snapshots[0]["timestamp"]));
  }

  SECTION("the same model again changes the state but announces no new capabilities") {
    phone.send_json(connected);
    const auto again = heard(phone, app);
    CHECK(of_type(again, "device_state_update").size() == 1);
    CHECK(of_type(again, "capabilities_update").empty());
  }

  SECTION("a disconnect clears the model; a subscribed app also gets the message itself") {
    subscribe(app, sid, {"glasses_connection_state"});
    const json disconnected = {{"type", "glasses_connection_state"},
                               {"status", "DISCONNECTED"},
                               {"modelName", "Simulated Glasses"}};
    phone.send_json(disconnected);
    const auto after = heard(phone, app);
    INFO("app heard: " << json(after).dump());
    const auto update = of_type(after, "device_state_update");
    REQUIRE(update.size() == 1);
    CHECK(update[0]["state"] == json{{"connected", false}, {"modelName", nullptr}});
    CHECK(of_type(after, "capabilities_update").empty());
    const auto relayed = of_type(after, "data_stream");
    REQUIRE(relayed.size() == 1);
    CHECK(relayed[0]["streamType"] == "glasses_connection_state");
    CHECK(relayed[0]["data"] == disconnected);

    auto late = open_app_socket(host.port());
    late.send_json(app_init(other_sid, kOther, kOtherKey));
    CHECK(late.read_json()["capabilities"].is_null());
  }
}

TEST_CASE("An app of a user with no known glasses gets null capabilities and connected false",
          "[device][state]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = open_app_socket(host.port());
  app.send_json(app_init(sid));
  const auto ack = app.read_json();
  REQUIRE(ack["type"] == "tpa_connection_ack");
  REQUIRE(ack.contains("capabilities"));
  CHECK(ack["capabilities"].is_null());
  const auto snapshots = of_type(sync_app(app), "device_state_update");
  REQUIRE(snapshots.size() == 1);
  CHECK(snapshots[0]["fullSnapshot"] == true);
  CHECK(snapshots[0]["state"] == json{{"connected", false}});
}

TEST_CASE("REST device state without a phone session is 503", "[device][rest]") {
  TestHost host(device_host());
  const auto res = post_state(host, R"({"connected":true,"batteryLevel":80})");
  INFO("body: " << res.body);
  CHECK(res.status == 503);
  CHECK(res.json() == json{{"error", "no_active_session"},
                           {"message",
                            "No active cloud session. Please ensure your app is connected."}});
}

TEST_CASE("REST device state is merged and broadcast to every app", "[device][rest]") {
  TestHost host(device_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);
  auto other = ready_app(host, other_sid, kOther, kOtherKey);

  SECTION("what the 2026-03 phone posts: deviceModel is stored but sets no model") {
    const auto res = post_state(
        host, R"({"connected":true,"deviceModel":"Even Realities G1","batteryLevel":80,)"
              R"("charging":false,"caseBatteryLevel":null,"wifiConnected":false,)"
              R"("hotspotPassword":"s3cret","unknownField":1})");
    INFO("body: " << res.body);
    REQUIRE(res.status == 200);
    CHECK(res.json()["success"] == true);
    CHECK(is_iso_ms(res.json()["timestamp"]));

    for (WsClient* a : {&app, &other}) {
      const auto got = sync_app(*a);
      INFO("app heard: " << json(got).dump());
      const auto states = of_type(got, "device_state_update");
      REQUIRE(states.size() == 1);
      CHECK(states[0]["fullSnapshot"] == false);
      CHECK(states[0]["state"] == json{{"connected", true},
                                       {"deviceModel", "Even Realities G1"},
                                       {"batteryLevel", 80},
                                       {"charging", false},
                                       {"caseBatteryLevel", nullptr},
                                       {"wifiConnected", false}});
      CHECK(of_type(got, "capabilities_update").empty());
    }

    // The next app's ack has no capabilities; its snapshot has the merged state.
    app.close();
    auto again = open_app_socket(host.port());
    again.send_json(app_init(sid));
    const auto ack = again.read_json();
    CHECK(ack["capabilities"].is_null());
    const auto snapshots = of_type(sync_app(again), "device_state_update");
    REQUIRE(snapshots.size() == 1);
    CHECK(snapshots[0]["state"]["batteryLevel"] == 80);
    CHECK(snapshots[0]["state"]["deviceModel"] == "Even Realities G1");
    CHECK_FALSE(snapshots[0]["state"].contains("hotspotPassword"));
    CHECK_FALSE(snapshots[0]["state"].contains("unknownField"));
  }

  SECTION("modelName without connected implies connected and announces the capabilities") {
    REQUIRE(post_state(host, R"({"modelName":"Mentra Live"})").status == 200);
    const auto got = sync_app(app);
    INFO("app heard: " << json(got).dump());
    const auto states = of_type(got, "device_state_update");
    REQUIRE(states.size() == 1);
    CHECK(states[0]["state"] == json{{"modelName", "Mentra Live"}, {"connected", true}});
    const auto caps = of_type(got, "capabilities_update");
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["modelName"] == "Mentra Live");
    CHECK(caps[0]["capabilities"]["modelName"] == "Mentra Live");
    CHECK(caps[0]["capabilities"]["hasCamera"] == true);
    CHECK(caps[0]["capabilities"]["hasDisplay"] == false);

    REQUIRE(post_state(host, R"({"modelName":""})").status == 200);
    const auto cleared = of_type(sync_app(app), "device_state_update");
    REQUIRE(cleared.size() == 1);
    CHECK(cleared[0]["state"] == json{{"modelName", nullptr}, {"connected", false}});
  }

  SECTION("an unknown model gets null capabilities (reference quirk)") {
    REQUIRE(post_state(host, R"({"connected":true,"modelName":"Acme X1"})").status == 200);
    const auto caps = of_type(sync_app(app), "capabilities_update");
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["modelName"] == "Acme X1");
    CHECK(caps[0]["capabilities"].is_null());
  }

  SECTION("a malformed body is 400 and changes nothing") {
    for (const char* body : {"{not json", "[1,2]", "\"text\"", R"({"connected":"yes"})",
                             R"({"batteryLevel":"high"})"}) {
      INFO("body sent: " << body);
      const auto res = post_state(host, body);
      INFO("answer: " << res.body);
      CHECK(res.status == 400);
      CHECK(res.json()["success"] == false);
      CHECK(res.json()["message"].is_string());
    }
    CHECK(sync_app(app).empty());
  }
}
