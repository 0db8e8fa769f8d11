// An operator reads the logs: one JSON line per event with the same context fields, one
// correlation id per message through every line and error frame it causes (and no other), and
// log levels per plugin, set in the config and changed at runtime through the admin API.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// keepalive and test_faulty (whose echo logs "echo debug" and "echo info" through the SDK).
HostSetup logging_setup(const json& logging) {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_faulty")});
  setup.config = {{"logging", logging}};
  return setup;
}

// The host's JSON log lines (stderr), parsed.
std::vector<json> log_lines(const TestHost& host) {
  std::vector<json> out;
  std::istringstream in(host.output());
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

// Log lines that mention `text` anywhere, polled until `count` of them are there (the send line
// may be written just after the client got the frame) or 3 s passed.
std::vector<json> lines_with(const TestHost& host, const std::string& text, size_t count) {
  std::vector<json> found;
  for (int i = 0; i < 150; ++i) {
    found.clear();
    for (auto& line : log_lines(host))
      if (line.dump().find(text) != std::string::npos) found.push_back(line);
    if (found.size() >= count) break;
    std::this_thread::sleep_for(20ms);
  }
  return found;
}

// "event: msg" of each line, for failure messages.
std::string events_of(const std::vector<json>& lines) {
  std::string out;
  for (const auto& l : lines) out += l.value("event", "") + ": " + l.value("msg", "") + "\n";
  return out;
}

}  // namespace

TEST_CASE("One correlation id follows a message through receive, handler and send, and no further",
          "[logging][correlation]") {
  TestHost host(logging_setup({{"level", "debug"}, {"format", "json"}}));
  auto phone = host.connect_phone("carol@example.com");
  phone.send_json({{"type", "echo"}, {"tag", "first"}});
  phone.read_until_type("echo");
  phone.send_json({{"type", "echo"}, {"tag", "second"}});
  phone.read_until_type("echo");

  // The receive lines of the two echoes carry two different ids.
  std::vector<std::string> ids;
  for (int i = 0; i < 100 && ids.size() < 2; ++i) {
    ids.clear();
    for (const auto& line : log_lines(host))
      if (line.value("event", "") == "receive" && line.value("msg", "").find("glasses echo") == 0)
        ids.push_back(line.value("correlationId", ""));
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(ids.size() == 2);
  CHECK(ids[0] != ids[1]);
  CHECK(std::regex_match(ids[0], std::regex(R"(carol@ex-[0-9a-z]+-[0-9a-z]{6})")));

  for (const auto& id : ids) {
    const auto lines = lines_with(host, id, 4);
    INFO(id << ":\n" << events_of(lines));
    // Exactly these, in this order: nothing else mentions the id.
    REQUIRE(lines.size() == 4);
    CHECK(lines[0]["event"] == "receive");
    CHECK(lines[1]["event"] == "plugin_log");
    CHECK(lines[1]["msg"] == "echo debug");
    CHECK(lines[1]["plugin"] == "test_faulty");
    CHECK(lines[2]["event"] == "plugin_log");
    CHECK(lines[2]["msg"] == "echo info");
    CHECK(lines[3]["event"] == "send");
    CHECK_THAT(lines[3]["msg"].get<std::string>(), Contains("glasses echo"));
    for (const auto& l : lines) {
      CHECK(l["correlationId"] == id);
      CHECK(l["userId"] == "carol@example.com");
      CHECK(l["service"] == "glasshub");
    }
  }

  SECTION("an error sent back carries the id of the message that caused it") {
    phone.send_text("{not json");
    const auto error = phone.read_until_type("connection_error");
    CHECK(error["code"] == "MALFORMED_MESSAGE");
    REQUIRE(error["correlationId"].is_string());
    const std::string id = error["correlationId"];
    const auto lines = lines_with(host, id, 2);
    INFO(events_of(lines));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["event"] == "malformed_message");
    CHECK(lines[1]["event"] == "send");
    CHECK_THAT(lines[1]["msg"].get<std::string>(), Contains("connection_error"));
  }
}

