// Live reload of timers and limits (docs/configuration.md, "Live reload"): the operator lowers a
// limit or changes a heartbeat in the file, reloads, and the running host applies it to new
// upgrades at once and to open sockets at their next message or timer tick, closing none of them
// itself. Restart-only keys are still refused.
#include "support/apps.hpp"
#include "support/prometheus.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "bob@example.com";

json config_changes(const json& reload_answer) {
  json keys = json::array();
  for (const auto& c : reload_answer["changes"])
    if (c.contains("config")) keys.push_back(c["config"]);
  return keys;
}

// The host's JSON pings the phone gets within `window`.
int phone_pings_within(WsClient& phone, std::chrono::milliseconds window) {
  int pings = 0;
  const auto deadline = Clock::now() + window;
  for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (auto frame = phone.read_frame(std::max(left, std::chrono::milliseconds(1))))
      if (json::parse(frame->data, nullptr, false).value("type", "") == "ping") ++pings;
  }
  return pings;
}

// The protocol pings the app gets within `window` (the client answers each while it reads).
std::size_t app_pings_within(WsClient& app, std::chrono::milliseconds window) {
  const std::size_t before = app.pings_received();
  app.collect_for(window);
  return app.pings_received() - before;
}

// A phone ping padded to `size` bytes.
std::string ping_of_size(std::size_t size) {
  const std::string head = R"({"type":"ping","pad":")", tail = "\"}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

}  // namespace

TEST_CASE("A reload lowers limits.maxConnectionsPerUser and maxConnections: the next upgrade "
          "is refused, the open sockets stay", "[reload][limits]") {
  TestHost host(app_host_setup());
  auto alice = host.connect_phone(kUser);

  const auto answer = host.reconfigure({{"limits", {{"maxConnectionsPerUser", 1}}}});
  CHECK(config_changes(answer) == json::array({"limits.maxConnectionsPerUser"}));
  WsClient second;
  const auto refused =
      second.connect(host.port(), "/glasses-ws", {bearer(host.token_for(kUser))});
  INFO(refused.body);
  CHECK(refused.status == 429);
  CHECK(json::parse(refused.body)["code"] == "TOO_MANY_CONNECTIONS");
  CHECK_THAT(refused.body, Contains("limit 1"));
  sync_phone(alice);

  host.reconfigure({{"limits", {{"maxConnectionsPerUser", 32}, {"maxConnections", 1}}}});
  WsClient bob;
  const auto full = bob.connect(host.port(), "/glasses-ws", {bearer(host.token_for(kOther))});
  CHECK(full.status == 503);
  CHECK(json::parse(full.body)["code"] == "SERVER_FULL");
  sync_phone(alice);

  host.reconfigure({{"limits", {{"maxConnections", 100000}}}});
  auto bob_admitted = host.connect_phone(kOther);
  sync_phone(bob_admitted);
  CHECK(host.metric(rejected_series("user_connection_limit")) == "1");
  CHECK(host.metric(rejected_series("connection_limit")) == "1");
  CHECK(host.metric(R"(glasshub_connections_accepted_total{endpoint="glasses"})") == "2");
  CHECK(alice.is_open());
}

TEST_CASE("A reload lowers limits.messagesPerSecond: an open socket's next messages are held to "
          "the new rate", "[reload][limits]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  send_burst(phone, R"({"type":"ping"})", 12);
  CHECK(of_type(phone.collect_for(500ms), "pong").size() == 12);  // the default 1000/s

  host.reconfigure({{"limits", {{"messagesPerSecond", 5}, {"messageBurst", 10}}}});
  send_burst(phone, R"({"type":"ping"})", 12);
  const auto got = phone.collect_for(1s);
  const auto pongs = of_type(got, "pong").size();
  const int refused = std::stoi(host.metric(rejected_series("glasses_message_rate")));
  CHECK(pongs >= 10);
  CHECK(refused >= 1);
  CHECK(pongs + refused == 12);
  const auto errors = of_type(got, "connection_error");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["code"] == "RATE_LIMITED");
  CHECK_THAT(errors[0]["message"].get<std::string>(), Contains("the limit is 5 per second"));
  CHECK(phone.is_open());
}

