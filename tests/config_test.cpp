// An operator configures the host: every reference variable overrides the file, every bad value
// is refused at start naming its key, and `glasshubctl config check` lists every problem.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// `glasshub --print-config` of `config` (on top of the test defaults) with `env`.
ProcessResult print_config(const json& config, const Environment& env) {
  HostSetup setup;
  setup.config = config;
  HostFiles files(setup);
  auto command = files.command();
  command.push_back("--print-config");
  return run_process(command, 10s, env);
}

json effective(const json& config, const Environment& env) {
  const auto run = print_config(config, env);
  INFO("stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("Every environment variable overrides its key of the file", "[config]") {
  // The file sets every key to something else, so each value below can only come from its variable.
  const json file = {{"server",
                      {{"port", 1111},
                       {"metricsPort", 1112},
                       {"corsOrigins", {"https://file.example"}},
                       {"publicWsUrl", "ws://file/app-ws"},
                       {"adminToken", "file-token"}}},
                     {"websocket",
                      {{"glassesHeartbeatIntervalMs", 1500},
                       {"pongTimeoutMs", 1500},
                       {"pongTimeoutEnabled", false}}},
                     {"session", {{"gracePeriodMs", 1500}, {"gracePeriodCleanupEnabled", true}}},
                     {"app",
                      {{"sessionTimeoutMs", 1500},
                       {"gracePeriodMs", 1500},
                       {"subscriptionGraceMs", 1500}}},
                     {"auth", {{"jwtSecret", "file-secret"}}},
                     {"storage", {{"sqlitePath", "file.sqlite3"}}},
                     {"logging", {{"level", "warn"}}}};
  const Environment env = {{"PORT", "2222"},
                           {"METRICS_PORT", "2223"},
                           {"HOST", "127.0.0.2"},
                           {"CORS_ORIGINS", "https://a.example, https://b.example"},
                           {"PUBLIC_WS_URL", "wss://env.example/app-ws"},
                           {"ADMIN_TOKEN", "env-token"},
                           {"GLASSES_HEARTBEAT_MS", "3001"},
                           {"PONG_TIMEOUT_MS", "3002"},
                           {"PONG_TIMEOUT_ENABLED", "true"},
                           {"SESSION_GRACE_PERIOD_MS", "3003"},
                           {"SESSION_GRACE_CLEANUP_ENABLED", "false"},
                           {"APP_SESSION_TIMEOUT_MS", "3004"},
                           {"APP_GRACE_PERIOD_MS", "3005"},
                           {"APP_SUBSCRIPTION_GRACE_MS", "3006"},
                           {"AUGMENTOS_AUTH_JWT_SECRET", "env-secret"},
                           {"SQLITE_PATH", "env.sqlite3"},
                           {"LOG_LEVEL", "debug"}};
  const json c = effective(file, env);
  INFO(c.dump(2));
  CHECK(c["server"]["port"] == 2222);
  CHECK(c["server"]["metricsPort"] == 2223);
  CHECK(c["server"]["host"] == "127.0.0.2");
  CHECK(c["server"]["corsOrigins"] == json::array({"https://a.example", "https://b.example"}));
  CHECK(c["server"]["publicWsUrl"] == "wss://env.example/app-ws");
  CHECK(c["server"]["adminToken"] == "env-token");
  CHECK(c["websocket"]["glassesHeartbeatIntervalMs"] == 3001);
  CHECK(c["websocket"]["pongTimeoutMs"] == 3002);
  CHECK(c["websocket"]["pongTimeoutEnabled"] == true);
  CHECK(c["session"]["gracePeriodMs"] == 3003);
  CHECK(c["session"]["gracePeriodCleanupEnabled"] == false);
  CHECK(c["app"]["sessionTimeoutMs"] == 3004);
  CHECK(c["app"]["gracePeriodMs"] == 3005);
  CHECK(c["app"]["subscriptionGraceMs"] == 3006);
  CHECK(c["auth"]["jwtSecret"] == "env-secret");
  CHECK(c["storage"]["sqlitePath"] == "env.sqlite3");
  CHECK(c["logging"]["level"] == "debug");

  SECTION("without the variables the file's values stand") {
    const json f = effective(file, {});
    CHECK(f["server"]["port"] == 1111);
    CHECK(f["websocket"]["glassesHeartbeatIntervalMs"] == 1500);
    CHECK(f["session"]["gracePeriodCleanupEnabled"] == true);
    CHECK(f["auth"]["jwtSecret"] == "file-secret");
  }
  SECTION("booleans also take 1 and 0") {
    const json f = effective(file, {{"PONG_TIMEOUT_ENABLED", "1"},
                                    {"SESSION_GRACE_CLEANUP_ENABLED", "0"}});
    CHECK(f["websocket"]["pongTimeoutEnabled"] == true);
    CHECK(f["session"]["gracePeriodCleanupEnabled"] == false);
  }
}

TEST_CASE("A bad variable stops start-up with status 2 and names the variable", "[config]") {
  const std::pair<const char*, const char*> bad[] = {
      {"PORT", "eighty"},
      {"PORT", "70000"},
      {"METRICS_PORT", "-1"},
      {"GLASSES_HEARTBEAT_MS", "2s"},
      {"PONG_TIMEOUT_MS", ""},
      {"PONG_TIMEOUT_ENABLED", "yes"},
      {"SESSION_GRACE_PERIOD_MS", "99999999999"},
      {"SESSION_GRACE_CLEANUP_ENABLED", "maybe"},
      {"APP_SESSION_TIMEOUT_MS", "5.5"},
      {"APP_SESSION_TIMEOUT_MS", "0"},  // below the file key's minimum of 100
      {"GLASSES_HEARTBEAT_MS", "0"},
      {"PONG_TIMEOUT_MS", "99"},
      {"APP_GRACE_PERIOD_MS", "-5"},
      {"APP_SUBSCRIPTION_GRACE_MS", "x"},
      {"AUGMENTOS_AUTH_JWT_SECRET", ""},
      {"LOG_LEVEL", "loud"},
      {"PUBLIC_WS_URL", "https://example.com/app-ws"}};
  for (const auto& [name, value] : bad) {
    const auto run = print_config(json::object(), {{name, value}});
    INFO(name << "=\"" << value << "\" -> exit " << run.exit_code << ", stderr: " << run.err);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Contains(std::string("config error: ") + name + ": "));
  }
}

