// Live reload (SIGHUP, POST /admin/reload, glasshubctl reload): the operator edits the manifest
// or the config and the running host applies it without closing a socket; a change that does not
// validate is refused with its reasons while the old set keeps serving.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <string>
#include <thread>
#include <vector>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// keepalive and test_faulty's echo (families no reload here touches), device, the app starter,
// test_timers (which reloads disable) and test_versioned built as `versioned_build`.
json reload_manifest(bool timers_enabled, const std::string& versioned_build,
                     const json& versioned_disabled_handlers = json::array()) {
  auto timers = test_plugin_entry("test_timers");
  timers["enabled"] = timers_enabled;
  json versioned = {{"name", "test_versioned"},
                    {"library", test_plugin_library(versioned_build).string()},
                    {"disabledHandlers", versioned_disabled_handlers}};
  return manifest_of({keepalive_entry(), product_plugin_entry("device"),
                      test_plugin_entry("test_app_starter"), test_plugin_entry("test_faulty"),
                      timers, versioned});
}

HostSetup reload_setup() {
  HostSetup setup = app_host_setup();
  setup.manifest = reload_manifest(true, "test_versioned_v1");
  return setup;
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Waits until the host printed `needle` at least `count` times.
bool wait_for_output(const TestHost& host, const std::string& needle, size_t count = 1,
                     std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (occurrences(host.output(), needle) < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

struct Client {
  WsClient phone;
  WsClient app;
};

Client connect_user(const TestHost& host, const std::string& email) {
  Client c{host.connect_phone(email), WsClient()};
  c.app = ready_app(host, allow_app(c.phone));
  return c;
}

// Every message the app got up to (not including) the next pong.
std::vector<json> until_pong(WsClient& app) {
  std::vector<json> got;
  for (;;) {
    auto m = app.next_message(5s);
    if (!m) throw TimeoutError("no pong from the app's ping; got so far: " + json(got).dump());
    if ((*m)["type"] == "pong") return got;
    got.push_back(std::move(*m));
  }
}

// The value of one sample line of /metrics (`name_and_labels value`), or -1.
double metric(const TestHost& host, const std::string& name_and_labels) {
  const std::string text = host.get("/metrics").body;
  const auto at = text.find("\n" + name_and_labels + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name_and_labels.size() + 2));
}

}  // namespace

TEST_CASE("A SIGHUP under traffic disables one plugin and upgrades another; no socket or "
          "message of the untouched families is lost", "[reload]") {
  TestHost host(reload_setup());
  constexpr int kUsers = 50;
  std::vector<Client> users;
  for (int i = 0; i < kUsers; ++i)
    users.push_back(connect_user(host, "user" + std::to_string(i) + "@example.com"));

  write_file(host.manifest_path(), reload_manifest(false, "test_versioned_v2").dump());
  std::vector<std::vector<std::string>> versions(kUsers);
  std::vector<std::vector<bool>> timers_answered(kUsers);
  constexpr int kReloadRound = 3;
  bool reloaded = false;
  int rounds_after = 0, round = 0;
  // Every round: each phone sends an echo, each app vr_echo, tm_ask and a ping; then every
  // answer is read. The reload lands while the rounds run.
  while (rounds_after < 3) {
    REQUIRE(round < 300);
    if (round == kReloadRound) REQUIRE(::kill(host.pid(), SIGHUP) == 0);
    const bool swapped = reloaded;  // everything of this round is handled by the new set
    for (auto& u : users) {
      u.phone.send_json({{"type", "echo"}, {"n", round}});
      u.app.send_json({{"type", "vr_echo"}, {"n", round}});
      u.app.send_json({{"type", "tm_ask"}, {"n", round}});
      u.app.send_json({{"type", "ping"}});
    }
    for (int i = 0; i < kUsers; ++i) {
      INFO("user " << i << ", round " << round);
      const auto echo = users[i].phone.read_until_type("echo", 5s);
      REQUIRE(echo["n"] == round);  // in order, none lost
      const auto got = until_pong(users[i].app);
      const auto vr = of_type(got, "vr_reply");
      REQUIRE(vr.size() == 1);
      CHECK(vr[0]["n"] == round);
      CHECK(vr[0]["known"] == true);  // v2 was told about the session it took over
      versions[i].push_back(vr[0]["version"]);
      const auto tm = of_type(got, "tm_reply");
      const auto refused = of_type(got, "tpa_connection_error");
      REQUIRE(tm.size() + refused.size() == 1);
      if (!tm.empty()) CHECK(tm[0]["n"] == round);
      if (!refused.empty()) CHECK(refused[0]["code"] == "UNSUPPORTED_MESSAGE_TYPE");
      timers_answered[i].push_back(!tm.empty());
      if (swapped) {
        CHECK(vr[0]["version"] == "2.0.0");
        CHECK(refused.size() == 1);
      }
    }
    if (reloaded) ++rounds_after;
    reloaded = reloaded || occurrences(host.output(), "reloaded: ") > 0;
    ++round;
  }

  INFO(host.output());
  for (int i = 0; i < kUsers; ++i) {
    INFO("user " << i);
    CHECK(versions[i].front() == "1.0.0");
    CHECK(versions[i].back() == "2.0.0");
    // One switch per user, never back: every message went to exactly one build.
    CHECK(std::is_sorted(versions[i].begin(), versions[i].end()));
    CHECK(std::is_sorted(timers_answered[i].rbegin(), timers_answered[i].rend()));
    CHECK(timers_answered[i].front());
    CHECK_FALSE(timers_answered[i].back());
    CHECK(users[i].phone.is_open());
    CHECK(users[i].app.is_open());
  }
  const auto health = host.health();
  CHECK(health["connections"]["glassesConnections"] == kUsers);
  CHECK(health["connections"]["appConnections"] == kUsers);
  // No socket was replaced by a reconnect.
  CHECK(metric(host, R"(glasshub_connections_accepted_total{endpoint="glasses"})") == kUsers);
  CHECK(metric(host, R"(glasshub_connections_accepted_total{endpoint="app"})") == kUsers);
  CHECK(metric(host, R"(glasshub_reloads_total{result="ok"})") == 1);
  const auto handlers = host.admin_handlers();
  CHECK((*find_plugin(handlers, "test_timers"))["loaded"] == false);
  CHECK((*find_plugin(handlers, "test_versioned"))["version"] == "2.0.0");
  CHECK(wait_for_output(host, "test_timers: unloaded"));
  users.clear();
  CHECK(host.stop() == 0);
}

TEST_CASE("A disabled plugin's timers are cancelled and its user state freed before it unloads; "
          "the plugins a reload keeps keep theirs", "[reload]") {
  TestHost host(reload_setup());
  std::vector<Client> users;
  for (int i = 0; i < 3; ++i) {
    users.push_back(connect_user(host, "timer" + std::to_string(i) + "@example.com"));
    users.back().app.send_json({{"type", "tm_arm"}});
    users.back().app.read_until_type("tm_armed");
  }

  // Only test_versioned's handler changes: test_timers is carried over with its timers.
  write_file(host.manifest_path(),
            reload_manifest(true, "test_versioned_v1", {"app:vr_echo"}).dump());
  auto res = host.reload();
  REQUIRE(res.status == 200);
  CHECK(res.json()["changes"] ==
        json::parse(R"([{"plugin":"test_versioned","change":"handlers",
                         "disabledHandlers":["app:vr_echo"]}])"));
  users[0].app.send_json({{"type", "vr_echo"}, {"n", 1}});
  CHECK_THAT(expect_app_error(users[0].app, "UNSUPPORTED_MESSAGE_TYPE")["message"].get<std::string>(),
             Contains("disabled"));
  users[0].app.send_json({{"type", "tm_ask"}, {"n", 1}});
  CHECK(users[0].app.read_until_type("tm_reply")["n"] == 1);
  CHECK(occurrences(host.output(), "test_timers: timer released unfired") == 0);
  CHECK(occurrences(host.output(), "test_timers: user state freed") == 0);

  write_file(host.manifest_path(), reload_manifest(false, "test_versioned_v1").dump());
  res = host.reload();
  REQUIRE(res.status == 200);
  const auto changes = res.json()["changes"];
  CHECK(std::count(changes.begin(), changes.end(),
                   json{{"plugin", "test_timers"}, {"change", "unloaded"}, {"version", "1.0.0"}}) ==
        1);
  REQUIRE(wait_for_output(host, "test_timers: unloaded"));
  const std::string out = host.output();
  INFO(out);
  CHECK(occurrences(out, "test_timers: timer released unfired") == 3);
  CHECK(occurrences(out, "test_timers: user state freed") == 3);
  // on_unload comes after every user let go of the plugin.
  CHECK(out.rfind("test_timers: timer released unfired") < out.find("test_timers: unloaded"));
  CHECK(out.rfind("test_timers: user state freed") < out.find("test_timers: unloaded"));
  for (auto& u : users) {
    u.app.send_json({{"type", "tm_ask"}, {"n", 2}});
    expect_app_error(u.app, "UNSUPPORTED_MESSAGE_TYPE");
    CHECK(u.phone.is_open());
  }
  users.clear();
  CHECK(host.stop() == 0);
}

