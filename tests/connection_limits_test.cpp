// What one client may take (limits.*, docs/configuration.md): sockets in total, phone sockets per
// user, new upgrades per second (each refused before the upgrade with 503/429 and a JSON body of
// the endpoint's error shape), and messages per second per socket (the excess dropped with one
// RATE_LIMITED error a second, a flood closed 1008). Every refusal is counted; nobody else notices.
#include "support/apps.hpp"
#include "support/prometheus.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "bob@example.com";

UpgradeResult try_phone(const TestHost& host, WsClient& client, const std::string& email) {
  return client.connect(host.port(), "/glasses-ws", {bearer(host.token_for(email))});
}

// A refused upgrade: the status, and a body of `type` with `code`.
void check_refusal(const UpgradeResult& result, int status, const std::string& type,
                   const std::string& code) {
  INFO(result.body);
  CHECK_FALSE(result.upgraded);
  CHECK(result.status == status);
  const json body = json::parse(result.body);
  CHECK(body["type"] == type);
  CHECK(body["code"] == code);
  CHECK(body["message"].is_string());
  CHECK(is_iso_ms(body["timestamp"]));
}

// The seat of a closed socket comes back once the host has let go of it: retry for a while.
WsClient phone_once_admitted(const TestHost& host, const std::string& email) {
  const auto deadline = Clock::now() + 3s;
  while (true) {
    WsClient client;
    const auto result = try_phone(host, client, email);
    if (result.upgraded) {
      client.read_until_type("connection_ack");
      return client;
    }
    if (Clock::now() > deadline)
      throw std::runtime_error("still refused after 3 s: " + std::to_string(result.status));
    std::this_thread::sleep_for(50ms);
  }
}

int count_of(const std::vector<json>& messages, const std::string& type,
             const std::string& code = {}) {
  int n = 0;
  for (const auto& m : messages)
    if (m.value("type", "") == type && (code.empty() || m.value("code", "") == code)) ++n;
  return n;
}

}  // namespace

TEST_CASE("Sockets beyond limits.maxConnections get 503 before the upgrade; a freed seat is "
          "taken again", "[limits]") {
  TestHost host(app_host_setup({{"limits", {{"maxConnections", 2}}}}));
  auto alice = host.connect_phone(kUser);
  auto pending_app = open_app_socket(host.port());

  WsClient bob;
  check_refusal(try_phone(host, bob, kOther), 503, "connection_error", "SERVER_FULL");
  WsClient app;
  check_refusal(app.connect(host.port(), "/app-ws"), 503, "tpa_connection_error", "SERVER_FULL");
  sync_phone(alice);  // the admitted are untouched
  CHECK(host.metric(rejected_series("connection_limit")) == "2");

  pending_app.close();
  auto admitted = phone_once_admitted(host, kOther);
  sync_phone(admitted);
  CHECK(host.health()["connections"]["glassesConnections"] == 2);
}

TEST_CASE("A user's phone sockets beyond limits.maxConnectionsPerUser get 429; other users "
          "are untouched", "[limits]") {
  TestHost host(app_host_setup({{"limits", {{"maxConnectionsPerUser", 2}}}}));
  // The second replaces the first, which stays open until it answers the host's close.
  auto first = host.connect_phone(kUser);
  auto second = host.connect_phone(kUser);

  WsClient third;
  check_refusal(try_phone(host, third, kUser), 429, "connection_error", "TOO_MANY_CONNECTIONS");
  auto bob = host.connect_phone(kOther);
  sync_phone(bob);
  sync_phone(second);
  CHECK(host.metric(rejected_series("user_connection_limit")) == "1");

  CHECK(first.expect_closed().code == 1000);  // answered: the user's seat comes back
  auto again = phone_once_admitted(host, kUser);
  sync_phone(again);
}