TEST_CASE("A bad key of the file stops start-up with status 2 and names its path", "[config]") {
  const std::pair<json, const char*> bad[] = {
      {{{"server", {{"port", "eighty"}}}}, "server.port: must be a non-negative integer"},
      {{{"server", {{"prot", 80}}}}, "server.prot: unknown key"},
      {{{"server", {{"corsOrigins", "*"}}}}, "server.corsOrigins: must be an array"},
      {{{"server", {{"publicWsUrl", "example.com/app-ws"}}}},
       "server.publicWsUrl: must be a ws:// or wss:// URL"},
      {{{"server", {{"httpBodyLimitBytes", 10}}}}, "server.httpBodyLimitBytes: must be between"},
      {{{"server", {{"metricsPort", 5000}, {"port", 5000}}}}, "server.metricsPort: must differ"},
      {{{"server", {{"outboundHttpTimeoutMs", 0}}}},
       "server.outboundHttpTimeoutMs: must be between 100 and 600000"},
      {{{"server", {{"outboundHttpMaxBodyBytes", "1MiB"}}}},
       "server.outboundHttpMaxBodyBytes: must be a non-negative integer"},
      {{{"websocket", {{"pongTimeoutEnabled", "yes"}}}},
       "websocket.pongTimeoutEnabled: must be true or false"},
      {{{"websocket", {{"closeTimeoutMs", 1}}}}, "websocket.closeTimeoutMs: must be between"},
      {{{"session", {{"gracePeriodMs", -1}}}}, "session.gracePeriodMs: must be a non-negative"},
      {{{"app", {{"subscriptionGrace", 1}}}}, "app.subscriptionGrace: unknown key"},
      {{{"logging", {{"plugins", {{"display", "loud"}}}}}},
       "logging.plugins.display: must be one of"},
      {{{"apps", {{{"packageName", "com.x"}}}}}, "apps[0].apiKey: apiKey or hashedApiKey"},
      {{{"storage", 3}}, "storage: must be an object"},
  };
  for (const auto& [config, expected] : bad) {
    HostSetup setup;
    setup.config = config;
    const auto run = run_host_to_exit(setup);
    INFO(config.dump() << " -> exit " << run.exit_code << ", stderr: " << run.err);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Contains(expected));
  }
}

