// SIGTERM drains the host (protocol.md §10.3): every phone and app socket is closed with 1001
// "Server shutting down" (the phone reconnects elsewhere, SDK 2.1.29 apps end cleanly), and the
// process exits 0 within server.drainTimeoutMs even when a peer never answers.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <future>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";

struct Timed {
  int status;
  std::chrono::milliseconds took;
};

// SIGTERM now; the exit status and how long the host took, once it has exited.
std::future<Timed> stop_async(TestHost& host) {
  return std::async(std::launch::async, [&host] {
    const auto t0 = Clock::now();
    const int status = host.stop(10s);
    return Timed{status, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)};
  });
}

}  // namespace

TEST_CASE("SIGTERM closes the phone and the app with 1001 and the host exits 0", "[shutdown]") {
  TestHost host(app_host_setup({{"server", {{"drainTimeoutMs", 3000}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  auto stopping = stop_async(host);
  const auto phone_closed = phone.expect_closed(5s);
  const auto app_closed = app.expect_closed(5s);
  const auto stopped = stopping.get();

  WARN("drain with answering peers took " << stopped.took.count() << " ms");
  CHECK(phone_closed.code == 1001);
  CHECK(phone_closed.reason == "Server shutting down");
  CHECK(app_closed.code == 1001);
  CHECK(app_closed.reason == "Server shutting down");
  CHECK(stopped.status == 0);
  CHECK(stopped.took < 1500ms);  // nobody made it wait
}

TEST_CASE("A peer that never answers the close holds the exit only until drainTimeoutMs",
          "[shutdown]") {
  constexpr auto kDrain = 800ms;
  TestHost host(app_host_setup({{"server", {{"drainTimeoutMs", kDrain.count()}}}}));
  auto phone = host.connect_phone(kUser);  // never read again: its close is not answered
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);

  auto stopping = stop_async(host);
  const auto app_closed = app.expect_closed(5s);
  const auto stopped = stopping.get();

  WARN("drain with a silent phone took " << stopped.took.count() << " ms (drainTimeoutMs "
                                         << kDrain.count() << ")");
  CHECK(app_closed.code == 1001);
  CHECK(stopped.status == 0);
  CHECK(stopped.took < kDrain + 700ms);
}

TEST_CASE("SIGTERM also closes an app socket that has not sent its init yet", "[shutdown]") {
  TestHost host(app_host_setup({{"server", {{"drainTimeoutMs", 3000}}}}));
  auto phone = host.connect_phone(kUser);
  auto pending = open_app_socket(host.port());
  // Answered, so the host has the socket in hand (the client can see the 101 before that).
  pending.send_json({{"type", "hello"}});
  REQUIRE(pending.read_json()["code"] == "SESSION_NOT_FOUND");

  auto stopping = stop_async(host);
  const auto phone_closed = phone.expect_closed(5s);
  const auto pending_closed = pending.expect_closed(5s);
  const auto stopped = stopping.get();

  WARN("drain with an uninitialized app socket took " << stopped.took.count() << " ms");
  CHECK(phone_closed.code == 1001);
  CHECK(pending_closed.code == 1001);
  CHECK(stopped.status == 0);
  CHECK(stopped.took < 1500ms);
}
