// What the network and a stopping host can do to a session (docs/robustness.md, Faults): a TCP
// reset in the middle of a message, a hundred users dropping and reconnecting at once, a late
// app frame after its session was disposed, SIGTERM in the middle of traffic. In each, nothing
// the protocol promises is lost, no disposed session comes back, and /health counts exactly.
#include "support/apps.hpp"
#include "support/health.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "bob@example.com";

void expect_relayed(WsClient& phone, WsClient& app, const json& event) {
  phone.send_json(event);
  const auto relayed = app.read_until_type("data_stream", 3s);
  CHECK(relayed["data"] == event);
}

// /health's connection counts.
void expect_counts(const TestHost& host, int phones, int apps, int sessions) {
  const auto connections = host.health()["connections"];
  INFO(connections.dump());
  CHECK(connections["glassesConnections"] == phones);
  CHECK(connections["appConnections"] == apps);
  CHECK(connections["totalSessions"] == sessions);
}

// The first half of one masked frame of `text`: a message cut by the network.
std::string half_frame(const std::string& text) {
  const std::string frame = client_frame(text);
  return frame.substr(0, frame.size() / 2);
}

struct User {
  std::string email, sid;
  WsClient phone, app;
};

}  // namespace

TEST_CASE("A phone reset in the middle of a message: the half is never relayed, the session "
          "waits out its grace, the phone resumes it", "[faults]") {
  TestHost host(app_host_setup());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"my_event"});
  auto bob = host.connect_phone(kOther);

  phone.send_raw(half_frame(json{{"type", "my_event"}, {"cut", std::string(2000, 'x')}}.dump()));
  phone.reset();
  await_connections(host, 1, 1);
  expect_counts(host, 1, 1, 2);
  CHECK(host.metric("glasshub_disconnects_total{endpoint=\"glasses\",code=\"1006\"}") == "1");
  const auto heard = sync_app(app);
  INFO("the app heard: " << json(heard).dump());
  CHECK(heard.empty());
  sync_phone(bob);

  auto again = host.connect_phone(kUser);
  expect_relayed(again, app, {{"type", "my_event"}, {"n", 1}});  // same session, same subscription
  expect_counts(host, 2, 1, 2);
}

TEST_CASE("An app reset in the middle of a message keeps its subscriptions for its grace",
          "[faults]") {
  TestHost host(app_host_setup({{"app", {{"gracePeriodMs", 5000}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"my_event"});

  app.send_raw(half_frame(subscription_update(sid, {})));  // would have unsubscribed
  app.reset();
  await_connections(host, 1, 0);
  expect_counts(host, 1, 0, 1);
  CHECK(host.metric("glasshub_disconnects_total{endpoint=\"app\",code=\"1006\"}") == "1");

  auto again = connect_app(host.port(), sid);  // a fresh init, no subscription_update
  expect_relayed(phone, again, {{"type", "my_event"}, {"n", 1}});
  expect_counts(host, 1, 1, 1);
}

TEST_CASE("A reconnect storm: 100 users drop phone and app at once and come back; every "
          "session and subscription survives, every event after it arrives", "[faults][storm]") {
  constexpr int kUsers = 100;
  constexpr int kThreads = 4;
  TestHost host(app_host_setup({{"app", {{"gracePeriodMs", 30000}}}}));
  std::vector<User> users(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    User& u = users[i];
    u.email = "user" + std::to_string(i) + "@example.com";
    u.phone = host.connect_phone(u.email);
    u.sid = allow_app(u.phone);
    u.app = ready_app(host, u.sid);
    subscribe(u.app, u.sid, {"my_event"});
  }
  expect_counts(host, kUsers, kUsers, kUsers);

  // All at once: half of the sockets just vanish (RST), the other half end with a FIN.
  for (int i = 0; i < kUsers; ++i) {
    if (i % 2) {
      users[i].phone.reset();
      users[i].app.reset();
    } else {
      { WsClient gone = std::move(users[i].phone); }
      { WsClient gone = std::move(users[i].app); }
    }
  }
  await_connections(host, 0, 0);
  expect_counts(host, 0, 0, kUsers);

  // And back, from several threads at once: each thread its own users.
  std::vector<std::future<void>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t] {
      for (int i = t; i < kUsers; i += kThreads) {
        users[i].phone = host.connect_phone(users[i].email);
        users[i].app = connect_app(host.port(), users[i].sid);  // the old session id still inits
      }
    }));
  }
  for (auto& w : workers) w.get();
  expect_counts(host, kUsers, kUsers, kUsers);

  for (int i = 0; i < kUsers; ++i)
    users[i].phone.send_json({{"type", "my_event"}, {"user", i}});
  int delivered = 0;
  for (int i = 0; i < kUsers; ++i) {
    const auto relayed = users[i].app.read_until_type("data_stream", 5s);
    delivered += relayed["data"]["user"] == i;
  }
  CHECK(delivered == kUsers);
  CHECK(host.metric("glasshub_user_sessions") == std::to_string(kUsers));
}