TEST_CASE("glasshubctl config check lists every problem with its key, or says ok", "[config]") {
  TempDir dir;
  SECTION("a good file") {
    const auto file = dir.write("good.json", json{{"server", {{"port", 8100}}}}.dump());
    const auto run = run_glasshubctl({"config", "check", file.string()});
    INFO(run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out == "ok\n");
  }
  SECTION("a file with three problems") {
    const auto file = dir.write(
        "bad.json", json{{"server", {{"port", "x"}, {"colour", "red"}}},
                         {"logging", {{"level", "loud"}}}}
                        .dump());
    const auto run = run_glasshubctl({"config", "check", file.string()});
    CHECK(run.exit_code == 1);
    CHECK(run.out ==
          "server.colour: unknown key\n"
          "server.port: must be a non-negative integer\n"
          "logging.level: must be one of trace, debug, info, warn, error (got \"loud\")\n");
  }
  SECTION("the environment the host would start with, unless --no-env") {
    const auto file = dir.write("good.json", "{}");
    const auto run = run_glasshubctl({"config", "check", file.string()}, {{"PORT", "http"}});
    CHECK(run.exit_code == 1);
    CHECK(run.out == "PORT: must be a non-negative integer (got \"http\")\n");
    const auto alone =
        run_glasshubctl({"config", "check", "--no-env", file.string()}, {{"PORT", "http"}});
    CHECK(alone.exit_code == 0);
  }
  SECTION("a file that is not JSON") {
    const auto file = dir.write("broken.json", "{\"server\":");
    const auto run = run_glasshubctl({"config", "check", file.string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out, Contains("broken.json: not valid JSON"));
  }
}

TEST_CASE("Plugin timings are manifest config: a bad one stops start-up naming its key",
          "[config][lifecycle]") {
  auto lifecycle = product_plugin_entry("app_lifecycle");
  SECTION("the webhook's timings are accepted") {
    lifecycle["config"] = {{"webhookTimeoutMs", 2000}, {"webhookAttempts", 3},
                           {"webhookRetryDelayMs", 250}};
    HostSetup setup;
    setup.manifest = manifest_of({keepalive_entry(), lifecycle});
    TestHost host(setup);
    CHECK(host.get("/health").status == 200);
  }
  SECTION("a bad one is refused") {
    lifecycle["config"] = {{"webhookAttempts", 0}};
    HostSetup setup;
    setup.manifest = manifest_of({keepalive_entry(), lifecycle});
    const auto run = run_host_to_exit(setup);
    INFO(run.err);
    CHECK(run.exit_code == 15);  // the plugin refused its config
    CHECK_THAT(run.err, Contains("config.webhookAttempts must be a whole number between 1 and 10"));
  }
}

TEST_CASE("--print-config shows the outbound HTTP defaults a plugin's call gets when it sets none",
          "[config]") {
  const json c = effective(json::object(), {});
  CHECK(c["server"]["outboundHttpTimeoutMs"] == 10000);  // sdk.h: gh_http_call.timeout_ms 0
  CHECK(c["server"]["outboundHttpMaxBodyBytes"] == 1048576);
  const json set = effective(
      {{"server", {{"outboundHttpTimeoutMs", 2500}, {"outboundHttpMaxBodyBytes", 65536}}}}, {});
  CHECK(set["server"]["outboundHttpTimeoutMs"] == 2500);
  CHECK(set["server"]["outboundHttpMaxBodyBytes"] == 65536);
}

TEST_CASE("docs/configuration.md lists every key --print-config has, and no other", "[config]") {
  // Leaf keys of the effective configuration (arrays and the logging.plugins map are leaves).
  std::set<std::string> printed;
  const json c = effective(json::object(), {});
  for (const auto& [section, value] : c.items()) {
    if (!value.is_object() || section == "apps") {
      printed.insert(section);
      continue;
    }
    for (const auto& [key, leaf] : value.items()) printed.insert(section + "." + key);
  }
  // Rows of the key table: "| `key` | default | variable | meaning |".
  std::set<std::string> documented;
  std::istringstream doc(read_file(source_dir() / "docs" / "configuration.md"));
  bool in_table = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("| key | default | variable | meaning |", 0) == 0) in_table = true;
    else if (in_table && line.rfind("|", 0) != 0) break;
    else if (in_table && line.rfind("| `", 0) == 0)
      documented.insert(line.substr(3, line.find('`', 3) - 3));
  }
  CHECK(documented == printed);
}
