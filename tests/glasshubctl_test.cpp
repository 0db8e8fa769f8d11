// An operator uses glasshubctl: asks a running host who handles what, checks a manifest before
// deploying it, inspects a plugin file, and mints a development token.
#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <tuple>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using Route = std::tuple<std::string, std::string, std::string>;  // endpoint, type, plugin

std::set<Route> routes_of(const nlohmann::json& handlers) {
  std::set<Route> out;
  for (const auto& r : handlers.at("routes")) {
    out.emplace(r.at("endpoint").get<std::string>(), r.at("type").get<std::string>(),
                r.at("plugin").get<std::string>());
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// A port nobody listens on (bound, then released).
uint16_t unused_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("glasshubctl handlers shows the running host's routing table", "[glasshubctl]") {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_faulty")});
  TestHost host(setup);
  const auto expected = routes_of(host.admin_handlers());
  REQUIRE(expected.size() >= 10);  // keepalive's 4 + test_faulty's 6

  SECTION("--json prints the /admin/handlers document") {
    const auto run =
        run_glasshubctl({"handlers", "--url", host.url(), "--token", kAdminToken, "--json"});
    INFO("stderr:\n" << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(routes_of(nlohmann::json::parse(run.out)) == expected);
  }

  SECTION("the table has one row per route, token from GLASSHUB_ADMIN_TOKEN") {
    const auto run =
        run_glasshubctl({"handlers", "--url", host.url()}, {{"GLASSHUB_ADMIN_TOKEN", kAdminToken}});
    INFO("stderr:\n" << run.err);
    REQUIRE(run.exit_code == 0);
    std::set<Route> rows;
    for (const auto& line : lines_of(run.out)) {
      std::istringstream in(line);
      std::string endpoint, type, plugin;
      in >> endpoint >> type >> plugin;
      if (endpoint == "ENDPOINT") continue;  // header
      rows.emplace(endpoint, type, plugin);
    }
    CHECK(rows == expected);
  }

  SECTION("a wrong token is a clear error") {
    const auto run = run_glasshubctl({"handlers", "--url", host.url(), "--token", "wrong"});
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, StartsWith("glasshubctl: "));
    CHECK_THAT(run.err, Contains("40"));  // 401 or 403
  }
}

TEST_CASE("glasshubctl handlers explains a host that is not there", "[glasshubctl]") {
  const auto run = run_glasshubctl(
      {"handlers", "--url", "http://127.0.0.1:" + std::to_string(unused_port()), "--token", "t"});
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.err, StartsWith("glasshubctl: "));
  CHECK_THAT(run.err, Contains("refused"));
}

TEST_CASE("glasshubctl manifest check accepts a good manifest", "[glasshubctl]") {
  TempDir dir;
  const auto manifest = dir.write(
      "plugin-manifest.json",
      manifest_of({keepalive_entry(), test_plugin_entry("test_faulty")}).dump(2));

  const auto run = run_glasshubctl({"manifest", "check", manifest.string()});

  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  CHECK(run.exit_code == 0);
  CHECK(lines_of(run.out) == std::vector<std::string>{"ok"});
}

TEST_CASE("glasshubctl manifest check lists every problem, one per line", "[glasshubctl]") {
  TempDir dir;
  auto same_name = test_plugin_entry("test_faulty");
  same_name["name"] = "keepalive";  // a second "keepalive"
  auto wrong_types = test_plugin_entry("test_faulty");
  wrong_types["name"] = "typo";
  wrong_types["enabled"] = "yes";  // must be a boolean
  const auto manifest = dir.write(
      "plugin-manifest.json",
      manifest_of({keepalive_entry(), same_name,
                   {{"name", "ghost"}, {"library", "plugins/libghost_plugin.so"}}, wrong_types})
          .dump(2));

  const auto run = run_glasshubctl({"manifest", "check", manifest.string()});

  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  CHECK(run.exit_code == 1);
  const auto problems = lines_of(run.out);
  CHECK(problems.size() >= 3);
  int missing = 0, duplicate = 0, typed = 0;
  for (const auto& line : problems) {
    if (line.find("libghost_plugin.so") != std::string::npos) ++missing;
    if (line.find("keepalive") != std::string::npos) ++duplicate;
    if (line.find("enabled") != std::string::npos) ++typed;
  }
  CHECK(missing == 1);
  CHECK(duplicate >= 1);
  CHECK(typed >= 1);
}

TEST_CASE("glasshubctl manifest check --load finds clashes that need loading", "[glasshubctl]") {
  TempDir dir;
  const auto manifest = dir.write(
      "plugin-manifest.json",
      manifest_of({keepalive_entry(), test_plugin_entry("test_dup")}).dump(2));

  SECTION("without --load the file looks fine") {
    const auto run = run_glasshubctl({"manifest", "check", manifest.string()});
    INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
    CHECK(run.exit_code == 0);
  }
  SECTION("with --load the duplicate claim names both plugins") {
    const auto run = run_glasshubctl({"manifest", "check", "--load", manifest.string()});
    INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out, Contains("keepalive") && Contains("test_dup"));
  }
}

