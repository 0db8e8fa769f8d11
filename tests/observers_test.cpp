// Several plugins may see one message type (ABI 1.1 observers): the owner keeps owning it, an
// observer runs after it, the manifest can switch an observer off, and a type nobody owns is
// still relayed to subscribed apps. Plugin events reach the other plugins.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

using namespace glasshub::test;

namespace {

const std::string kUser = "alice@example.com";

HostSetup observer_setup(const nlohmann::json& observer_entry) {
  HostSetup setup = app_host_setup();
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"),
                                test_plugin_entry("test_app_starter"), observer_entry});
  return setup;
}

// Everything the phone heard up to the answer of a sync ping.
std::vector<nlohmann::json> phone_heard(WsClient& phone) { return sync_phone(phone); }

bool has(const std::vector<nlohmann::json>& ms, const nlohmann::json& want) {
  for (const auto& m : ms) {
    bool all = true;
    for (const auto& [k, v] : want.items()) all = all && m.contains(k) && m[k] == v;
    if (all) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("An observer sees a type another plugin owns; the owner still relays it",
          "[observers]") {
  TestHost host(observer_setup(test_plugin_entry("test_observer")));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"button_press", "unowned_event"});

  phone.send_json({{"type", "button_press"}, {"buttonId", "camera"}, {"pressType", "short"}});
  const auto heard = phone_heard(phone);
  CHECK(has(heard, {{"type", "observed"}, {"seen", "button_press"}}));
  const auto relayed = app.read_until_type("data_stream");
  CHECK(relayed["streamType"] == "button_press");  // device, the owner, relayed it

  // Nobody owns this type: the host's relay still runs, and the observer too.
  phone.send_json({{"type", "unowned_event"}, {"x", 1}});
  CHECK(has(phone_heard(phone), {{"type", "observed"}, {"seen", "unowned_event"}}));
  CHECK(app.read_until_type("data_stream")["streamType"] == "unowned_event");

  // The admin view tells owners from observers.
  const auto handlers = host.admin_handlers();
  const auto* plugin = find_plugin(handlers, "test_observer");
  REQUIRE(plugin != nullptr);
  bool listed = false;
  for (const auto& h : (*plugin)["handlers"])
    listed = listed || (h["type"] == "button_press" && h["role"] == "observer");
  CHECK(listed);
}

TEST_CASE("disabledHandlers switches an observer off", "[observers][manifest]") {
  auto entry = test_plugin_entry("test_observer");
  entry["disabledHandlers"] = {"glasses:button_press"};
  TestHost host(observer_setup(entry));
  auto phone = host.connect_phone(kUser);
  phone.send_json({{"type", "button_press"}, {"buttonId", "camera"}, {"pressType", "short"}});
  phone.send_json({{"type", "unowned_event"}});
  const auto heard = phone_heard(phone);
  CHECK_FALSE(has(heard, {{"type", "observed"}, {"seen", "button_press"}}));
  CHECK(has(heard, {{"type", "observed"}, {"seen", "unowned_event"}}));
}

TEST_CASE("A plugin event reaches the other plugins with its data", "[observers][events]") {
  TestHost host(observer_setup(test_plugin_entry("test_observer")));
  auto phone = host.connect_phone(kUser);
  // device emits device.state whenever the glasses' state changes.
  phone.send_json({{"type", "glasses_connection_state"},
                   {"status", "CONNECTED"},
                   {"modelName", "Simulated Glasses"}});
  const auto event = phone.read_until_type("event_seen");
  CHECK(event["topic"] == "device.state");
  CHECK(event["data"]["connected"] == true);
  CHECK(event["data"]["modelName"] == "Simulated Glasses");
}
