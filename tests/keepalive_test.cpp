// A phone connects to a host that runs only the first-party keepalive plugin: it is
// authenticated by its core token, acknowledged, pinged, answered, and refused when it should be.
#include "support/jwt.hpp"
#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>

#include <catch2/catch.hpp>

#include <ctime>
#include <future>

using namespace glasshub::test;
using Catch::Matchers::Contains;

TEST_CASE("The phone is acknowledged with its token in the header or in the query", "[keepalive]") {
  TestHost host;
  const std::string token = host.token_for("alice@example.com");
  WsClient phone;

  SECTION("Authorization: Bearer") {
    const auto result = phone.connect(host.port(), "/glasses-ws", {bearer(token)});
    REQUIRE(result.upgraded);
  }
  SECTION("?token=") {
    const auto result = phone.connect(host.port(), "/glasses-ws?token=" + token);
    REQUIRE(result.upgraded);
  }

  const auto ack = phone.read_json();
  CHECK(ack["type"] == "connection_ack");
  CHECK(ack["sessionId"] == "alice@example.com");
  CHECK(ack.contains("timestamp"));
}

TEST_CASE("keepalive answers the phone's ping and ignores its pong", "[keepalive]") {
  TestHost host;
  auto phone = host.connect_phone("bob@example.com");

  phone.send_json({{"type", "pong"}});  // silent...
  phone.send_json({{"type", "ping"}});
  // ...so, handled in order, the first reply is the ping's pong.
  const auto reply = phone.next_message(2s);
  REQUIRE(reply.has_value());
  CHECK(*reply == nlohmann::json{{"type", "pong"}});
}

TEST_CASE("The host pings the phone every heartbeat interval", "[keepalive]") {
  HostSetup setup;
  setup.config = {{"websocket", {{"glassesHeartbeatIntervalMs", 100}}}};
  TestHost host(setup);
  auto phone = host.connect_phone("carol@example.com");

  CHECK(phone.read_json(1s) == nlohmann::json{{"type", "ping"}});
  CHECK(phone.read_json(1s) == nlohmann::json{{"type", "ping"}});
}

TEST_CASE("A phone with a bad or missing token is refused with 401", "[keepalive][auth]") {
  TestHost host;
  WsClient phone;
  UpgradeResult result;

  SECTION("token signed with another secret") {
    const auto forged =
        glasshub::core::mint_core_token("mallory@example.com", "not-the-host-secret", 3600);
    result = phone.connect(host.port(), "/glasses-ws", {bearer(forged)});
  }
  SECTION("expired token") {
    const auto expired = sign_hs256(
        {{"email", "alice@example.com"}, {"exp", std::time(nullptr) - 60}}, kJwtSecret);
    result = phone.connect(host.port(), "/glasses-ws", {bearer(expired)});
  }
  // Found by fuzz_jwt: an `exp` that is not an integer used to be skipped (RFC 7519 NumericDate
  // may have a fraction; the reference refuses an `exp` that is not a number).
  SECTION("expired token whose exp has a fraction") {
    const auto expired = sign_hs256(
        {{"email", "alice@example.com"}, {"exp", static_cast<double>(std::time(nullptr)) - 60.5}},
        kJwtSecret);
    result = phone.connect(host.port(), "/glasses-ws", {bearer(expired)});
  }
  SECTION("token whose exp is 0") {
    const auto expired = sign_hs256({{"email", "alice@example.com"}, {"exp", 0}}, kJwtSecret);
    result = phone.connect(host.port(), "/glasses-ws", {bearer(expired)});
  }
  SECTION("token whose exp is not a number") {
    const auto bad = sign_hs256(
        {{"email", "alice@example.com"}, {"exp", std::to_string(std::time(nullptr) + 3600)}},
        kJwtSecret);
    result = phone.connect(host.port(), "/glasses-ws", {bearer(bad)});
  }
  // Found by fuzz_jwt: libjwt reads the algorithm name without case.
  SECTION("token whose alg is spelled Hs256") {
    const auto odd = sign_hs256({{"email", "alice@example.com"}}, kJwtSecret,
                                {{"alg", "Hs256"}, {"typ", "JWT"}});
    result = phone.connect(host.port(), "/glasses-ws", {bearer(odd)});
  }
  SECTION("unsigned token (alg none)") {
    result = phone.connect(host.port(), "/glasses-ws",
                           {bearer(unsigned_token({{"email", "alice@example.com"}}))});
  }
  SECTION("token without an email claim") {
    result = phone.connect(host.port(), "/glasses-ws",
                           {bearer(sign_hs256({{"sub", "alice@example.com"}}, kJwtSecret))});
  }
  SECTION("garbage token") {
    result = phone.connect(host.port(), "/glasses-ws", {bearer("not.a.jwt")});
  }
  SECTION("no token at all") {
    result = phone.connect(host.port(), "/glasses-ws");
  }

  CHECK_FALSE(result.upgraded);
  CHECK(result.status == 401);
  const auto body = nlohmann::json::parse(result.body, nullptr, false);
  INFO("body: " << result.body);
  REQUIRE(body.is_object());
  CHECK(body["type"] == "connection_error");
  CHECK(body["message"].is_string());
}