TEST_CASE("Upgrades beyond limits.newConnectionsPerSecond get 429 until the bucket refills",
          "[limits]") {
  TestHost host(app_host_setup(
      {{"limits", {{"newConnectionsPerSecond", 1}, {"newConnectionsBurst", 3}}}}));
  std::vector<WsClient> apps;
  for (int i = 0; i < 3; ++i) apps.push_back(open_app_socket(host.port()));  // the burst

  WsClient app;
  check_refusal(app.connect(host.port(), "/app-ws"), 429, "tpa_connection_error", "RATE_LIMITED");
  WsClient phone;
  check_refusal(try_phone(host, phone, kUser), 429, "connection_error", "RATE_LIMITED");
  CHECK(host.metric(rejected_series("connection_rate")) == "2");

  std::this_thread::sleep_for(1100ms);  // one token back
  auto later = phone_once_admitted(host, kUser);
  sync_phone(later);
}

TEST_CASE("A phone over limits.messagesPerSecond: the excess is dropped with one RATE_LIMITED "
          "error, a flood is closed 1008", "[limits]") {
  TestHost host(app_host_setup({{"limits", {{"messagesPerSecond", 5}, {"messageBurst", 10}}}}));
  auto phone = host.connect_phone(kUser);
  auto bob = host.connect_phone(kOther);

  send_burst(phone, R"({"type":"ping"})", 12);  // 10 within the burst, 2 over it
  const auto got = phone.collect_for(1s);
  const int pongs = count_of(got, "pong");
  const int refused = std::stoi(host.metric(rejected_series("glasses_message_rate")));
  CHECK(pongs >= 10);
  CHECK(pongs + refused == 12);  // a token may come back during the burst, never more
  CHECK(count_of(got, "connection_error", "RATE_LIMITED") == 1);
  sync_phone(bob);

  send_burst(phone, R"({"type":"ping"})", 30);  // refusing a whole burst within a second
  const auto closed = phone.expect_closed(3s);
  CHECK(closed.code == 1008);
  CHECK(closed.reason == "Message rate limit exceeded");
  sync_phone(bob);
}

TEST_CASE("An app over limits.messagesPerSecond: the excess is dropped with one RATE_LIMITED "
          "tpa_connection_error, a flood is closed 1008", "[limits]") {
  TestHost host(app_host_setup({{"limits", {{"messagesPerSecond", 5}, {"messageBurst", 10}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);  // its init and the ready sync used 2 tokens
  std::this_thread::sleep_for(500ms);  // and they are back

  send_burst(app, sync_probe(), 12);
  const auto got = app.collect_for(1s);
  const int answered = count_of(got, "tpa_connection_error", "UNSUPPORTED_MESSAGE_TYPE");
  const int refused = std::stoi(host.metric(rejected_series("app_message_rate")));
  CHECK(answered >= 10);
  CHECK(answered + refused == 12);
  CHECK(count_of(got, "tpa_connection_error", "RATE_LIMITED") == 1);

  send_burst(app, sync_probe(), 30);
  CHECK(app.expect_closed(3s).code == 1008);
  sync_phone(phone);
}

TEST_CASE("limits.* are read from the configuration and printed by --print-config", "[limits]") {
  HostSetup setup;
  setup.config = {{"limits", {{"maxConnections", 7}, {"messagesPerSecond", 0}}}};
  HostFiles files(setup);
  auto command = files.command();
  command.push_back("--print-config");
  const auto run = run_process(command, 10s);
  REQUIRE(run.exit_code == 0);
  const json limits = json::parse(run.out)["limits"];
  CHECK(limits["maxConnections"] == 7);
  CHECK(limits["messagesPerSecond"] == 0);
  CHECK(limits["maxConnectionsPerUser"] == 32);
  CHECK(limits["newConnectionsPerSecond"] == 2000);

  HostSetup bad;
  bad.config = {{"limits", {{"messageBurst", 0}}}};
  const auto refused = run_host_to_exit(bad);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("limits.messageBurst") != std::string::npos);
}
