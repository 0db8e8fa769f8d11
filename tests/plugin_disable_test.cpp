// An operator switches a whole plugin, or one of its handlers, off in the manifest: it stops
// handling traffic, and both /admin/handlers and `glasshubctl plugins list` say so.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace glasshub::test;
using Catch::Matchers::Contains;

namespace {

// The line of `glasshubctl plugins list` that starts with `name`.
std::string table_row(const std::string& table, const std::string& name) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return line;
  }
  return {};
}

}  // namespace

TEST_CASE("A disabled plugin is not loaded and routes nothing", "[disable]") {
  auto faulty = test_plugin_entry("test_faulty");
  faulty["enabled"] = false;
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), faulty});
  TestHost host(setup);

  SECTION("/admin/handlers lists it as disabled, without routes") {
    const auto handlers = host.admin_handlers();
    const auto* plugin = find_plugin(handlers, "test_faulty");
    REQUIRE(plugin != nullptr);
    CHECK((*plugin)["enabled"] == false);
    CHECK((*plugin)["loaded"] == false);
    for (const auto& route : handlers["routes"]) CHECK(route["plugin"] != "test_faulty");
    CHECK(find_route(handlers, "glasses", "echo") == nullptr);
    CHECK(find_route(handlers, "glasses", "ping") != nullptr);  // keepalive is unaffected
  }

  SECTION("its message types get no answer while keepalive still answers") {
    auto phone = host.connect_phone("disabled@example.com");
    phone.send_json({{"type", "echo"}, {"n", 1}});
    phone.send_json({{"type", "ping"}});
    // Handled in order: the first reply must be keepalive's pong, not an echo.
    const auto reply = phone.next_message(2s);
    REQUIRE(reply.has_value());
    CHECK((*reply)["type"] == "pong");
  }

  SECTION("glasshubctl plugins list shows it disabled, as JSON and as a table") {
    const auto json_run =
        run_glasshubctl({"plugins", "list", "--manifest", host.manifest_path().string(), "--json"});
    INFO("stderr:\n" << json_run.err);
    REQUIRE(json_run.exit_code == 0);
    const auto listed = nlohmann::json::parse(json_run.out);
    const auto* plugin = find_plugin(listed, "test_faulty");
    REQUIRE(plugin != nullptr);
    CHECK((*plugin)["enabled"] == false);
    CHECK((*plugin)["loaded"] == false);
    REQUIRE(find_plugin(listed, "keepalive") != nullptr);
    CHECK((*find_plugin(listed, "keepalive"))["enabled"] == true);

    const auto table_run =
        run_glasshubctl({"plugins", "list", "--manifest", host.manifest_path().string()});
    INFO("table:\n" << table_run.out);
    REQUIRE(table_run.exit_code == 0);
    CHECK_THAT(table_row(table_run.out, "test_faulty"), Contains("disabled"));
    CHECK_THAT(table_row(table_run.out, "keepalive"), Contains("enabled"));
  }

  SECTION("glasshubctl finds the manifest through GLASSHUB_MANIFEST") {
    const auto run = run_glasshubctl({"plugins", "list"},
                                     {{"GLASSHUB_MANIFEST", host.manifest_path().string()}});
    INFO("stderr:\n" << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(table_row(run.out, "test_faulty"), Contains("disabled"));
  }
}

TEST_CASE("A disabled handler is not routed; the plugin's other handlers are", "[disable]") {
  auto keepalive = keepalive_entry();
  keepalive["disabledHandlers"] = {"glasses:ping"};
  HostSetup setup;
  setup.manifest = manifest_of({keepalive});
  TestHost host(setup);

  SECTION("the phone's ping gets no pong") {
    auto phone = host.connect_phone("quiet@example.com");
    phone.send_json({{"type", "ping"}});
    for (const auto& message : phone.collect_for(1s)) CHECK(message["type"] != "pong");
    CHECK(phone.is_open());
  }

  SECTION("/admin/handlers shows it off and keeps the rest") {
    const auto handlers = host.admin_handlers();
    CHECK(find_route(handlers, "glasses", "ping") == nullptr);
    REQUIRE(find_route(handlers, "glasses", "pong") != nullptr);
    CHECK((*find_route(handlers, "glasses", "pong"))["plugin"] == "keepalive");
    CHECK(find_route(handlers, "app", "ping") != nullptr);  // only the glasses side is off

    const auto* plugin = find_plugin(handlers, "keepalive");
    REQUIRE(plugin != nullptr);
    CHECK((*plugin)["enabled"] == true);
    CHECK((*plugin)["loaded"] == true);
    bool saw_ping = false, saw_pong = false;
    for (const auto& h : (*plugin)["handlers"]) {
      if (h["endpoint"] == "glasses" && h["type"] == "ping") {
        saw_ping = true;
        CHECK(h["enabled"] == false);
      }
      if (h["endpoint"] == "glasses" && h["type"] == "pong") {
        saw_pong = true;
        CHECK(h["enabled"] == true);
      }
    }
    CHECK(saw_ping);
    CHECK(saw_pong);
  }
}
