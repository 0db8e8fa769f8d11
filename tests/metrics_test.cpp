// An operator watches the host (protocol.md §12): /health in the target shape after a scripted
// session, /metrics as strict Prometheus text with the families the issue names (optionally on an
// internal port), counters that move with traffic, and never a user, session or app id as a label.
#include "support/apps.hpp"
#include "support/prometheus.hpp"
#include "support/test_host.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// The app host of tests/support/apps plus test_faulty (echo, slow, fault_error).
HostSetup session_setup() {
  HostSetup setup = app_host_setup();
  setup.manifest["plugins"].push_back(test_plugin_entry("test_faulty"));
  return setup;
}

// Sends `message`, then waits until the phone's sync ping is answered: `message` was handled.
void send_and_sync(WsClient& phone, const json& message, int& pings) {
  phone.send_json(message);
  sync_phone(phone);
  ++pings;
}

// A free TCP port on 127.0.0.1 (bound, then released).
uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_CASE("/metrics is Prometheus text that counts what happened", "[metrics]") {
  TestHost host;
  auto phone = host.connect_phone("metrics.user@example.com");
  phone.send_json({{"type", "ping"}});
  phone.read_until_type("pong");
  phone.send_json({{"type", "ping"}});
  phone.read_until_type("pong");

  const auto res = host.get("/metrics");
  REQUIRE(res.status == 200);
  INFO(res.body);
  CHECK_NOTHROW(parse_prometheus(res.body));

  CHECK_THAT(res.body, Contains("glasshub_build_info{"));
  CHECK_THAT(res.body, Contains("glasshub_connections{endpoint=\"glasses\"} 1"));
  CHECK_THAT(res.body, Contains("glasshub_user_sessions 1"));
  CHECK_THAT(res.body, Contains(
      "glasshub_messages_handled_total{endpoint=\"glasses\",plugin=\"keepalive\",type=\"ping\"} 2"));
  CHECK_THAT(res.body, Contains("glasshub_plugin_handler_seconds_count{plugin=\"keepalive\"} 2"));
  CHECK_THAT(res.body, Contains("glasshub_plugin_keepalive_pings_answered_total 2"));
  CHECK_THAT(res.body, Contains("glasshub_plugin_info{plugin=\"keepalive\""));
  CHECK_THAT(res.body, Contains("glasshub_messages_dropped_total{reason="));
  CHECK_THAT(res.body, Contains("# TYPE glasshub_disconnects_total counter"));
  CHECK(res.body.find("metrics.user") == std::string::npos);  // no user id as a label
}

