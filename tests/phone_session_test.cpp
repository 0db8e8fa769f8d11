// The user session outlives its phone socket (protocol.md §5.4): a phone that comes back within
// session.gracePeriodMs finds the same session and its apps never notice; after it the session
// is disposed and every app hears app_stopped and 1000 "User session ended"; a newer phone
// socket replaces the older one without ending anything.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";

nlohmann::json with_grace(int grace_ms, bool cleanup = true) {
  return {{"session", {{"gracePeriodMs", grace_ms}, {"gracePeriodCleanupEnabled", cleanup}}}};
}

// The phone's event reaches the app as a data_stream of the app's session.
void expect_relayed(WsClient& phone, WsClient& app, const std::string& session_id, int n) {
  const nlohmann::json event = {{"type", "my_event"}, {"n", n}};
  phone.send_json(event);
  const auto relayed = app.read_until_type("data_stream");
  CHECK(relayed["sessionId"] == session_id);
  CHECK(relayed["streamType"] == "my_event");
  CHECK(relayed["data"] == event);
}

}  // namespace

TEST_CASE("A phone that reconnects within the grace period resumes its session unnoticed",
          "[session]") {
  TestHost host(app_host_setup(with_grace(600)));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  phone.close();
  std::this_thread::sleep_for(200ms);
  auto phone2 = host.connect_phone(kUser);  // connection_ack again, same session

  // Well past the deadline the first close had set: the app heard nothing and stays connected.
  const auto heard = app.collect_for(900ms);
  INFO("the app heard: " << nlohmann::json(heard).dump());
  CHECK(heard.empty());
  REQUIRE(app.is_open());

  // Same session: the app's subscription is still in place, and its session id still valid.
  expect_relayed(phone2, app, sid, 1);
  CHECK(host.health()["connections"]["totalSessions"] == 1);
}

TEST_CASE("After the grace period the session is disposed and a reconnect starts a new one",
          "[session]") {
  TestHost host(app_host_setup(with_grace(300)));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  const auto closed_at = Clock::now();
  phone.close();

  // protocol.md §5.4: app_stopped, then close 1000 "User session ended"; no earlier than grace.
  const auto stopped = app.next_message(3s);
  const auto waited = Clock::now() - closed_at;
  REQUIRE(stopped.has_value());
  CHECK((*stopped)["type"] == "app_stopped");
  CHECK((*stopped)["timestamp"].is_string());
  CHECK(waited >= 250ms);
  const auto closed = app.expect_closed(2s);
  CHECK(closed.code == 1000);
  CHECK(closed.reason == "User session ended");

  auto phone2 = host.connect_phone(kUser);

  SECTION("the old session id no longer inits") {
    auto stale = open_app_socket(host.port());
    stale.send_json(app_init(sid));
    const auto error = stale.read_json();
    CHECK(error["type"] == "tpa_connection_error");
    CHECK(error["code"] == "SESSION_NOT_FOUND");
    CHECK(error["message"] == "Session not found");
    const auto refused = stale.expect_closed();
    CHECK(refused.code == 1008);
    CHECK(refused.reason == "Session not found");
  }

  SECTION("allowed again, the app starts from nothing in the new session") {
    const auto sid2 = allow_app(phone2);
    CHECK(sid2 == sid);  // the same string, issued anew
    auto app2 = connect_app(host.port(), sid2);
    phone2.send_json({{"type", "my_event"}, {"n", 2}});
    sync_phone(phone2);
    const auto heard = sync_app(app2);
    INFO("the app heard: " << nlohmann::json(heard).dump());
    CHECK(heard.empty());  // the old session's subscription went with it
  }
}

TEST_CASE("A newer phone socket replaces the older one without ending the session",
          "[session]") {
  TestHost host(app_host_setup(with_grace(300)));
  auto phone1 = host.connect_phone(kUser);
  const auto sid = allow_app(phone1);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  auto phone2 = host.connect_phone(kUser);
  const auto replaced = phone1.expect_closed();
  CHECK(replaced.code == 1000);
  CHECK(replaced.reason == "Replaced by a newer connection");

  // Had the old socket's close counted, the session would be disposed by now.
  const auto heard = app.collect_for(800ms);
  INFO("the app heard: " << nlohmann::json(heard).dump());
  CHECK(heard.empty());
  REQUIRE(app.is_open());
  expect_relayed(phone2, app, sid, 1);

  const auto health = host.health();
  CHECK(health["connections"]["glassesConnections"] == 1);
  CHECK(health["connections"]["totalSessions"] == 1);
}

TEST_CASE("With gracePeriodCleanupEnabled=false the session is never disposed", "[session]") {
  TestHost host(app_host_setup(with_grace(200, false)));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"my_event"});

  phone.close();
  const auto heard = app.collect_for(800ms);  // four grace periods
  INFO("the app heard: " << nlohmann::json(heard).dump());
  CHECK(heard.empty());
  REQUIRE(app.is_open());

  // The session id is still valid, and the phone finds the same session when it returns.
  auto app2 = connect_app(host.port(), sid);
  CHECK(app.expect_closed().code == 1000);  // replaced by app2
  auto phone2 = host.connect_phone(kUser);
  expect_relayed(phone2, app2, sid, 1);
  CHECK(host.health()["connections"]["totalSessions"] == 1);
}
