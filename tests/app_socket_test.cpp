// An app server on /app-ws (protocol.md §1 G7–G9, G15; §4.2; §5.5): its init is acknowledged
// or refused with the exact error and close the SDK expects, it is kept alive with protocol
// pings, it subscribes and receives the phone's events, and its subscriptions survive a short
// drop.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOtherPackage = "com.example.other";
const std::string kOtherKey = "other-key";

// kAppPackage and kOtherPackage registered; `config` on top.
HostSetup two_apps(const nlohmann::json& config = nlohmann::json::object()) {
  HostSetup setup = app_host_setup(config);
  setup.config["apps"].push_back(app_registry_entry(kOtherPackage, kOtherKey));
  return setup;
}

struct Refusal {
  std::string code, message, reason;
};

// The first thing the app hears is the error, then the close: 1008 with `reason`.
void expect_refused(WsClient& app, const Refusal& want) {
  const auto error = app.read_json();
  INFO("error: " << error.dump());
  CHECK(error["type"] == "tpa_connection_error");
  CHECK(error["code"] == want.code);
  if (!want.message.empty()) {
    CHECK(error["message"] == want.message);
  } else {
    CHECK_FALSE(error["message"].get<std::string>().empty());
  }
  CHECK(error["timestamp"].is_string());
  const auto closed = app.expect_closed();
  CHECK(closed.code == 1008);
  CHECK(closed.reason == want.reason);
}

// The phone's `event` reaches `app`, with the app's session id and the event verbatim.
nlohmann::json expect_relayed(WsClient& phone, WsClient& app, const nlohmann::json& event) {
  phone.send_json(event);
  auto relayed = app.read_until_type("data_stream");
  CHECK(relayed["data"] == event);
  return relayed;
}

// Nothing of what the phone sent so far reached `app`.
void expect_nothing_relayed(WsClient& phone, WsClient& app) {
  sync_phone(phone);
  const auto heard = sync_app(app);
  INFO("the app heard: " << nlohmann::json(heard).dump());
  CHECK(heard.empty());
}

}  // namespace

TEST_CASE("A valid init is acknowledged, then the device state follows", "[app]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  CHECK(sid == kUser + "-" + kAppPackage);

  auto app = open_app_socket(host.port());
  app.send_json(app_init(sid));
  const auto ack = app.read_json();
  INFO("ack: " << ack.dump());
  CHECK(ack["type"] == "tpa_connection_ack");
  CHECK(ack["sessionId"] == sid);
  CHECK(ack["settings"].is_array());
  CHECK(ack["mentraosSettings"].is_object());
  REQUIRE(ack.contains("capabilities"));
  CHECK(ack["capabilities"].is_null());
  CHECK(ack["timestamp"].is_string());

  const auto state = app.read_json();
  INFO("state: " << state.dump());
  CHECK(state["type"] == "device_state_update");
  CHECK(state["fullSnapshot"] == true);
  CHECK(state["state"].is_object());
  CHECK(app.is_open());
}

TEST_CASE("A refused init gets the reference's error code, message and close", "[app]") {
  TestHost host(two_apps());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const std::string other_sid = kUser + "-" + kOtherPackage;  // never allowed

  struct Case {
    const char* what;
    nlohmann::json init;
    Refusal want;
  };
  const Refusal bad_key{"INVALID_API_KEY", "Invalid API key", "Invalid API key"};
  const Refusal no_session{"SESSION_NOT_FOUND", "Session not found", "Session not found"};
  const Refusal malformed{"MALFORMED_MESSAGE", "", "Invalid session ID format"};
  auto without = [](nlohmann::json j, const char* key) {
    j.erase(key);
    return j;
  };
  const std::vector<Case> cases = {
      {"wrong api key", app_init(sid, kAppPackage, "wrong-key"), bad_key},
      {"another app's api key", app_init(sid, kAppPackage, kOtherKey), bad_key},
      {"no api key", without(app_init(sid), "apiKey"), bad_key},
      {"unregistered package", app_init(kUser + "-com.unknown.app", "com.unknown.app"), bad_key},
      {"session id never issued", app_init(other_sid, kOtherPackage, kOtherKey), no_session},
      {"session id of another package", app_init(sid, kOtherPackage, kOtherKey), no_session},
      {"session id of another user", app_init("bob@example.com-" + std::string(kAppPackage)),
       no_session},
      {"session id with a different case",
       app_init("Alice@example.com-" + std::string(kAppPackage)), no_session},
      {"no sessionId", without(app_init(sid), "sessionId"), malformed},
      {"no packageName", without(app_init(sid), "packageName"), malformed},
      {"sessionId not a string", [&] {
         auto j = app_init(sid);
         j["sessionId"] = 42;
         return j;
       }(), malformed},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.init.dump());
    auto app = open_app_socket(host.port());
    app.send_json(c.init);
    expect_refused(app, c.want);
  }

  // None of that disturbed the real app.
  auto app = connect_app(host.port(), sid);
  CHECK(app.is_open());
}