TEST_CASE("Log levels: per plugin in the config, and both changed at runtime by the admin API",
          "[logging][admin]") {
  TestHost host(
      logging_setup({{"level", "warn"}, {"format", "json"}, {"plugins", {{"test_faulty", "debug"}}}}));
  auto phone = host.connect_phone("dave@example.com");
  const Headers admin = {bearer(kAdminToken)};
  // One echo, then every plugin line and echo receive line logged so far.
  auto echo = [&] {
    phone.send_json({{"type", "echo"}});
    phone.read_until_type("echo");
    phone.send_json({{"type", "ping"}});  // the echo's lines are out before the pong is sent
    phone.read_until_type("pong");
    std::vector<std::string> seen;
    for (const auto& line : log_lines(host)) {
      const std::string event = line.value("event", "");
      if (event == "plugin_log") seen.push_back(line.value("msg", ""));
      if (event == "receive" && line.value("msg", "").find("glasses echo") == 0)
        seen.push_back("receive");
    }
    return seen;
  };

  auto levels = http_get(host.port(), "/admin/log-levels", admin);
  REQUIRE(levels.status == 200);
  CHECK(levels.json() == json{{"level", "warn"}, {"plugins", {{"test_faulty", "debug"}}}});
  CHECK(echo() == std::vector<std::string>{"echo debug", "echo info"});

  // The plugin down to warn: its lines stop; the host's level is unchanged.
  auto put = http_send(host.port(), "PUT", "/admin/log-levels",
                       json{{"plugins", {{"test_faulty", "warn"}}}}.dump(), admin);
  CHECK(put.status == 200);
  CHECK(put.json() == json{{"level", "warn"}, {"plugins", {{"test_faulty", "warn"}}}});
  CHECK(echo() == std::vector<std::string>{"echo debug", "echo info"});  // nothing new

  // The host to debug and the plugin back to it (null): receive lines and both plugin lines.
  put = http_send(host.port(), "PUT", "/admin/log-levels",
                  json{{"level", "debug"}, {"plugins", {{"test_faulty", nullptr}}}}.dump(), admin);
  CHECK(put.status == 200);
  CHECK(put.json() == json{{"level", "debug"}, {"plugins", json::object()}});
  CHECK(echo() ==
        std::vector<std::string>{"echo debug", "echo info", "receive", "echo debug", "echo info"});

  SECTION("bad requests change nothing") {
    CHECK(http_send(host.port(), "PUT", "/admin/log-levels", R"({"level":"loud"})", admin)
              .status == 400);
    const auto unknown = http_send(host.port(), "PUT", "/admin/log-levels",
                                   R"({"level":"error","plugins":{"nope":"debug"}})", admin);
    CHECK(unknown.status == 400);
    CHECK_THAT(unknown.body, Contains("plugins.nope"));
    // Past websocket.maxJsonDepth (64) the body is refused before it is parsed, as REST bodies are.
    const auto nested = http_send(
        host.port(), "PUT", "/admin/log-levels",
        R"({"level":"error","plugins":)" + std::string(100, '[') + std::string(100, ']') + "}",
        admin);
    CHECK(nested.status == 400);
    CHECK_THAT(nested.body, Contains("Request body is nested too deeply"));
    CHECK(host.metric(R"(glasshub_connections_rejected_total{reason="http_nested_too_deeply"})") ==
          "1");
    CHECK(http_get(host.port(), "/admin/log-levels", admin).json()["level"] == "debug");
    CHECK(http_send(host.port(), "PUT", "/admin/log-levels", R"({"level":"info"})").status == 401);
    CHECK(http_send(host.port(), "PUT", "/admin/log-levels", R"({"level":"info"})",
                    {bearer("wrong")})
              .status == 401);
    CHECK(http_send(host.port(), "DELETE", "/admin/log-levels", std::nullopt, admin).status ==
          405);
  }
}