TEST_CASE("A late app frame and close after its session was disposed bring nothing back",
          "[faults]") {
  TestHost host(app_host_setup({{"session", {{"gracePeriodMs", 300}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"my_event"});

  phone.close();
  CHECK(app.read_until_type("app_stopped", 3s)["type"] == "app_stopped");
  // The host is closing this socket; before answering, the app still talks to the old session.
  app.send_text(subscription_update(sid, {"my_event", "other_event"}));
  app.send_json({{"type", "display_event"}, {"packageName", kAppPackage}, {"sessionId", sid}});
  app.send_text(sync_probe());
  const auto closed = app.expect_closed(3s);
  CHECK(closed.code == 1000);
  CHECK(closed.reason == "User session ended");
  await_connections(host, 0, 0);
  expect_counts(host, 0, 0, 0);  // and /health answers 200: the late frames were no errors
  CHECK(host.metric("glasshub_user_sessions") == "0");
  CHECK(host.health()["messages"]["errors"] == 0);

  // The user comes back to a new session: the old session id is gone, nothing is subscribed.
  auto phone2 = host.connect_phone(kUser);
  auto stale = open_app_socket(host.port());
  stale.send_json(app_init(sid));
  CHECK(expect_app_error(stale, "SESSION_NOT_FOUND")["message"] == "Session not found");
  const auto sid2 = allow_app(phone2);
  auto app2 = ready_app(host, sid2);
  phone2.send_json({{"type", "my_event"}});
  sync_phone(phone2);
  const auto heard = sync_app(app2);
  INFO("the app heard: " << json(heard).dump());
  CHECK(heard.empty());
  expect_counts(host, 1, 1, 1);
}

TEST_CASE("SIGTERM in the middle of traffic: the app gets every event in order up to its close "
          "1001, none after a gap", "[faults][shutdown]") {
  TestHost host(app_host_setup({{"server", {{"drainTimeoutMs", 2000}}}}));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"my_event"});

  // The phone sends numbered events (under the default message rate) until the app was closed.
  std::atomic<int> sent{0};
  std::atomic<bool> app_closed{false};
  auto sender = std::async(std::launch::async, [&] {
    try {
      for (int n = 0; n < 100000 && !app_closed; ++n) {
        phone.send_json({{"type", "my_event"}, {"n", n}});
        sent = n + 1;
        std::this_thread::sleep_for(2ms);
      }
    } catch (const std::exception&) {  // the host closed the connection: the end of traffic
    }
  });
  std::vector<int> received;
  while (received.size() < 50) {
    const auto m = app.next_message(3s);
    REQUIRE(m.has_value());
    if ((*m)["type"] == "data_stream") received.push_back((*m)["data"]["n"].get<int>());
  }
  auto stopping = std::async(std::launch::async, [&host] { return host.stop(10s); });
  try {
    while (true) {
      const auto m = app.next_message(5s);
      REQUIRE(m.has_value());
      if ((*m)["type"] == "data_stream") received.push_back((*m)["data"]["n"].get<int>());
    }
  } catch (const ClosedError&) {
  }
  const auto closed = app.expect_closed();
  app_closed = true;
  sender.get();
  CHECK(phone.expect_closed().code == 1001);  // read (and answered) while the host drains
  CHECK(stopping.get() == 0);

  CHECK(closed.code == 1001);
  CHECK(closed.reason == "Server shutting down");
  bool contiguous = true;
  for (std::size_t i = 0; i < received.size(); ++i) contiguous = contiguous && received[i] == int(i);
  INFO("received " << received.size() << " of " << sent.load() << " sent");
  CHECK(contiguous);
  CHECK(static_cast<int>(received.size()) <= sent.load());
}
