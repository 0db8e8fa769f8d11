// The display plugin (protocol.md §1 G4/G14, §8): an app's display_event reaches the phone as
// the app's own bytes with `view` present, under the reference DisplayManager rules — delivery
// guard (with the Simulated Glasses exception), 300 ms throttle, boot screen and boot queue,
// ownership of the main view (foreground app, background lock with its timeout and inactivity),
// durationMs expiry, app stop — and the dashboard of §8.3. Timings are measured where the phone
// receives the frames; plugin config shortens the long ones (lock 10 s, inactivity 2 s).
// With the plugin disabled in the manifest, the core answers display_event UNSUPPORTED_MESSAGE_TYPE
// and everything else keeps working.
#include "support/apps.hpp"
#include "support/http_server.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";
const std::string kBg = "com.example.bg";
const std::string kBgKey = "bg-key";
const std::string kBg2 = "com.example.bg2";
const std::string kBg2Key = "bg2-key";
const std::string kDash = "dev.augmentos.dashboard";  // protocol.md §5.1 cloud default
const std::string kDashKey = "dash-key";

json registry(const std::string& package, const std::string& key, const std::string& type,
              const std::string& name) {
  json e = app_registry_entry(package, key);
  e["appType"] = type;
  e["name"] = name;
  return e;
}

json display_entry(const json& config) {
  json e = product_plugin_entry("display");
  e["config"] = config;
  return e;
}

// keepalive + device + test_app_starter + display(config): kAppPackage standard (the
// foreground app once connected), kBg and kBg2 background, the system dashboard.
HostSetup display_host(const json& config = json::object()) {
  HostSetup setup = app_host_setup();
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"),
                                test_plugin_entry("test_app_starter"), display_entry(config)});
  setup.config["apps"] = {registry(kAppPackage, kAppKey, "standard", "Example"),
                          registry(kBg, kBgKey, "background", "Background"),
                          registry(kBg2, kBg2Key, "background", "Background 2"),
                          registry(kDash, kDashKey, "system_dashboard", "Dashboard")};
  return setup;
}

// The phone reports its glasses (protocol.md G4, the test-client form).
void report_glasses(WsClient& phone, const std::string& status = "CONNECTED",
                    const std::string& model = "Even Realities G1") {
  phone.send_json({{"type", "glasses_connection_state"},
                   {"status", status},
                   {"modelName", model},
                   {"timestamp", "2026-03-19T10:00:00.000Z"}});
  sync_phone(phone);
}

struct Seen {
  json message;
  std::string raw;
  Clock::time_point at;
};

// The next display_event the phone receives (other messages skipped), with its arrival time.
std::optional<Seen> next_display(WsClient& phone, milliseconds timeout = 3s) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return std::nullopt;
    auto frame = phone.read_frame(left);
    if (!frame) return std::nullopt;
    if (frame->binary) continue;
    const auto at = Clock::now();
    json m = json::parse(frame->data, nullptr, false);
    if (m.is_object() && m.value("type", "") == "display_event")
      return Seen{std::move(m), frame->data, at};
  }
}

Seen expect_display(WsClient& phone, milliseconds timeout = 3s) {
  auto seen = next_display(phone, timeout);
  if (!seen) FAIL("no display_event reached the phone within " << timeout.count() << " ms");
  return *seen;
}

std::string text_of(const json& display) {
  const auto& layout = display["layout"];
  if (layout.contains("text") && layout["text"].is_string()) return layout["text"];
  return layout.dump();
}

// display_event as SDK 2.1.29 sends it (protocol.md G14), plus `extra` fields.
json display_event(const std::string& package, const std::string& text,
                   const json& extra = json::object()) {
  json m = {{"type", "display_event"},
            {"packageName", package},
            {"sessionId", ""},
            {"view", "main"},
            {"layout", {{"layoutType", "text_wall"}, {"text", text}}},
            {"timestamp", "2026-03-19T10:00:01.000Z"}};
  m.merge_patch(extra);
  return m;
}

std::vector<json> displays_in(const std::vector<json>& messages) {
  std::vector<json> out;
  for (const auto& m : messages)
    if (m.value("type", "") == "display_event") out.push_back(m);
  return out;
}