TEST_CASE("/metrics counts refused connections and disconnects by close code", "[metrics]") {
  TestHost host;
  {
    WsClient bad;
    CHECK_FALSE(bad.connect(host.port(), "/glasses-ws?token=nope").upgraded);
  }
  {
    auto phone = host.connect_phone("leaver@example.com");
    phone.close(1000);
  }
  // The close is processed asynchronously; poll briefly.
  std::string body;
  for (int i = 0; i < 50; ++i) {
    body = host.get("/metrics").body;
    if (body.find("glasshub_disconnects_total{endpoint=\"glasses\",code=\"1000\"} 1") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK_THAT(body, Contains("glasshub_connections_rejected_total{reason=\"auth\"} 1"));
  CHECK_THAT(body, Contains("glasshub_disconnects_total{endpoint=\"glasses\",code=\"1000\"} 1"));
}

TEST_CASE("Every kind of refused input is counted under its own reason", "[metrics]") {
  HostSetup setup = app_host_setup();
  setup.manifest["plugins"].push_back(product_plugin_entry("settings"));
  TestHost host(setup);
  auto phone = host.connect_phone("alice@example.com");
  const auto sid = allow_app(phone);
  const std::string settings = "/api/client/user/settings";
  {
    WsClient nowhere;
    CHECK(nowhere.connect(host.port(), "/nowhere-ws").status == 404);
  }
  auto early = open_app_socket(host.port());
  early.send_json({{"type", "subscription_update"}});
  CHECK(early.read_json()["code"] == "SESSION_NOT_FOUND");
  early.send_json(app_init(sid, kAppPackage, "wrong-key"));
  CHECK(early.read_json()["code"] == "INVALID_API_KEY");
  auto app = connect_app(host.port(), sid);
  app.send_text("[1,2]");
  CHECK(app.read_json()["code"] == "MALFORMED_MESSAGE");
  app.send_json(app_init(sid));
  CHECK(app.read_json()["code"] == "ALREADY_INITIALIZED");
  app.send_text(subscription_update(sid, {"location_update"}));  // needs LOCATION
  CHECK(app.read_json()["type"] == "permission_error");
  phone.send_text("{\"no\":\"type\"}");
  CHECK(phone.read_until_type("connection_error")["code"] == "MALFORMED_MESSAGE");
  CHECK(host.get("/admin/handlers", {bearer("wrong")}).status == 401);
  CHECK(host.get("/no/such/route").status == 404);
  CHECK(host.get(settings).status == 401);
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(http_post(host.port(), settings, deep, {bearer(host.token_for("alice@example.com"))})
            .status == 400);
  CHECK(http_post(host.port(), settings, "{", {bearer(host.token_for("alice@example.com"))})
            .status == 400);

  for (const char* reason :
       {"path", "app_not_initialized", "app_INVALID_API_KEY", "app_malformed_message",
        "app_already_initialized", "app_permission_denied", "glasses_malformed_message",
        "admin_auth", "http_not_found", "http_auth", "http_nested_too_deeply",
        "http_plugin_4xx"}) {
    INFO(reason);
    CHECK(host.metric("glasshub_connections_rejected_total{reason=\"" + std::string(reason) +
                      "\"}") == "1");
  }
}

TEST_CASE("/health has exactly the fields of protocol.md §12.1, right after a scripted session",
          "[health]") {
  TestHost host(session_setup());
  auto phone = host.connect_phone("alice@example.com");
  int pings = 0;
  const std::string session_id = allow_app(phone);  // test_allow_app
  auto app = connect_app(host.port(), session_id);
  app.send_text(subscription_update(session_id, {"button_press"}));
  app.send_json({{"type", "bogus_type"}});
  const auto refusal = expect_app_error(app, "UNSUPPORTED_MESSAGE_TYPE");
  CHECK(refusal["correlationId"].is_string());  // errors carry the message's id
  for (int i = 0; i < 3; ++i) {
    sync_phone(phone);
    ++pings;
  }
  for (int i = 0; i < 2; ++i) {
    phone.send_json({{"type", "echo"}, {"n", i}});
    phone.read_until_type("echo");
  }
  send_and_sync(phone, {{"type", "slow"}}, pings);                  // 50 ms in its handler
  send_and_sync(phone, {{"type", "glasses_custom_thing"}}, pings);  // nobody owns it: relayed

  auto res = host.get("/health");
  auto health = res.json();
  INFO(health.dump(2));
  CHECK(res.status == 200);
  CHECK(health["status"] == "healthy");

  // One failure in 14 handled messages (7 %): degraded, still 200.
  send_and_sync(phone, {{"type", "fault_error"}}, pings);
  res = host.get("/health");
  health = res.json();
  INFO(health.dump(2));
  CHECK(res.status == 200);
  CHECK(health["status"] == "degraded");

  CHECK(keys_of(health) ==
        std::set<std::string>{"status", "connections", "messages", "uptime", "timestamp"});
  CHECK(keys_of(health["connections"]) ==
        std::set<std::string>{"glassesConnections", "appConnections", "totalSessions",
                              "connectionsLastMinute", "disconnectionsLastMinute"});
  CHECK(keys_of(health["messages"]) ==
        std::set<std::string>{"glassesTypes", "appTypes", "processed", "errors", "avgLatencyMs",
                              "p99LatencyMs"});
  CHECK(health["connections"] == json{{"glassesConnections", 1},
                                      {"appConnections", 1},
                                      {"totalSessions", 1},
                                      {"connectionsLastMinute", 1},
                                      {"disconnectionsLastMinute", 0}});
  CHECK(pings == 6);
  CHECK(health["messages"]["glassesTypes"] == json{{"test_allow_app", 1},
                                                   {"ping", pings},
                                                   {"echo", 2},
                                                   {"slow", 1},
                                                   {"glasses_custom_thing", 1},
                                                   {"fault_error", 1}});
  CHECK(health["messages"]["appTypes"] == json{{"subscription_update", 1}, {"bogus_type", 1}});
  CHECK(health["messages"]["processed"] == 14);
  CHECK(health["messages"]["errors"] == 1);
  // n < 100 latencies: p99 is the largest, the 50 ms handler; the mean spreads it over 14.
  const double p99 = health["messages"]["p99LatencyMs"].get<double>();
  const double avg = health["messages"]["avgLatencyMs"].get<double>();
  CHECK(p99 >= 50.0);
  CHECK(p99 < 1000.0);
  CHECK(avg >= 50.0 / 14);
  CHECK(avg < p99);
  CHECK(std::abs(avg * 100 - std::round(avg * 100)) < 1e-6);  // two decimals
  CHECK(health["uptime"].is_number());
  CHECK(health["uptime"].get<double>() >= 0);
  CHECK(is_iso_ms(health["timestamp"]));

  // Two more failures: 3 in 17 (18 %) is unhealthy, answered 503 with the same body shape.
  phone.send_json({{"type", "fault_error"}});
  send_and_sync(phone, {{"type", "fault_error"}}, pings);
  res = host.get("/health");
  health = res.json();
  CHECK(res.status == 503);
  CHECK(health["status"] == "unhealthy");
  CHECK(health["messages"]["processed"] == 17);
  CHECK(health["messages"]["errors"] == 3);

  // The phone leaves: one disconnect in the last minute, the session lives on in its grace.
  phone.close(1000);
  for (int i = 0; i < 100 && host.get("/health").json()["connections"]["glassesConnections"] != 0;
       ++i)
    std::this_thread::sleep_for(20ms);
  health = host.get("/health").json();
  CHECK(health["connections"]["glassesConnections"] == 0);
  CHECK(health["connections"]["disconnectionsLastMinute"] == 1);
  CHECK(health["connections"]["totalSessions"] == 1);
}

TEST_CASE("/metrics is strict Prometheus text with every family, and no id as a label",
          "[metrics]") {
  TestHost host(session_setup());
  auto phone = host.connect_phone("alice@example.com");
  auto other = host.connect_phone("bob@example.com");
  int pings = 0;
  const std::string session_id = allow_app(phone);
  auto app = connect_app(host.port(), session_id);
  app.send_json({{"type", "bogus_type"}});
  app.read_until_type("tpa_connection_error");
  phone.send_json({{"type", "echo"}});
  phone.read_until_type("echo");
  send_and_sync(phone, {{"type", "fault_error"}}, pings);
  send_and_sync(phone, {{"type", "slow"}}, pings);
  other.close(1000);
  {
    WsClient refused;
    CHECK_FALSE(refused.connect(host.port(), "/glasses-ws?token=nope").upgraded);
  }
  for (int i = 0; i < 100 && host.get("/health").json()["connections"]["glassesConnections"] != 1;
       ++i)
    std::this_thread::sleep_for(20ms);

  const auto res = host.get("/metrics");
  REQUIRE(res.status == 200);
  CHECK_THAT(res.headers.at("content-type"), Contains("text/plain; version=0.0.4"));
  INFO(res.body);
  Exposition m;
  REQUIRE_NOTHROW(m = parse_prometheus(res.body));

  const std::map<std::string, std::string> families = {
      {"glasshub_build_info", "gauge"},
      {"glasshub_uptime_seconds", "gauge"},
      {"glasshub_user_sessions", "gauge"},
      {"glasshub_connections", "gauge"},
      {"glasshub_connections_accepted_total", "counter"},
      {"glasshub_connections_rejected_total", "counter"},
      {"glasshub_messages_received_total", "counter"},
      {"glasshub_messages_sent_total", "counter"},
      {"glasshub_received_bytes_total", "counter"},
      {"glasshub_sent_bytes_total", "counter"},
      {"glasshub_messages_handled_total", "counter"},
      {"glasshub_messages_dropped_total", "counter"},
      {"glasshub_disconnects_total", "counter"},
      {"glasshub_send_queue_bytes", "gauge"},
      {"glasshub_plugin_info", "gauge"},
      {"glasshub_plugin_handler_errors_total", "counter"},
      {"glasshub_plugin_handler_seconds", "histogram"}};
  for (const auto& [name, type] : families) {
    INFO(name);
    CHECK(m.types.count(name) == 1);
    if (m.types.count(name)) CHECK(m.types.at(name) == type);
  }

  CHECK(m.value("glasshub_connections", {{"endpoint", "glasses"}}) == 1);
  CHECK(m.value("glasshub_connections", {{"endpoint", "app"}}) == 1);
  CHECK(m.value("glasshub_user_sessions") == 2);
  CHECK(m.value("glasshub_connections_accepted_total", {{"endpoint", "glasses"}}) == 2);
  CHECK(m.value("glasshub_connections_rejected_total", {{"reason", "auth"}}) == 1);
  CHECK(m.value("glasshub_disconnects_total", {{"endpoint", "glasses"}, {"code", "1000"}}) == 1);
  // Received and sent by the catalog's family and type; types outside the catalog are folded.
  CHECK(m.value("glasshub_messages_received_total",
                {{"endpoint", "glasses"}, {"family", "connection"}, {"type", "ping"}}) == pings);
  CHECK(m.value("glasshub_messages_received_total",
                {{"endpoint", "glasses"}, {"family", "unknown"}, {"type", "other"}}) ==
        4);  // test_allow_app, echo, fault_error, slow
  CHECK(m.value("glasshub_messages_received_total",
                {{"endpoint", "app"}, {"family", "unknown"}, {"type", "other"}}) == 1);
  CHECK(m.value("glasshub_messages_sent_total",
                {{"endpoint", "glasses"}, {"family", "connection"}, {"type", "connection_ack"}}) ==
        2);
  CHECK(m.value("glasshub_messages_sent_total",
                {{"endpoint", "glasses"}, {"family", "connection"}, {"type", "pong"}}) == pings);
  CHECK(m.value("glasshub_messages_sent_total", {{"endpoint", "app"},
                                                 {"family", "connection"},
                                                 {"type", "tpa_connection_ack"}}) == 1);
  CHECK(m.value("glasshub_messages_sent_total", {{"endpoint", "app"},
                                                 {"family", "connection"},
                                                 {"type", "tpa_connection_error"}}) == 1);
  CHECK(m.value("glasshub_messages_sent_total",
                {{"endpoint", "app"}, {"family", "device"}, {"type", "device_state_update"}}) >= 1);
  CHECK(m.value("glasshub_received_bytes_total", {{"endpoint", "glasses"}}) > 0);
  CHECK(m.value("glasshub_sent_bytes_total", {{"endpoint", "app"}}) > 0);
  CHECK(m.value("glasshub_messages_handled_total",
                {{"endpoint", "glasses"}, {"plugin", "test_faulty"}, {"type", "echo"}}) == 1);
  CHECK(m.value("glasshub_plugin_handler_errors_total", {{"plugin", "test_faulty"}}) == 1);
  CHECK(m.value("glasshub_plugin_handler_seconds_count", {{"plugin", "test_faulty"}}) == 3);
  CHECK(m.value("glasshub_plugin_handler_seconds_bucket", {{"plugin", "test_faulty"}, {"le", "0.025"}}) <= 2);
  CHECK(m.value("glasshub_plugin_handler_seconds_sum", {{"plugin", "test_faulty"}}) >= 0.05);
  CHECK(m.value("glasshub_messages_dropped_total", {{"reason", "queue_full"}}) == 0);
  CHECK(m.value("glasshub_send_queue_bytes") >= 0);
  CHECK(m.value("glasshub_plugin_info", {{"plugin", "test_faulty"},
                                         {"version", "0.1.0"},
                                         {"enabled", "true"},
                                         {"loaded", "true"}}) == 1);

  // Operators aggregate over labels: never a user, session or app id among them.
  for (const auto& s : m.samples)
    for (const auto& [key, value] : s.labels) {
      INFO(s.name << " " << key << "=" << value);
      CHECK(value.find("example.com") == std::string::npos);
      CHECK(value.find(session_id) == std::string::npos);
      CHECK(value.find(kAppPackage) == std::string::npos);
      CHECK(key != "user");
    }
}

TEST_CASE("server.metricsPort serves /metrics on an internal port, and only there", "[metrics]") {
  const uint16_t internal = free_port();
  HostSetup setup;
  setup.config = {{"server", {{"metricsPort", internal}}}};
  TestHost host(setup);
  CHECK_THAT(host.output(), Contains("glasshub metrics on 127.0.0.1:" + std::to_string(internal)));

  const auto scraped = http_get(internal, "/metrics");
  CHECK(scraped.status == 200);
  CHECK_NOTHROW(parse_prometheus(scraped.body));
  CHECK_THAT(scraped.body, Contains("glasshub_build_info{"));
  // The internal port answers nothing else, and the public one no longer has /metrics.
  CHECK(http_get(internal, "/health").status == 404);
  CHECK(host.get("/metrics").status == 404);
  CHECK(host.get("/health").status == 200);
}
