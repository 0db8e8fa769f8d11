// A plugin's handler throws or returns an error: the host logs and counts it against that plugin,
// the sender's socket stays open and gets nothing back for that message, and other users are not
// affected.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

using namespace glasshub::test;

TEST_CASE("A failing handler costs one message, not the connection", "[errors]") {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_faulty")});
  TestHost host(setup);
  auto alice = host.connect_phone("alice@example.com");
  auto bob = host.connect_phone("bob@example.com");

  alice.send_json({{"type", "fault_throw"}});
  alice.send_json({{"type", "fault_error"}});
  const nlohmann::json echo = {{"type", "echo"}, {"from", "alice"}, {"n", 3}};
  alice.send_json(echo);

  // Messages of one user are handled in order: the two failures answered nothing, so the next
  // thing Alice hears is her echo.
  const auto reply = alice.next_message(2s);
  REQUIRE(reply.has_value());
  CHECK(*reply == echo);
  CHECK(alice.is_open());

  const nlohmann::json bob_echo = {{"type", "echo"}, {"from", "bob"}};
  bob.send_json(bob_echo);
  const auto bob_reply = bob.next_message(2s);
  REQUIRE(bob_reply.has_value());
  CHECK(*bob_reply == bob_echo);

  SECTION("the failures are counted against test_faulty") {
    const auto handlers = host.admin_handlers();
    const auto* faulty = find_plugin(handlers, "test_faulty");
    REQUIRE(faulty != nullptr);
    CHECK((*faulty)["errors"] == 2);
    const auto* keepalive = find_plugin(handlers, "keepalive");
    REQUIRE(keepalive != nullptr);
    CHECK((*keepalive)["errors"] == 0);
  }

  SECTION("/health counts them, and 2 errors in 4 messages make the host unhealthy") {
    // protocol.md §12.1: error rate > 10 % is "unhealthy", answered 503.
    const auto res = host.get("/health");
    CHECK(res.status == 503);
    const auto health = res.json();
    CHECK(health["status"] == "unhealthy");
    CHECK(health["messages"]["errors"] == 2);
    CHECK(health["messages"]["processed"].get<double>() >= 2);
    CHECK(health["messages"]["glassesTypes"]["fault_throw"] == 1);
    CHECK(health["messages"]["glassesTypes"]["fault_error"] == 1);
    CHECK(health["connections"]["glassesConnections"] == 2);
  }

  SECTION("Alice keeps working after the failures") {
    alice.send_json({{"type", "ping"}});
    CHECK(alice.read_until_type("pong")["type"] == "pong");
  }
}