TEST_CASE("A reload that does not validate is refused with its reasons and the old set keeps "
          "serving", "[reload]") {
  TestHost host(reload_setup());
  Client user = connect_user(host, "refused@example.com");
  const std::string original_config = read_file(host.config_path());
  const json good_manifest = reload_manifest(true, "test_versioned_v1");

  // The old set still answers: v1 and test_timers.
  auto still_serving = [&] {
    user.app.send_json({{"type", "vr_echo"}, {"n", 7}});
    CHECK(user.app.read_until_type("vr_reply")["version"] == "1.0.0");
    user.app.send_json({{"type", "tm_ask"}, {"n", 7}});
    CHECK(user.app.read_until_type("tm_reply")["n"] == 7);
    CHECK(user.phone.is_open());
  };
  auto refused_with = [&](const std::string& reason) {
    const auto res = host.reload();
    INFO(res.body);
    CHECK(res.status == 422);
    const auto body = res.json();
    CHECK(body["ok"] == false);
    CHECK_THAT(body["errors"].dump(), Contains(reason));
    still_serving();
  };

  SECTION("a manifest that is not JSON") {
    write_file(host.manifest_path(), "{\"plugins\": [");
    refused_with("manifest");
  }
  SECTION("a library that does not exist") {
    json m = good_manifest;
    m["plugins"][5]["library"] = "/nonexistent/libtest_versioned_v3.so";
    write_file(host.manifest_path(), m.dump());
    refused_with("libtest_versioned_v3.so");
  }
  SECTION("a file that is not a plugin, and one that claims a taken handler") {
    json m = good_manifest;
    m["plugins"][5]["library"] = test_plugin_library("test_not_plugin").string();
    m["plugins"].push_back(test_plugin_entry("test_dup"));
    write_file(host.manifest_path(), m.dump());
    const auto res = host.reload();
    REQUIRE(res.status == 422);
    const auto errors = res.json()["errors"];
    CHECK(errors.size() == 2);  // every reason, not just the first
    CHECK_THAT(errors.dump(), Contains("is not a glasshub plugin"));
    CHECK_THAT(errors.dump(), Contains("conflict"));
    still_serving();
  }
  SECTION("a config key that only a restart applies") {
    json c = json::parse(original_config);
    c["server"]["threads"] = 3;
    write_file(host.config_path(), c.dump());
    refused_with("server.threads changed: it takes effect only on a restart");
  }
  SECTION("a config value out of range") {
    json c = json::parse(original_config);
    c["session"]["gracePeriodMs"] = "soon";
    write_file(host.config_path(), c.dump());
    refused_with("session.gracePeriodMs");
  }
  SECTION("glasshubctl reload prints the reasons and fails, then applies the fixed manifest") {
    json m = good_manifest;
    m["plugins"][5]["library"] = "/nonexistent/libtest_versioned_v3.so";
    write_file(host.manifest_path(), m.dump());
    const std::vector<std::string> args{"reload", "--url", host.url(), "--token", kAdminToken};
    const auto refused = run_glasshubctl(args);
    CHECK(refused.exit_code == 3);
    CHECK_THAT(refused.err, Contains("reload refused"));
    CHECK_THAT(refused.err, Contains("libtest_versioned_v3.so"));
    still_serving();

    write_file(host.manifest_path(), reload_manifest(true, "test_versioned_v2").dump());
    json c = json::parse(original_config);
    c["app"]["subscriptionGraceMs"] = 1000;
    write_file(host.config_path(), c.dump());
    const auto applied = run_glasshubctl(args);
    INFO(applied.err);
    CHECK(applied.exit_code == 0);
    CHECK_THAT(applied.out, Contains("test_versioned: upgraded 1.0.0 -> 2.0.0"));
    CHECK_THAT(applied.out, Contains("config app.subscriptionGraceMs: changed"));
    user.app.send_json({{"type", "vr_echo"}, {"n", 8}});
    CHECK(user.app.read_until_type("vr_reply")["version"] == "2.0.0");
    CHECK(metric(host, R"(glasshub_reloads_total{result="refused"})") == 1);
    CHECK(metric(host, R"(glasshub_reloads_total{result="ok"})") == 1);
    CHECK_THAT(host.get("/metrics").body,
               Contains(R"(glasshub_plugin_info{plugin="test_versioned",version="2.0.0")"));
  }
  SECTION("without the admin token") {
    CHECK(http_post(host.port(), "/admin/reload", "").status == 401);
    CHECK(host.get("/admin/reload", {bearer(kAdminToken)}).status == 405);
  }
}