TEST_CASE("glasshubctl manifest check flags a library that is not a plugin", "[glasshubctl]") {
  TempDir dir;
  const auto manifest = dir.write(
      "plugin-manifest.json",
      manifest_of({keepalive_entry(), test_plugin_entry("test_not_plugin"),
                   test_plugin_entry("test_abi_major")})
          .dump(2));

  const auto run = run_glasshubctl({"manifest", "check", manifest.string()});

  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  CHECK(run.exit_code == 1);
  const auto problems = lines_of(run.out);
  CHECK(problems.size() == 2);
  CHECK_THAT(run.out, Contains("libtest_not_plugin.so"));
  CHECK_THAT(run.out, Contains("libtest_abi_major.so"));
}

TEST_CASE("glasshubctl plugins inspect reads a plugin's entry point", "[glasshubctl]") {
  SECTION("keepalive") {
    const auto run =
        run_glasshubctl({"plugins", "inspect", plugin_library("glasshub_keepalive").string()});
    INFO("stderr:\n" << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Contains("name: keepalive"));
    CHECK_THAT(run.out, Contains("abi: 1."));
    CHECK_THAT(run.out, Contains("version: "));
    CHECK_THAT(run.out, Contains("description: "));
  }
  SECTION("a library that is not a plugin") {
    const auto run =
        run_glasshubctl({"plugins", "inspect", test_plugin_library("test_not_plugin").string()});
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, StartsWith("glasshubctl: "));
    CHECK_THAT(run.err, Contains("libtest_not_plugin.so"));
  }
  SECTION("a file that does not exist") {
    const auto run = run_glasshubctl({"plugins", "inspect", "/nonexistent/libnothing.so"});
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, Contains("libnothing.so"));
  }
}

TEST_CASE("glasshubctl token mints a token the host accepts", "[glasshubctl]") {
  SECTION("with --secret") {
    const auto run = run_glasshubctl(
        {"token", "--user", "alice@example.com", "--secret", kJwtSecret, "--ttl", "60"});
    REQUIRE(run.exit_code == 0);
    const auto check = glasshub::core::verify_core_token(lines_of(run.out).at(0), kJwtSecret);
    CHECK(check.user_id == std::optional<std::string>("alice@example.com"));
  }
  SECTION("secret from AUGMENTOS_AUTH_JWT_SECRET") {
    const auto run = run_glasshubctl({"token", "--user", "bob@example.com"},
                                     {{"AUGMENTOS_AUTH_JWT_SECRET", "env-secret"}});
    REQUIRE(run.exit_code == 0);
    const auto check = glasshub::core::verify_core_token(lines_of(run.out).at(0), "env-secret");
    CHECK(check.user_id == std::optional<std::string>("bob@example.com"));
  }
  SECTION("a phone connects with it") {
    TestHost host;
    const auto run = run_glasshubctl({"token", "--user", "carol@example.com"},
                                     {{"AUGMENTOS_AUTH_JWT_SECRET", kJwtSecret}});
    REQUIRE(run.exit_code == 0);
    auto phone = connect_phone(host.port(), lines_of(run.out).at(0));
    CHECK(phone.is_open());
  }
}