TEST_CASE("An init for a user session that has ended is refused SESSION_NOT_FOUND", "[app]") {
  TestHost host(app_host_setup({{"session", {{"gracePeriodMs", 200}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  phone.close();
  std::this_thread::sleep_for(600ms);

  auto app = open_app_socket(host.port());
  app.send_json(app_init(sid));
  expect_refused(app, {"SESSION_NOT_FOUND", "Session not found", "Session not found"});
}

TEST_CASE("Anything before the init is answered SESSION_NOT_FOUND and the socket stays open",
          "[app]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = open_app_socket(host.port());

  app.send_text(subscription_update(sid, {"my_event"}));
  CHECK(app.read_json()["code"] == "SESSION_NOT_FOUND");
  app.send_binary(std::string(64, '\x01'));
  CHECK(app.read_json()["code"] == "SESSION_NOT_FOUND");
  app.send_text("not json at all");
  const auto error = app.read_json();
  CHECK(error["type"] == "tpa_connection_error");
  CHECK(error["code"] == "SESSION_NOT_FOUND");
  CHECK(error["timestamp"].is_string());
  REQUIRE(app.is_open());

  // Still open, and the init that follows works; the early subscription was not applied.
  app.send_json(app_init(sid));
  CHECK(app.read_json()["type"] == "tpa_connection_ack");
  CHECK(app.read_json()["type"] == "device_state_update");
  phone.send_json({{"type", "my_event"}});
  expect_nothing_relayed(phone, app);
}

TEST_CASE("An app socket that does not init within app.sessionTimeoutMs is closed 1008",
          "[app][timeout]") {
  TestHost host(app_host_setup({{"app", {{"sessionTimeoutMs", 300}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);

  const auto opened_at = Clock::now();
  auto idle = open_app_socket(host.port());
  auto ready = connect_app(host.port(), sid);
  idle.send_json({{"type", "subscription_update"}});  // not an init: does not count
  CHECK(idle.read_json()["code"] == "SESSION_NOT_FOUND");

  const auto closed = idle.expect_closed(2s);
  const auto after = Clock::now() - opened_at;
  CHECK(closed.code == 1008);
  CHECK(closed.reason == "Connection initialization timeout");
  CHECK(after >= 250ms);
  CHECK(after < 1500ms);

  // The initialized socket is not affected by the timer.
  CHECK(ready.collect_for(300ms).empty());
  CHECK(ready.is_open());
  // /health counts the phone and the initialized app only: the idle socket never joined a
  // session, and its refusals are no handler errors.
  const auto health = host.health();
  CHECK(health["connections"]["glassesConnections"] == 1);
  CHECK(health["connections"]["appConnections"] == 1);
  CHECK(health["connections"]["totalSessions"] == 1);
  CHECK(health["messages"]["errors"] == 0);
  CHECK(health["status"] == "healthy");
}

TEST_CASE("The host keeps apps alive with protocol pings, never JSON pings", "[app][keepalive]") {
  TestHost host(app_host_setup({{"websocket", {{"appPingIntervalMs", 150}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  std::vector<WsFrame> frames;
  const auto deadline = Clock::now() + 1000ms;
  while (Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (auto frame = app.read_frame(std::max(left, 1ms))) frames.push_back(*frame);
  }
  for (const auto& f : frames) {
    INFO("frame: " << f.data);
    CHECK_THAT(f.data, !Contains("\"ping\""));
  }
  INFO("protocol pings in 1 s at a 150 ms interval: " << app.pings_received());
  CHECK(app.pings_received() >= 3);
  CHECK(app.pings_received() <= 10);
  CHECK(app.is_open());  // the client answered every ping, so the host kept the socket
}

TEST_CASE("subscription_update replaces the list; the phone's events arrive as data_stream",
          "[app][routing]") {
  // No subscription grace, so that an empty list applies at once (subscriptions_test covers it).
  TestHost host(app_host_setup({{"app", {{"subscriptionGraceMs", 0}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  SECTION("full replace, exact type, original bytes verbatim") {
    subscribe(app, sid, {"x_event", "y_event"});
    subscribe(app, sid, {"y_event"});
    phone.send_json({{"type", "x_event"}});
    // Odd spacing, key order and escapes: the relay must splice these bytes, not re-serialize.
    const std::string original = R"({ "n":1,"type" : "y_event","s":"caf\u00e9 \/" })";
    phone.send_text(original);
    const auto frame = app.read_frame(2s);
    REQUIRE(frame.has_value());
    INFO("relayed: " << frame->data);
    const auto relayed = nlohmann::json::parse(frame->data);
    CHECK(relayed["type"] == "data_stream");
    CHECK(relayed["sessionId"] == sid);
    CHECK(relayed["streamType"] == "y_event");  // so x_event was not relayed before it
    CHECK(relayed["data"] == nlohmann::json::parse(original));
    CHECK(relayed["timestamp"].is_string());
    CHECK_THAT(frame->data, Contains(R"("data":)" + original));
  }

  SECTION("`*` and `all` take every type, under the event's own streamType") {
    for (const char* wildcard : {"*", "all"}) {
      INFO("subscribed to " << wildcard);
      subscribe(app, sid, {wildcard});
      const auto relayed = expect_relayed(phone, app, {{"type", "any_event"}, {"w", wildcard}});
      CHECK(relayed["streamType"] == "any_event");
    }
  }

  SECTION("an empty list stops everything") {
    subscribe(app, sid, {"x_event"});
    subscribe(app, sid, {});
    phone.send_json({{"type", "x_event"}});
    expect_nothing_relayed(phone, app);
  }
}

TEST_CASE("An app message nobody handles gets UNSUPPORTED_MESSAGE_TYPE; the socket stays open",
          "[app][routing]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  app.send_json({{"type", "no_such_message"}, {"sessionId", sid}});
  const auto error = app.read_json();
  CHECK(error["type"] == "tpa_connection_error");
  CHECK(error["code"] == "UNSUPPORTED_MESSAGE_TYPE");
  CHECK_THAT(error["message"].get<std::string>(), Contains("no_such_message"));
  CHECK(app.collect_for(200ms).empty());  // no close follows
  CHECK(app.is_open());
  subscribe(app, sid, {"my_event"});
  expect_relayed(phone, app, {{"type", "my_event"}});
}

TEST_CASE("A second init on a live app socket gets ALREADY_INITIALIZED; the binding stays",
          "[app]") {
  TestHost host(two_apps());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOtherPackage);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  SECTION("the same session again") { app.send_json(app_init(sid)); }
  SECTION("another package's session, with its key") {
    app.send_json(app_init(other_sid, kOtherPackage, kOtherKey));
  }
  const auto error = expect_app_error(app, "ALREADY_INITIALIZED");
  CHECK(is_iso_ms(error["timestamp"]));
  CHECK(app.collect_for(200ms).empty());  // no second ack, no close
  REQUIRE(app.is_open());
  expect_relayed(phone, app, {{"type", "my_event"}});  // still the first session's socket
  CHECK(host.metric("glasshub_connections_rejected_total{reason=\"app_already_initialized\"}") ==
        "1");
  CHECK(host.health()["connections"]["appConnections"] == 1);
}

TEST_CASE("An app that drops keeps its subscriptions for app.gracePeriodMs", "[app][grace]") {
  TestHost host(app_host_setup({{"app", {{"gracePeriodMs", 600}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  SECTION("a reconnect within it resumes them") {
    { WsClient dropped = std::move(app); }  // the TCP connection just goes away (1006)
    std::this_thread::sleep_for(150ms);
    auto again = connect_app(host.port(), sid);  // a fresh init, no new subscription_update
    expect_relayed(phone, again, {{"type", "my_event"}, {"n", 1}});
  }

  SECTION("after it they are gone") {
    app.close(1000);
    std::this_thread::sleep_for(900ms);
    auto again = connect_app(host.port(), sid);
    phone.send_json({{"type", "my_event"}, {"n", 2}});
    expect_nothing_relayed(phone, again);
  }
}

TEST_CASE("The close of an app socket replaced by a newer one is ignored", "[app][grace]") {
  TestHost host(app_host_setup({{"app", {{"gracePeriodMs", 300}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto first = connect_app(host.port(), sid);
  subscribe(first, sid, {"my_event"});

  auto second = connect_app(host.port(), sid);
  const auto closed = first.expect_closed();
  INFO("the replaced socket was closed with " << closed.code << " " << closed.reason);
  CHECK(closed.code == 1000);

  // Had that close counted, the app would have lost its socket and, after the grace period,
  // its subscriptions.
  std::this_thread::sleep_for(600ms);
  expect_relayed(phone, second, {{"type", "my_event"}});
  CHECK(second.is_open());
}

TEST_CASE("A user whose email contains dashes gets a working app session", "[app]") {
  const std::string user = "a-b@x-y.com";
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(user);
  const auto sid = allow_app(phone);
  CHECK(sid == "a-b@x-y.com-com.example.app");

  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});
  const auto relayed = expect_relayed(phone, app, {{"type", "my_event"}});
  CHECK(relayed["sessionId"] == sid);
}