TEST_CASE("A level set through /admin/log-levels outlives reloads, an upgrade of its plugin too, "
          "until the file changes that same level", "[reload][logging]") {
  TestHost host(reload_setup());
  const Headers admin = {bearer(kAdminToken)};
  auto levels = [&] { return http_get(host.port(), "/admin/log-levels", admin).json(); };
  auto put = [&](const json& body) {
    const auto res = http_send(host.port(), "PUT", "/admin/log-levels", body.dump(), admin);
    INFO(res.body);
    REQUIRE(res.status == 200);
  };
  put({{"level", "debug"}, {"plugins", {{"test_versioned", "trace"}, {"device", "warn"}}}});

  // test_versioned is replaced by a new build, device kept; the file says nothing of levels.
  write_file(host.manifest_path(), reload_manifest(true, "test_versioned_v2").dump());
  REQUIRE(host.reload().status == 200);
  CHECK((*find_plugin(host.admin_handlers(), "test_versioned"))["version"] == "2.0.0");
  CHECK(levels() == json{{"level", "debug"},
                         {"plugins", {{"device", "warn"}, {"test_versioned", "trace"}}}});

  // The file changes the global level and test_versioned's: the file wins for those two.
  host.reconfigure({{"logging", {{"level", "warn"}, {"plugins", {{"test_versioned", "error"}}}}}});
  CHECK(levels() == json{{"level", "warn"},
                         {"plugins", {{"device", "warn"}, {"test_versioned", "error"}}}});

  // Set at runtime again; a reload that leaves the file's levels as they were keeps it.
  put({{"level", "info"}, {"plugins", {{"test_versioned", "debug"}}}});
  host.reconfigure({{"session", {{"gracePeriodMs", 1000}}}});
  CHECK(levels() == json{{"level", "info"},
                         {"plugins", {{"device", "warn"}, {"test_versioned", "debug"}}}});

  // The file drops its entry: test_versioned falls back to the global level.
  host.reconfigure({{"logging", {{"plugins", {{"test_versioned", nullptr}}}}}});
  CHECK(levels() == json{{"level", "info"}, {"plugins", {{"device", "warn"}}}});
}
