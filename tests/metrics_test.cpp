// An operator scrapes /metrics: valid Prometheus text with the families the issue names, and
// counters that move with traffic, without any user id in a label.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;

namespace {

// Every sample line: name, optional {labels}, one number (Prometheus text format 0.0.4).
bool valid_exposition(const std::string& text, std::string& bad_line) {
  static const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,|))*\})? [-+0-9.eEInfa]+$)");
  static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (!std::regex_match(line, line[0] == '#' ? comment : sample)) {
      bad_line = line;
      return false;
    }
  }
  return true;
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
  std::string bad;
  INFO(res.body);
  CHECK(valid_exposition(res.body, bad));
  INFO("first bad line: " << bad);

  CHECK_THAT(res.body, Contains("glasshub_build_info{"));
  CHECK_THAT(res.body, Contains("glasshub_connections{endpoint=\"glasses\"} 1"));
  CHECK_THAT(res.body, Contains("glasshub_user_sessions 1"));
  CHECK_THAT(res.body, Contains(
      "glasshub_messages_received_total{endpoint=\"glasses\",plugin=\"keepalive\",type=\"ping\"} 2"));
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