TEST_CASE("A reload lowers websocket.maxMessageBytes: a frame that passed before closes the open "
          "socket with 1009", "[reload][limits]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  phone.send_text(ping_of_size(3000));
  CHECK(phone.read_until_type("pong")["type"] == "pong");

  const auto answer = host.reconfigure({{"websocket", {{"maxMessageBytes", 2048}}}});
  CHECK(config_changes(answer) == json::array({"websocket.maxMessageBytes"}));
  sync_phone(phone);  // the reload itself closed nothing
  phone.send_text(ping_of_size(3000));
  CHECK(phone.expect_closed().code == 1009);
  CHECK(host.await_metric(rejected_series("glasses_message_too_big"), "1") == "1");

  auto fresh = host.connect_phone(kOther);  // a socket opened after the reload: the same limit
  fresh.send_text(ping_of_size(2048));
  CHECK(fresh.read_until_type("pong")["type"] == "pong");
  fresh.send_text(ping_of_size(2049));
  CHECK(fresh.expect_closed().code == 1009);
}

TEST_CASE("A reload changes the heartbeats: open sockets follow the new interval from their next "
          "tick, new ones from the start", "[reload][heartbeat]") {
  TestHost host(app_host_setup(
      {{"websocket", {{"glassesHeartbeatIntervalMs", 1000}, {"appPingIntervalMs", 1000}}}}));
  auto phone = host.connect_phone(kUser);

  SECTION("the phone's JSON ping, websocket.glassesHeartbeatIntervalMs") {
    CHECK(phone_pings_within(phone, 1500ms) <= 2);
    host.reconfigure({{"websocket", {{"glassesHeartbeatIntervalMs", 100}}}});
    phone_pings_within(phone, 1000ms);  // the tick armed before the reload runs out
    const int pings = phone_pings_within(phone, 1000ms);
    INFO("JSON pings in 1 s at 100 ms: " << pings);
    CHECK(pings >= 4);  // ~10; timers run late on a loaded machine, never early
    CHECK(pings <= 12);
    auto fresh = host.connect_phone(kOther);
    CHECK(phone_pings_within(fresh, 1000ms) >= 4);
    CHECK(host.metric(R"(glasshub_connections{endpoint="glasses"})") == "2");
  }
  SECTION("the app's protocol ping, websocket.appPingIntervalMs") {
    auto app = ready_app(host, allow_app(phone));
    CHECK(app_pings_within(app, 1500ms) <= 1);
    host.reconfigure({{"websocket", {{"appPingIntervalMs", 100}}}});
    app_pings_within(app, 1000ms);  // the tick armed before the reload runs out
    const auto pings = app_pings_within(app, 1000ms);
    INFO("protocol pings in 1 s at 100 ms: " << pings);
    CHECK(pings >= 3);
    CHECK(app.is_open());  // answered every ping: kept
    CHECK(host.metric(R"(glasshub_connections{endpoint="app"})") == "1");
  }
  CHECK(phone.is_open());
}

TEST_CASE("A reload that turns websocket.pongTimeoutEnabled on closes a phone that had gone "
          "silent, at its next tick", "[reload][heartbeat]") {
  TestHost host(app_host_setup({{"websocket",
                                 {{"glassesHeartbeatIntervalMs", 100},
                                  {"pongTimeoutMs", 300},
                                  {"pongTimeoutEnabled", false}}}}));
  auto phone = host.connect_phone(kUser);  // never answers a ping
  CHECK(phone.collect_for(600ms).empty());
  REQUIRE(phone.is_open());

  const auto reloaded = Clock::now();
  host.reconfigure({{"websocket", {{"pongTimeoutEnabled", true}}}});
  const auto closed = phone.expect_closed(2s);
  CHECK(closed.code == 1001);
  CHECK(closed.reason == "Heartbeat timeout");
  CHECK(Clock::now() - reloaded < 1s);
}

TEST_CASE("Restart-only keys still refuse the reload, naming each", "[reload]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  json config = json::parse(read_file(host.config_path()));
  config["server"]["corsOrigins"] = {"https://ops.example"};
  config["logging"]["format"] = "json";
  config["limits"]["maxConnections"] = 5;  // reloadable, but refused with the rest
  write_file(host.config_path(), config.dump());
  const auto res = host.reload();
  INFO(res.body);
  CHECK(res.status == 422);
  const auto errors = res.json()["errors"];
  CHECK(errors.size() == 2);
  CHECK_THAT(errors.dump(), Contains("server.corsOrigins changed: it takes effect only on a restart"));
  CHECK_THAT(errors.dump(), Contains("logging.format changed: it takes effect only on a restart"));
  sync_phone(phone);
}