TEST_CASE("An upgrade on an unknown path is answered 404", "[keepalive]") {
  TestHost host;
  WsClient client;
  const auto result = client.connect(host.port(), "/no-such-socket",
                                     {bearer(host.token_for("alice@example.com"))});
  CHECK_FALSE(result.upgraded);
  CHECK(result.status == 404);
}

TEST_CASE("/health reports connections and messages in the protocol's shape", "[keepalive]") {
  TestHost host;
  auto phone = host.connect_phone("dave@example.com");
  phone.send_json({{"type", "ping"}});
  phone.read_until_type("pong");

  const auto health = host.health();
  INFO(health.dump(2));
  CHECK((health["status"] == "healthy" || health["status"] == "degraded"));
  CHECK(health["connections"]["glassesConnections"] == 1);
  CHECK(health["connections"]["totalSessions"] == 1);
  for (const char* key : {"appConnections", "connectionsLastMinute", "disconnectionsLastMinute"}) {
    CHECK(health["connections"][key].is_number());
  }
  CHECK(health["messages"]["glassesTypes"].is_object());
  CHECK(health["messages"]["appTypes"].is_object());
  for (const char* key : {"processed", "errors", "avgLatencyMs", "p99LatencyMs"}) {
    CHECK(health["messages"][key].is_number());
  }
  CHECK(health["uptime"].is_number());
  CHECK(health["timestamp"].is_string());
}

TEST_CASE("/admin/handlers needs the admin token", "[keepalive][admin]") {
  TestHost host;
  const int without = host.get("/admin/handlers").status;
  const int wrong = host.get("/admin/handlers", {bearer("wrong-token")}).status;
  CHECK((without == 401 || without == 403));
  CHECK((wrong == 401 || wrong == 403));
  const auto handlers = host.admin_handlers();
  CHECK(handlers["abi"]["major"] == 1);
  const auto* keepalive = find_plugin(handlers, "keepalive");
  REQUIRE(keepalive != nullptr);
  CHECK((*keepalive)["loaded"] == true);
  CHECK((*keepalive)["version"].is_string());
  for (const char* endpoint : {"glasses", "app"}) {
    for (const char* type : {"ping", "pong"}) {
      const auto* route = find_route(handlers, endpoint, type);
      REQUIRE(route != nullptr);
      CHECK((*route)["plugin"] == "keepalive");
    }
  }
}

TEST_CASE("SIGTERM closes the phone with 1001 and the host exits 0", "[keepalive][shutdown]") {
  TestHost host;
  auto phone = host.connect_phone("erin@example.com");

  // The host may wait for the phone to answer its close frame: keep reading while it stops.
  auto stopping = std::async(std::launch::async, [&host] { return host.stop(); });
  const auto closed = phone.expect_closed(5s);
  CHECK(closed.code == 1001);
  CHECK(stopping.get() == 0);
}
