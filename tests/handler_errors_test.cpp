// A plugin's handler throws or returns an error: the host logs and counts it against that plugin,
// the sender's socket stays open and gets nothing back for that message, and other users are not
// affected.
#include "support/apps.hpp"
#include "support/prometheus.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

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

namespace {

// test_faulty beside the app setup (keepalive, device, test_app_starter); no message rate limit
// in the way of a burst (connection_limits_test covers that limit).
HostSetup faulty_app_setup() {
  HostSetup setup = app_host_setup(
      {{"limits", {{"messagesPerSecond", 1000000}, {"messageBurst", 1000000}}}});
  setup.manifest["plugins"].push_back(test_plugin_entry("test_faulty"));
  return setup;
}

// The numbers that follow the `seq` of each message of `type` among `messages`.
std::vector<int> seqs_of(const std::vector<nlohmann::json>& messages, const std::string& type,
                         const char* path) {
  std::vector<int> out;
  for (const auto& m : messages)
    if (m.value("type", "") == type) out.push_back(m[nlohmann::json::json_pointer(path)].get<int>());
  return out;
}

// Everything `phone` receives up to and including its `pongs`-th pong.
std::vector<nlohmann::json> read_through_pongs(WsClient& phone, std::size_t pongs) {
  std::vector<nlohmann::json> out;
  for (std::size_t seen = 0; seen < pongs;) {
    auto m = phone.next_message(5s);
    if (!m) throw TimeoutError(std::to_string(seen) + " of " + std::to_string(pongs) + " pongs");
    if (m->value("type", "") == "pong") ++seen;
    out.push_back(std::move(*m));
  }
  return out;
}

std::vector<int> one_to(int n) {
  std::vector<int> out(n);
  for (int i = 0; i < n; ++i) out[i] = i + 1;
  return out;
}

}  // namespace

