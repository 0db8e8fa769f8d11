// Phone liveness on the host's side (protocol.md §10.1 "Pong timeout"): with
// websocket.pongTimeoutEnabled a phone that has sent nothing for pongTimeoutMs is closed with
// 1001 "Heartbeat timeout"; disabled (the default, as the 2026-03 reference), a silent phone
// stays. websocket.tcpUserTimeoutMs bounds how long a vanished peer can hold a socket.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPongTimeout = 500ms;

HostSetup with_pong_timeout(bool enabled) {
  HostSetup setup;
  setup.config = {{"websocket",
                   {{"pongTimeoutEnabled", enabled},
                    {"pongTimeoutMs", kPongTimeout.count()},
                    {"glassesHeartbeatIntervalMs", 100}}}};
  return setup;
}

}  // namespace

TEST_CASE("With the pong timeout on, a silent phone is closed with 1001 'Heartbeat timeout'",
          "[heartbeat]") {
  TestHost host(with_pong_timeout(true));
  const auto t0 = Clock::now();
  auto phone = host.connect_phone("alice@example.com");  // then never answers a ping

  const auto closed = phone.expect_closed(3s);
  const auto after = Clock::now() - t0;
  INFO("closed after " << std::chrono::duration_cast<std::chrono::milliseconds>(after).count()
                       << " ms");
  CHECK(closed.code == 1001);
  CHECK(closed.reason == "Heartbeat timeout");
  CHECK(after >= kPongTimeout - 50ms);
  CHECK(after < kPongTimeout + 1000ms);
}

TEST_CASE("With the pong timeout on, a phone that answers stays connected", "[heartbeat]") {
  TestHost host(with_pong_timeout(true));
  auto phone = host.connect_phone("bob@example.com");

  const auto until = Clock::now() + 3 * kPongTimeout;
  while (Clock::now() < until) {
    phone.send_json({{"type", "pong"}});  // what the phone answers to each ping
    CHECK(phone.collect_for(150ms).empty());
    REQUIRE(phone.is_open());
  }
  phone.send_json({{"type", "ping"}});
  CHECK(phone.read_until_type("pong")["type"] == "pong");
}

TEST_CASE("With the pong timeout off, a silent phone stays connected past it", "[heartbeat]") {
  TestHost host(with_pong_timeout(false));
  auto phone = host.connect_phone("carol@example.com");

  // Read (the pings arrive) but never answer, for three pong timeouts.
  const auto heard = phone.collect_for(3 * kPongTimeout);
  CHECK(heard.empty());
  REQUIRE(phone.is_open());
  phone.send_json({{"type", "ping"}});
  CHECK(phone.read_until_type("pong")["type"] == "pong");
}

TEST_CASE("websocket.tcpUserTimeoutMs is a known key with a 10 s default", "[heartbeat][config]") {
  HostSetup setup;
  setup.config = {{"websocket", {{"tcpUserTimeoutMs", 2500}}}};
  HostFiles files(setup);
  auto command = files.command();

  SECTION("set in the file") {
    command.push_back("--print-config");
    const auto run = run_process(command, 10s);
    INFO("stderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(nlohmann::json::parse(run.out)["websocket"]["tcpUserTimeoutMs"] == 2500);
  }
  SECTION("the default") {
    const auto run = run_process({glasshub_bin().string(), "--print-config"}, 10s);
    INFO("stderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(nlohmann::json::parse(run.out)["websocket"]["tcpUserTimeoutMs"] == 10000);
  }
  SECTION("a host runs with it") {
    TestHost host(setup);
    auto phone = host.connect_phone("dave@example.com");
    phone.send_json({{"type", "ping"}});
    CHECK(phone.read_until_type("pong")["type"] == "pong");
  }
  SECTION("a wrong type is refused at start") {
    HostSetup bad;
    bad.config = {{"websocket", {{"tcpUserTimeoutMs", "soon"}}}};
    const auto run = run_host_to_exit(bad);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Contains("websocket.tcpUserTimeoutMs"));
  }
}