// Every display_event the phone got because of what the app sent so far.
std::vector<json> displays_after(WsClient& app, WsClient& phone) {
  sync_app(app);
  return displays_in(sync_phone(phone));
}

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a).count();
}

std::string metric(const TestHost& host, const std::string& name) {
  return host.metric("glasshub_plugin_display_" + name);
}

struct Connected {
  std::string sid;
  WsClient socket;
};

Connected connect(const TestHost& host, WsClient& phone, const std::string& package,
                  const std::string& key) {
  const auto sid = allow_app(phone, package);
  auto socket = connect_app(host.port(), sid, package, key);
  sync_app(socket);
  return {sid, std::move(socket)};
}

}  // namespace

TEST_CASE("display_event reaches the phone as the app's bytes, view:main added when missing",
          "[display][forward]") {
  TestHost host(display_host({{"throttleMs", 0}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto app = connect(host, phone, kAppPackage, kAppKey);

  // Unusual spacing and escapes survive only if the bytes are spliced, not re-serialized.
  const std::string with_view =
      R"({"type":"display_event", "packageName":"com.example.app","sessionId":"",)"
      R"("view":"main","layout":{"layoutType":"text_wall","text":"caf\u00e9"},"timestamp":"x"})";
  app.socket.send_text(with_view);
  CHECK(expect_display(phone).raw == with_view);

  const std::string without_view =
      R"({"type":"display_event","packageName":"com.example.app",)"
      R"("layout":{"layoutType":"reference_card","title":"T","text":"caf\u00e9"},"durationMs":5000})";
  app.socket.send_text(without_view);
  const auto seen = expect_display(phone);
  CHECK(seen.raw == R"({"view":"main",)" + without_view.substr(1));
  CHECK(seen.message["view"] == "main");
  CHECK(seen.message["layout"] == json::parse(without_view)["layout"]);

  const std::string dashboard_view =
      R"({"type":"display_event","packageName":"com.example.app","view":"dashboard",)"
      R"("layout":{"layoutType":"dashboard_card","leftText":"L","rightText":"R"}})";
  app.socket.send_text(dashboard_view);
  CHECK(expect_display(phone).raw == dashboard_view);
  CHECK(displays_after(app.socket, phone).empty());  // each exactly once
  CHECK(metric(host, "forwarded_total") == "3");
}

TEST_CASE("Displays are dropped, not queued, while the glasses are not connected",
          "[display][guard]") {
  TestHost host(display_host({{"throttleMs", 0}}));
  auto phone = host.connect_phone(kUser);
  auto app = connect(host, phone, kAppPackage, kAppKey);

  // Never reported: not connected (reference).
  app.socket.send_json(display_event(kAppPackage, "never reported"));
  CHECK(displays_after(app.socket, phone).empty());

  report_glasses(phone, "CONNECTED");
  CHECK(displays_after(app.socket, phone).empty());  // the dropped one does not come back
  app.socket.send_json(display_event(kAppPackage, "connected"));
  CHECK(text_of(expect_display(phone).message) == "connected");

  report_glasses(phone, "DISCONNECTED");
  app.socket.send_json(display_event(kAppPackage, "disconnected"));
  CHECK(displays_after(app.socket, phone).empty());
  report_glasses(phone, "CONNECTED");
  CHECK(displays_after(app.socket, phone).empty());

  CHECK(metric(host, "dropped_not_connected_total") == "2");
  CHECK(metric(host, "forwarded_total") == "1");
}

TEST_CASE("Simulated Glasses show displays even when not marked connected (G4)",
          "[display][guard]") {
  TestHost host(display_host({{"throttleMs", 0}}));
  auto phone = host.connect_phone(kUser);
  auto app = connect(host, phone, kAppPackage, kAppKey);
  const auto token = bearer(host.token_for(kUser));

  auto res = http_post(host.port(), "/api/client/device/state",
                       R"({"connected":false,"modelName":"Simulated Glasses"})", {token});
  REQUIRE(res.status == 200);
  app.socket.send_json(display_event(kAppPackage, "simulated"));
  CHECK(text_of(expect_display(phone).message) == "simulated");

  res = http_post(host.port(), "/api/client/device/state",
                  R"({"connected":false,"modelName":"Even Realities G1"})", {token});
  REQUIRE(res.status == 200);
  app.socket.send_json(display_event(kAppPackage, "real glasses, off"));
  CHECK(displays_after(app.socket, phone).empty());
  CHECK(metric(host, "dropped_not_connected_total") == "1");
}

TEST_CASE("Throttle: within 300 ms of a display the latest request waits for the window",
          "[display][throttle]") {
  TestHost host(display_host());  // reference timings
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto app = connect(host, phone, kAppPackage, kAppKey);

  app.socket.send_json(display_event(kAppPackage, "a"));
  const auto a = expect_display(phone);
  CHECK(text_of(a.message) == "a");
  app.socket.send_json(display_event(kAppPackage, "b"));
  app.socket.send_json(display_event(kAppPackage, "c"));  // replaces b
  const auto c = expect_display(phone);
  CHECK(text_of(c.message) == "c");
  const auto gap = ms_between(a.at, c.at);
  INFO("a → c: " << gap << " ms");
  CHECK(gap >= 270);   // the 300 ms window (less the time a took to arrive)
  CHECK(gap < 2000);   // sent when the window opened, not later
  CHECK_FALSE(next_display(phone, 600ms).has_value());  // b never comes

  // After a quiet window, a display goes at once.
  const auto sent = Clock::now();
  app.socket.send_json(display_event(kAppPackage, "d"));
  const auto d = expect_display(phone);
  CHECK(text_of(d.message) == "d");
  CHECK(ms_between(sent, d.at) < 250);

  CHECK(metric(host, "throttled_total") == "2");
  CHECK(metric(host, "superseded_total") == "1");
}

TEST_CASE("forceDisplay and the dashboard view skip the throttle", "[display][throttle]") {
  // A long window so that "at once" and "after the window" cannot be confused.
  TestHost host(display_host({{"throttleMs", 2000}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto app = connect(host, phone, kAppPackage, kAppKey);

  app.socket.send_json(display_event(kAppPackage, "first"));
  const auto first = expect_display(phone);
  app.socket.send_json(display_event(kAppPackage, "forced", {{"forceDisplay", true}}));
  const auto forced = expect_display(phone);
  CHECK(text_of(forced.message) == "forced");
  CHECK(ms_between(first.at, forced.at) < 1000);
  app.socket.send_json(display_event(kAppPackage, "dash", {{"view", "dashboard"}}));
  const auto dash = expect_display(phone);
  CHECK(text_of(dash.message) == "dash");
  CHECK(ms_between(first.at, dash.at) < 1000);

  // The forced display used the window: a plain one waits a full window after it.
  app.socket.send_json(display_event(kAppPackage, "plain"));
  const auto plain = expect_display(phone, 4s);
  CHECK(text_of(plain.message) == "plain");
  INFO("forced → plain: " << ms_between(forced.at, plain.at) << " ms");
  CHECK(ms_between(forced.at, plain.at) >= 1900);
  CHECK(metric(host, "throttled_total") == "1");
}

TEST_CASE("Ownership: the background lock, its inactivity and timeout, the foreground app",
          "[display][ownership]") {
  // Reference lock 10 s / inactivity 2 s, shortened; no throttle, to see ownership alone.
  TestHost host(display_host(
      {{"throttleMs", 0}, {"lockTimeoutMs", 2000}, {"lockInactivityMs", 800}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto fg = connect(host, phone, kAppPackage, kAppKey);
  auto bg = connect(host, phone, kBg, kBgKey);
  auto bg2 = connect(host, phone, kBg2, kBg2Key);

  // B takes the free lock; C is refused while B is active; F (foreground) is kept back while B
  // holds the lock and is showing.
  const auto t_b1 = Clock::now();
  bg.socket.send_json(display_event(kBg, "b1"));
  CHECK(text_of(expect_display(phone).message) == "b1");
  bg2.socket.send_json(display_event(kBg2, "c1"));
  fg.socket.send_json(display_event(kAppPackage, "f1"));
  sync_app(bg2.socket);
  CHECK(displays_after(fg.socket, phone).empty());
  CHECK(metric(host, "denied_lock_total") == "1");
  CHECK(metric(host, "held_total") == "1");

  // 800 ms without a display from B: its lock lapses and C gets it.
  std::this_thread::sleep_until(t_b1 + 1000ms);
  bg2.socket.send_json(display_event(kBg2, "c2"));
  CHECK(text_of(expect_display(phone).message) == "c2");

  SECTION("the foreground app shows once the holder's display expires, and frees the lock") {
    std::this_thread::sleep_for(900ms);  // C's lock lapses
    bg.socket.send_json(display_event(kBg, "b-short", {{"durationMs", 300}}));
    const auto b_short = expect_display(phone);
    CHECK(text_of(b_short.message) == "b-short");
    fg.socket.send_json(display_event(kAppPackage, "f2"));  // held: B holds and shows
    // B's display expires: F's display (still valid, < 1 s old) takes the main view ...
    const auto f2 = expect_display(phone);
    CHECK(text_of(f2.message) == "f2");
    INFO("b-short → f2: " << ms_between(b_short.at, f2.at) << " ms");
    CHECK(ms_between(b_short.at, f2.at) >= 250);
    // ... and the lock is free again, though B was active 300 ms ago: C gets it at once.
    bg2.socket.send_json(display_event(kBg2, "c3"));
    CHECK(text_of(expect_display(phone).message) == "c3");
    CHECK(metric(host, "expired_total") == "1");
    CHECK(metric(host, "restored_total") == "1");
  }

  SECTION("an active holder loses the lock after the lock timeout") {
    std::this_thread::sleep_for(900ms);  // C's lock lapses
    const auto t0 = Clock::now();
    for (int i = 0; i < 5; ++i) {  // B displays every 400 ms: active the whole time
      std::this_thread::sleep_until(t0 + i * 400ms);
      bg.socket.send_json(display_event(kBg, "b" + std::to_string(i)));
      CHECK(text_of(expect_display(phone).message) == "b" + std::to_string(i));
      if (i == 3) {  // t0 + 1200 ms: lock 1.2 s old, B active → refused
        bg2.socket.send_json(display_event(kBg2, "c-refused"));
        sync_app(bg2.socket);
        CHECK(displays_in(sync_phone(phone)).empty());
      }
    }
    // t0 + 2200 ms: B displayed 600 ms ago (active), but its lock is 2.2 s old.
    std::this_thread::sleep_until(t0 + 2200ms);
    bg2.socket.send_json(display_event(kBg2, "c-granted"));
    CHECK(text_of(expect_display(phone).message) == "c-granted");
    CHECK(metric(host, "denied_lock_total") == "2");
  }
}

TEST_CASE("A display with durationMs is replaced by a clear when it expires",
          "[display][expiry]") {
  TestHost host(display_host({{"throttleMs", 0}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto app = connect(host, phone, kAppPackage, kAppKey);

  app.socket.send_json(display_event(kAppPackage, "brief", {{"durationMs", 400}}));
  const auto brief = expect_display(phone);
  CHECK(text_of(brief.message) == "brief");
  const auto clear = expect_display(phone);
  INFO("brief → clear: " << ms_between(brief.at, clear.at) << " ms");
  CHECK(ms_between(brief.at, clear.at) >= 350);
  CHECK(ms_between(brief.at, clear.at) < 2000);
  CHECK(clear.message["view"] == "main");
  CHECK(clear.message["packageName"] == kDash);
  CHECK(clear.message["layout"] == json{{"layoutType", "text_wall"}, {"text", ""}});
  CHECK(clear.message["durationMs"] == 0);
}

namespace {

// keepalive + device + app_lifecycle + display: apps started by the phone, their webhooks
// answered by `server`.
HostSetup lifecycle_host(const HttpServer& server, const json& display_config = json::object()) {
  HostSetup setup = app_host_setup();
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"),
                                product_plugin_entry("app_lifecycle"),
                                display_entry(display_config)});
  json fg = registry(kAppPackage, kAppKey, "standard", "Example");
  json bg = registry(kBg, kBgKey, "background", "Background");
  fg["publicUrl"] = bg["publicUrl"] = server.url("");
  setup.config["apps"] = {fg, bg};
  return setup;
}

std::string lifecycle_sid(const std::string& package) { return kUser + "-" + package; }

void check_boot_screen(const json& d, const std::string& title, const std::string& text) {
  INFO("boot screen: " << d.dump());
  CHECK(d["view"] == "main");
  CHECK(d["packageName"] == kDash);
  CHECK(d["layout"] == json{{"layoutType", "reference_card"}, {"title", title}, {"text", text}});
  CHECK(d["timestamp"].is_string());
}

bool is_clear(const json& d) {
  return d["layout"] == json{{"layoutType", "text_wall"}, {"text", ""}} && d["durationMs"] == 0;
}

}  // namespace

TEST_CASE("Boot screen: an app's displays wait for the 1.5 s boot window, the latest wins",
          "[display][boot]") {
  HttpServer server(HttpServer::Response{});
  TestHost host(lifecycle_host(server));  // reference boot window, 1500 ms
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);

  phone.send_json({{"type", "start_app"}, {"packageName", kAppPackage}});
  const auto boot = expect_display(phone);
  check_boot_screen(boot.message, "// MentraOS - Starting App", "Example");
  REQUIRE(server.wait_for_requests(1, 3s));  // session_request
  auto app = connect_app(host.port(), lifecycle_sid(kAppPackage));
  app.send_json(display_event(kAppPackage, "one"));
  app.send_json(display_event(kAppPackage, "two"));
  sync_app(app);

  // Boot end with a queued display: that display, no clear first, "one" discarded.
  const auto two = expect_display(phone);
  CHECK(text_of(two.message) == "two");
  INFO("boot screen → queued display: " << ms_between(boot.at, two.at) << " ms");
  CHECK(ms_between(boot.at, two.at) >= 1400);
  CHECK(ms_between(boot.at, two.at) < 3500);
  CHECK_FALSE(next_display(phone, 500ms).has_value());
  CHECK(metric(host, "boot_queued_total") == "2");

  SECTION("a display still valid when another app boots comes back after the clear") {
    std::this_thread::sleep_for(350ms);  // out of the throttle window: shown, not parked
    app.send_json(display_event(kAppPackage, "long", {{"durationMs", 10000}}));
    CHECK(text_of(expect_display(phone).message) == "long");
    phone.send_json({{"type", "start_app"}, {"packageName", kBg}});
    const auto boot_bg = expect_display(phone);
    check_boot_screen(boot_bg.message, "// MentraOS - Starting App", "Background");
    const auto clear = expect_display(phone);
    CHECK(is_clear(clear.message));
    CHECK(ms_between(boot_bg.at, clear.at) >= 1400);
    const auto restored = expect_display(phone);
    CHECK(text_of(restored.message) == "long");
    CHECK(metric(host, "restored_total") == "1");

    // Stopping the foreground app while it shows clears the main view.
    phone.send_json({{"type", "stop_app"}, {"packageName", kAppPackage}});
    const auto stop_clear = expect_display(phone);
    CHECK(is_clear(stop_clear.message));
    CHECK_FALSE(next_display(phone, 500ms).has_value());
  }

  SECTION("a display without durationMs is not restored after a boot (valid 1 s only)") {
    std::this_thread::sleep_for(350ms);  // out of the throttle window
    app.send_json(display_event(kAppPackage, "short-lived"));
    CHECK(text_of(expect_display(phone).message) == "short-lived");
    phone.send_json({{"type", "start_app"}, {"packageName", kBg}});
    check_boot_screen(expect_display(phone).message, "// MentraOS - Starting App", "Background");
    CHECK(is_clear(expect_display(phone).message));
    CHECK_FALSE(next_display(phone, 500ms).has_value());
  }
}

TEST_CASE("Boot screen names every app starting at once, and ends with a clear",
          "[display][boot]") {
  HttpServer server(HttpServer::Response{});
  TestHost host(lifecycle_host(server, {{"bootScreenMs", 800}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);

  phone.send_json({{"type", "start_app"}, {"packageName", kAppPackage}});
  const auto first = expect_display(phone);
  check_boot_screen(first.message, "// MentraOS - Starting App", "Example");
  phone.send_json({{"type", "start_app"}, {"packageName", kBg}});
  check_boot_screen(expect_display(phone).message, "// MentraOS - Starting Apps",
                    "Example, Background");
  // The first app's window ends: only the second is named.
  const auto second_only = expect_display(phone);
  check_boot_screen(second_only.message, "// MentraOS - Starting App", "Background");
  CHECK(ms_between(first.at, second_only.at) >= 750);
  // The second app's window ends with nothing queued: a clear.
  const auto clear = expect_display(phone);
  CHECK(is_clear(clear.message));
  CHECK(ms_between(first.at, clear.at) >= 750);
  CHECK(metric(host, "boot_screens_total") == "3");
}

TEST_CASE("Dashboard: system sections, app contents rotating on head up, modes",
          "[display][dashboard]") {
  TestHost host(display_host({{"throttleMs", 0}}));
  auto phone = host.connect_phone(kUser);
  report_glasses(phone);
  auto fg = connect(host, phone, kAppPackage, kAppKey);
  auto bg = connect(host, phone, kBg, kBgKey);
  auto dash = connect(host, phone, kDash, kDashKey);

  auto system_update = [](const std::string& pkg, const std::string& section,
                          const std::string& content) {
    return json{{"type", "dashboard_system_update"}, {"packageName", pkg}, {"sessionId", ""},
                {"section", section}, {"content", content}};
  };
  auto content_update = [](const std::string& pkg, const std::string& content,
                           const std::vector<std::string>& modes) {
    return json{{"type", "dashboard_content_update"}, {"packageName", pkg}, {"sessionId", ""},
                {"content", content}, {"modes", modes}};
  };
  auto mode_change = [](const std::string& pkg, const std::string& mode) {
    return json{{"type", "dashboard_mode_change"}, {"packageName", pkg}, {"sessionId", ""},
                {"mode", mode}};
  };
  auto check_render = [&](const json& d) {
    INFO("render: " << d.dump());
    CHECK(d["view"] == "dashboard");
    CHECK(d["packageName"] == kDash);
  };

  // Only the system dashboard may set sections or the mode.
  fg.socket.send_json(system_update(kAppPackage, "topLeft", "intruder"));
  fg.socket.send_json(mode_change(kAppPackage, "expanded"));
  CHECK(displays_after(fg.socket, phone).empty());
  CHECK(metric(host, "dashboard_ignored_total") == "2");

  dash.socket.send_json(system_update(kDash, "topLeft", "10:00"));
  dash.socket.send_json(system_update(kDash, "topRight", "Battery 80%"));
  dash.socket.send_json(system_update(kDash, "bottomLeft", "Mon"));
  auto renders = displays_after(dash.socket, phone);
  REQUIRE(renders.size() == 3);
  check_render(renders.back());
  CHECK(renders.back()["layout"] == json{{"layoutType", "double_text_wall"},
                                         {"topText", "10:00\nMon"},
                                         {"bottomText", "Battery 80%\n"}});

  // App contents, newest first; each head_position "up" shows the next one.
  fg.socket.send_json(content_update(kAppPackage, "F news", {"main"}));
  sync_app(fg.socket);
  bg.socket.send_json(content_update(kBg, "B news", {"main"}));
  sync_app(bg.socket);
  renders = displays_in(sync_phone(phone));
  REQUIRE(renders.size() == 2);
  CHECK(renders[0]["layout"]["bottomText"] == "Battery 80%\n\n\nF news");
  CHECK(renders[1]["layout"]["bottomText"] == "Battery 80%\n\n\nB news");

  auto head = [&](const std::string& position) {
    phone.send_json({{"type", "head_position"}, {"position", position}});
    return displays_in(sync_phone(phone));
  };
  renders = head("up");
  REQUIRE(renders.size() == 1);
  CHECK(renders[0]["layout"]["bottomText"] == "Battery 80%\n\n\nF news");
  renders = head("up");
  REQUIRE(renders.size() == 1);
  CHECK(renders[0]["layout"]["bottomText"] == "Battery 80%\n\n\nB news");
  CHECK(head("down").empty());

  // The system dashboard switches to expanded: every app hears it with its own session id.
  dash.socket.send_json(mode_change(kDash, "expanded"));
  for (auto* app : {&dash, &fg, &bg}) {  // the dashboard's own sync first: handled after that
    const auto heard = sync_app(app->socket);
    std::vector<json> changes;
    for (const auto& m : heard)
      if (m.value("type", "") == "dashboard_mode_changed") changes.push_back(m);
    INFO(app->sid << " heard " << json(heard).dump());
    REQUIRE(changes.size() == 1);
    CHECK(changes[0]["mode"] == "expanded");
    CHECK(changes[0]["sessionId"] == app->sid);
    CHECK(changes[0]["timestamp"].is_string());
  }
  renders = displays_in(sync_phone(phone));
  REQUIRE(renders.size() == 1);
  check_render(renders[0]);
  CHECK(renders[0]["layout"] ==
        json{{"layoutType", "text_wall"}, {"text", "10:00 | Battery 80%\nNo expanded content available"}});

  fg.socket.send_json(content_update(kAppPackage, "F details", {"expanded"}));
  renders = displays_after(fg.socket, phone);
  REQUIRE(renders.size() == 1);
  CHECK(renders[0]["layout"]["text"] == "10:00 | Battery 80%\nF details");
  CHECK(head("up").empty());  // rotation is for the main mode
  // Main-mode content while expanded is stored, not rendered.
  bg.socket.send_json(content_update(kBg, "B later", {"main"}));
  CHECK(displays_after(bg.socket, phone).empty());
}

namespace {

// The default-style host (keepalive, device, test_app_starter) with the display plugin entry
// changed by `edit`.
HostSetup host_with_display_entry(const std::function<void(json&)>& edit) {
  HostSetup setup = display_host();
  for (auto& entry : setup.manifest["plugins"])
    if (entry["name"] == "display") edit(entry);
  return setup;
}

void check_display_unsupported_but_socket_usable(const TestHost& host, WsClient& phone,
                                                 Connected& app) {
  subscribe(app.socket, app.sid, {"button_press"});
  app.socket.send_json(display_event(kAppPackage, "hello"));
  const auto error = expect_app_error(app.socket, "UNSUPPORTED_MESSAGE_TYPE");
  INFO("error: " << error.dump());
  CHECK_THAT(error.value("message", ""), Contains("display_event"));
  CHECK(error["timestamp"].is_string());
  CHECK(app.socket.is_open());

  // Everything else keeps working on the same socket.
  phone.send_json({{"type", "button_press"}, {"buttonId", "camera"}, {"pressType", "short"}});
  const auto press = app.socket.read_until_type("data_stream");
  CHECK(press["streamType"] == "button_press");
  CHECK(press["data"]["buttonId"] == "camera");
  CHECK(displays_in(sync_phone(phone)).empty());
  CHECK(app.socket.is_open());
  (void)host;
}

}  // namespace

TEST_CASE("With display disabled in the manifest, display_event is UNSUPPORTED_MESSAGE_TYPE",
          "[display][disabled]") {
  SECTION("the whole plugin (enabled: false)") {
    TestHost host(host_with_display_entry([](json& e) { e["enabled"] = false; }));
    auto phone = host.connect_phone(kUser);
    report_glasses(phone);
    auto app = connect(host, phone, kAppPackage, kAppKey);
    check_display_unsupported_but_socket_usable(host, phone, app);
    // The dashboard types are gone with it.
    app.socket.send_json({{"type", "dashboard_content_update"}, {"content", "x"},
                          {"modes", {"main"}}});
    const auto error = expect_app_error(app.socket, "UNSUPPORTED_MESSAGE_TYPE");
    CHECK_THAT(error.value("message", ""), Contains("dashboard_content_update"));
  }

  SECTION("only its handler (disabledHandlers: app:display_event)") {
    TestHost host(
        host_with_display_entry([](json& e) { e["disabledHandlers"] = {"app:display_event"}; }));
    auto phone = host.connect_phone(kUser);
    report_glasses(phone);
    auto app = connect(host, phone, kAppPackage, kAppKey);
    check_display_unsupported_but_socket_usable(host, phone, app);
    // The rest of the plugin still runs: dashboard content is rendered, no error.
    app.socket.send_json({{"type", "dashboard_content_update"}, {"content", "still here"},
                          {"modes", {"main"}}});
    const auto heard = sync_app(app.socket);
    for (const auto& m : heard) CHECK(m.value("type", "") != "tpa_connection_error");
    const auto renders = displays_in(sync_phone(phone));
    REQUIRE(renders.size() == 1);
    CHECK(renders[0]["view"] == "dashboard");
    CHECK_THAT(renders[0]["layout"]["bottomText"].get<std::string>(), Contains("still here"));
  }
}