TEST_CASE("A handler that fails on every message of a sustained stream costs those messages only",
          "[errors]") {
  // 10 rounds 120 ms apart (over a second): in each, Alice's phone and her app send 200 messages
  // to a failing handler, her phone 25 events her app subscribed to and 5 pings, and Bob's phone
  // 20 echoes and 5 pings.
  constexpr int kRounds = 10, kFailing = 200, kEvents = 25, kPings = 5, kEchoes = 20;
  const std::string failing = GENERATE(as<std::string>{}, "fault_throw", "fault_error");
  INFO("every message to " << failing);
  TestHost host(faulty_app_setup());
  auto alice = host.connect_phone("alice@example.com");
  const std::string sid = allow_app(alice);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"probe_event"});
  auto bob = host.connect_phone("bob@example.com");
  sync_phone(alice);  // what the setup caused is read: from here on every frame is counted
  sync_app(app);
  const auto before = host.health()["messages"];

  const std::string to_app_handler =
      nlohmann::json{{"type", failing}, {"sessionId", sid}, {"n", 1}}.dump();
  int events = 0, echoes = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kFailing; ++i) {
      alice.send_json({{"type", failing}, {"n", i}});
      app.send_text(to_app_handler);
      if (i % (kFailing / kEvents) == 0) alice.send_json({{"type", "probe_event"}, {"seq", ++events}});
      if (i % (kFailing / kPings) == 0) alice.send_json({{"type", "ping"}});
      if (i % (kFailing / kEchoes) == 0) bob.send_json({{"type", "echo"}, {"seq", ++echoes}});
      if (i % (kFailing / kPings) == 1) bob.send_json({{"type", "ping"}});
    }
    std::this_thread::sleep_for(120ms);
  }
  const int failed = 2 * kRounds * kFailing;  // phone and app

  // Nothing of the other families is lost or reordered: the phone's events reach the app, every
  // ping is answered, every echo comes back.
  const auto app_got = sync_app(app);
  CHECK(seqs_of(app_got, "data_stream", "/data/seq") == one_to(events));
  // One more ping each: its pong comes after everything sent before it.
  const std::size_t pongs = kRounds * kPings + 1;
  alice.send_json({{"type", "ping"}});
  bob.send_json({{"type", "ping"}});
  const auto alice_got = read_through_pongs(alice, pongs);
  const auto bob_got = read_through_pongs(bob, pongs);
  CHECK(seqs_of(bob_got, "echo", "/seq") == one_to(echoes));
  CHECK(of_type(bob_got, "pong").size() == pongs);
  // A failed message gets no answer at all (not an error frame each, so no flood back): Alice's
  // phone heard only its pongs, her app only the events.
  CHECK(alice_got.size() == pongs);
  CHECK(app_got.size() == static_cast<std::size_t>(events));
  CHECK(alice.is_open());
  CHECK(app.is_open());

  // Counted exactly, against test_faulty alone.
  const auto metrics = parse_prometheus(host.get("/metrics").body);
  CHECK(metrics.value("glasshub_plugin_handler_errors_total", {{"plugin", "test_faulty"}}) == failed);
  for (const char* other : {"keepalive", "device", "test_app_starter"}) {
    INFO(other);
    CHECK(metrics.value("glasshub_plugin_handler_errors_total", {{"plugin", other}}) == 0);
  }

  // /health tells the truth: the errors, the per-type counts, the rate and the status it implies
  // (protocol.md §12.1: above 10 % unhealthy, answered 503), the connections and sessions.
  const auto res = host.get("/health");
  const auto health = res.json();
  const auto& m = health["messages"];
  CHECK(m["errors"].get<int>() - before["errors"].get<int>() == failed);
  CHECK(m["glassesTypes"][failing] == kRounds * kFailing);
  CHECK(m["appTypes"][failing] == kRounds * kFailing);
  const double rate = m["errors"].get<double>() / m["processed"].get<double>();
  CHECK(rate > 0.10);  // 4000 failures in about 4 600 messages
  CHECK(health["status"] == "unhealthy");
  CHECK(res.status == 503);
  CHECK(health["connections"] == nlohmann::json{{"glassesConnections", 2},
                                                {"appConnections", 1},
                                                {"totalSessions", 2},
                                                {"connectionsLastMinute", 2},
                                                {"disconnectionsLastMinute", 0}});
  // The host is still up and serving new sockets.
  auto carol = host.connect_phone("carol@example.com");
  CHECK(sync_phone(carol).empty());
}

TEST_CASE("A frame that is not a JSON object with a string type gets MALFORMED_MESSAGE and the "
          "socket stays open",
          "[errors]") {
  TestHost host(faulty_app_setup());
  auto alice = host.connect_phone("alice@example.com");
  const std::string sid = allow_app(alice);
  auto app = ready_app(host, sid);
  auto bob = host.connect_phone("bob@example.com");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{not json", "Message is not valid JSON"},
      {"[1,2]", "Message must be a JSON object"},
      {R"({"n":1})", "Message has no \"type\" field"},
      {R"({"type":5})", "Message \"type\" must be a string"}};
  for (const auto& [frame, message] : bad) {
    INFO(frame);
    alice.send_text(frame);
    const auto to_phone = alice.read_until_type("connection_error");
    CHECK(to_phone["code"] == "MALFORMED_MESSAGE");
    CHECK(to_phone["message"] == message);
    app.send_text(frame);
    const auto to_app = app.read_until_type("tpa_connection_error");
    CHECK(to_app["code"] == "MALFORMED_MESSAGE");
    CHECK(to_app["message"] == message);
  }
  // Both sockets still work, Bob heard nothing of it, and each refusal is counted.
  CHECK(sync_phone(alice).empty());
  CHECK(sync_app(app).empty());
  CHECK(sync_phone(bob).empty());
  CHECK(host.metric("glasshub_connections_rejected_total{reason=\"glasses_malformed_message\"}") ==
        "4");
  CHECK(host.metric("glasshub_connections_rejected_total{reason=\"app_malformed_message\"}") ==
        "4");
  CHECK(host.health()["messages"]["errors"] == 0);  // the client's mistake, not a handler's
}
