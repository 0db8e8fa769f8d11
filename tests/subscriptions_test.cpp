// The host's subscription table (protocol.md §7.2, §7.3, §7.6): permissions filter each stream
// and report the rejected ones without touching the rest, an empty list right after a connect is
// ignored, language streams are echoed byte for byte, wildcards see only what the app may see.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

using namespace glasshub::test;

namespace {

const std::string kUser = "alice@example.com";

// kAppPackage registered with `permissions`; `config` on top.
HostSetup host_with_permissions(const nlohmann::json& permissions,
                                const nlohmann::json& config = nlohmann::json::object()) {
  HostSetup setup = app_host_setup(config);
  auto entry = app_registry_entry();
  entry["permissions"] = permissions;
  setup.config["apps"] = nlohmann::json::array({entry});
  return setup;
}

// Sends the update and returns what the host answered before the sync probe.
std::vector<nlohmann::json> update(WsClient& app, const std::string& sid,
                                   const nlohmann::json& streams) {
  app.send_text(nlohmann::json{{"type", "subscription_update"},
                               {"packageName", kAppPackage},
                               {"sessionId", sid},
                               {"subscriptions", streams}}
                    .dump());
  return sync_app(app);
}

// The phone sends `event`; returns the data_stream frames `app` got for it.
std::vector<nlohmann::json> relayed(WsClient& phone, WsClient& app, const nlohmann::json& event) {
  phone.send_json(event);
  sync_phone(phone);
  std::vector<nlohmann::json> out;
  for (auto& m : sync_app(app))
    if (m.value("type", "") == "data_stream") out.push_back(std::move(m));
  return out;
}

}  // namespace

TEST_CASE("An unpermitted stream gets permission_error; the app's other streams still work",
          "[subscriptions][permissions]") {
  TestHost host(host_with_permissions(nlohmann::json::array()));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  const auto answer = update(app, sid, {"button_press", "transcription:en-US", "audio_chunk"});
  REQUIRE(answer.size() == 1);
  const auto& err = answer[0];
  INFO(err.dump());
  CHECK(err["type"] == "permission_error");
  CHECK(err["message"] == "Some subscriptions were rejected due to missing permissions");
  CHECK(err["timestamp"].is_string());
  REQUIRE(err["details"].size() == 2);
  CHECK(err["details"][0]["stream"] == "transcription:en-US");
  CHECK(err["details"][0]["requiredPermission"] == "MICROPHONE");
  CHECK(err["details"][0]["message"] ==
        "To subscribe to transcription:en-US, add the MICROPHONE permission in the developer "
        "console");
  CHECK(err["details"][1]["stream"] == "audio_chunk");

  const auto got = relayed(phone, app, {{"type", "button_press"}, {"buttonId", "camera"}});
  REQUIRE(got.size() == 1);
  CHECK(got[0]["streamType"] == "button_press");
  // The rejected stream is really not subscribed.
  CHECK(relayed(phone, app, {{"type", "transcription:en-US"}, {"text", "x"}}).empty());
  CHECK(app.is_open());
}

TEST_CASE("A wildcard subscriber sees only the streams its permissions allow",
          "[subscriptions][permissions]") {
  TestHost host(host_with_permissions(nlohmann::json::array({"LOCATION"})));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  CHECK(update(app, sid, {"*"}).empty());  // a wildcard itself needs nothing

  CHECK(relayed(phone, app, {{"type", "VAD"}, {"status", true}}).empty());  // MICROPHONE
  CHECK(relayed(phone, app, {{"type", "phone_notification"}, {"title", "t"}}).empty());
  const auto loc = relayed(phone, app, {{"type", "location_update"}, {"lat", 1}, {"lng", 2}});
  REQUIRE(loc.size() == 1);
  CHECK(loc[0]["streamType"] == "location_update");
  CHECK(relayed(phone, app, {{"type", "head_position"}, {"position", "up"}}).size() == 1);
}

TEST_CASE("Permission ALL and legacy NOTIFICATIONS grant their streams", "[subscriptions]") {
  SECTION("ALL") {
    TestHost host(host_with_permissions({"ALL"}));
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    CHECK(update(app, sid, {"audio_chunk", "calendar_event", "photo_taken"}).empty());
  }
  SECTION("NOTIFICATIONS") {
    TestHost host(host_with_permissions({"NOTIFICATIONS"}));
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    CHECK(update(app, sid, {"phone_notification"}).empty());
    const auto denied = update(app, sid, {"calendar_event"});
    REQUIRE(denied.size() == 1);
    CHECK(denied[0]["details"][0]["requiredPermission"] == "CALENDAR");
  }
}

TEST_CASE("An empty list within app.subscriptionGraceMs of the connect is ignored",
          "[subscriptions][grace]") {
  SECTION("inside the grace: the earlier list stays") {
    TestHost host(host_with_permissions({"MICROPHONE"}, {{"app", {{"subscriptionGraceMs", 60000}}}}));
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    update(app, sid, {"x_event"});
    update(app, sid, nlohmann::json::array());
    CHECK(relayed(phone, app, {{"type", "x_event"}}).size() == 1);
    update(app, sid, {"y_event"});  // a non-empty list always replaces
    CHECK(relayed(phone, app, {{"type", "x_event"}}).empty());
  }
  SECTION("after the grace: the empty list applies") {
    TestHost host(host_with_permissions({"MICROPHONE"}, {{"app", {{"subscriptionGraceMs", 0}}}}));
    auto phone = host.connect_phone(kUser);
    const auto sid = allow_app(phone);
    auto app = connect_app(host.port(), sid);
    update(app, sid, {"x_event"});
    update(app, sid, nlohmann::json::array());
    CHECK(relayed(phone, app, {{"type", "x_event"}}).empty());
  }
}

TEST_CASE("Language streams are echoed as the app wrote them; bare transcription means en-US",
          "[subscriptions][language]") {
  TestHost host(host_with_permissions({"MICROPHONE"}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  // An event published on "transcription:en-US" (the phone type stands in for a publisher).
  const nlohmann::json event = {{"type", "transcription:en-US"}, {"text", "hi"}};

  const std::string with_options = "transcription:en-US?no-language-identification=true&hints=ja-JP%2Cko-KR";
  update(app, sid, {with_options});
  auto got = relayed(phone, app, event);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["streamType"] == with_options);

  update(app, sid, {"transcription"});
  got = relayed(phone, app, event);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["streamType"] == "transcription:en-US");

  update(app, sid, {"transcription:fr-FR"});  // another language: not this event
  CHECK(relayed(phone, app, event).empty());
}

TEST_CASE("Objects in the list count by their stream; other shapes are ignored",
          "[subscriptions]") {
  TestHost host(host_with_permissions({"LOCATION"}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  CHECK(update(app, sid,
               nlohmann::json::array({{{"stream", "location_stream"}, {"rate", "high"}}, 42,
                                      nullptr, {{"no_stream", true}}}))
            .empty());
  const auto got = relayed(phone, app, {{"type", "location_update"}, {"lat", 1}, {"lng", 2}});
  REQUIRE(got.size() == 1);
  CHECK(got[0]["streamType"] == "location_update");
}
