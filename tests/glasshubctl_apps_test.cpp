// An operator registers apps with `glasshubctl apps` in the host's SQLite database: the host
// accepts an app added there (no `apps` in its config), and refuses it once removed.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>

#include <catch2/catch.hpp>

#include <sstream>

using namespace glasshub::test;
using Catch::Matchers::Contains;

namespace {

const std::string kUser = "alice@example.com";

std::vector<std::string> apps_cmd(const fs::path& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"apps", "--db", db.string()});
  return args;
}

nlohmann::json list_json(const fs::path& db) {
  const auto run = run_glasshubctl(apps_cmd(db, {"list", "--json"}));
  INFO("stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  return nlohmann::json::parse(run.out);
}

}  // namespace

TEST_CASE("An app added with glasshubctl connects; removed, it is refused", "[glasshubctl][app]") {
  TempDir dir;
  const fs::path db = dir.path() / "registry.sqlite3";
  {
    const auto run = run_glasshubctl(apps_cmd(
        db, {"add", "--package", kAppPackage, "--name", "Example", "--url", "http://127.0.0.1:1/",
             "--api-key", kAppKey, "--permission", "MICROPHONE", "--permission", "CAMERA"}));
    INFO("stderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.out, Contains(kAppPackage));
  }
  const auto listed = list_json(db);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["packageName"] == kAppPackage);
  CHECK(listed[0]["name"] == "Example");
  CHECK(listed[0]["publicUrl"] == "http://127.0.0.1:1");  // trailing slash dropped, as on load
  CHECK(listed[0]["hashedApiKey"] == glasshub::core::sha256_hex(kAppKey));
  CHECK(listed[0]["permissions"] == nlohmann::json{"MICROPHONE", "CAMERA"});
  CHECK(listed[0]["appType"] == "standard");

  HostSetup setup = app_host_setup({{"storage", {{"sqlitePath", db.string()}}}});
  setup.config.erase("apps");
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  CHECK(app.is_open());

  // Removed while the host runs: the next init is refused.
  {
    const auto run = run_glasshubctl(apps_cmd(db, {"remove", kAppPackage}));
    INFO("stderr: " << run.err);
    REQUIRE(run.exit_code == 0);
  }
  auto again = open_app_socket(host.port());
  again.send_json(app_init(sid));
  const auto error = again.read_json();
  CHECK(error["code"] == "INVALID_API_KEY");
  const auto closed = again.expect_closed();
  CHECK(closed.code == 1008);
  CHECK(closed.reason == "Invalid API key");

  // And the phone can no longer allow it.
  phone.send_json({{"type", "test_allow_app"}, {"packageName", kAppPackage}});
  CHECK(phone.read_until_type("test_app_refused")["packageName"] == kAppPackage);
}

TEST_CASE("glasshubctl apps add validates like the config file", "[glasshubctl]") {
  TempDir dir;
  const fs::path db = dir.path() / "apps.sqlite3";
  const std::vector<std::string> base{"add", "--package", "com.x", "--url", "http://x"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_glasshubctl(apps_cmd(db, args));
  };

  SECTION("a hashed key is stored as given; --type and --name") {
    const std::string hash(64, 'a');
    const auto run = with({"--hashed-api-key", hash, "--type", "background"});
    INFO("stderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    const auto listed = list_json(db);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["hashedApiKey"] == hash);
    CHECK(listed[0]["appType"] == "background");
    CHECK(listed[0]["name"] == "com.x");  // defaults to the package
    CHECK(listed[0]["permissions"] == nlohmann::json::array());
  }
  SECTION("adding it again replaces it") {
    REQUIRE(with({"--api-key", "one"}).exit_code == 0);
    REQUIRE(with({"--api-key", "two", "--name", "Renamed"}).exit_code == 0);
    const auto listed = list_json(db);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["hashedApiKey"] == glasshub::core::sha256_hex("two"));
    CHECK(listed[0]["name"] == "Renamed");
  }

  SECTION("a refused entry is named by its option and not written") {
    struct Refused {
      const char* what;
      std::vector<std::string> extra;
      const char* names;
    };
    const std::vector<Refused> refused = {
        {"uppercase hash", {"--hashed-api-key", std::string(64, 'A')}, "--hashed-api-key"},
        {"short hash", {"--hashed-api-key", "abc123"}, "--hashed-api-key"},
        {"unknown type", {"--api-key", "k", "--type", "foreground"}, "--type"},
        {"no key", {}, "--api-key"},
        {"both keys", {"--api-key", "k", "--hashed-api-key", std::string(64, 'a')}, "--api-key"},
    };
    for (const auto& r : refused) {
      INFO(r.what);
      const auto run = with(r.extra);
      INFO("stdout: " << run.out << "\nstderr: " << run.err);
      CHECK(run.exit_code != 0);
      CHECK_THAT(run.err, Contains(r.names));
    }
    if (fs::exists(db)) CHECK(list_json(db).empty());  // the db need not even exist
  }
}

TEST_CASE("glasshubctl apps list and remove", "[glasshubctl]") {
  TempDir dir;
  const fs::path db = dir.path() / "apps.sqlite3";
  for (const char* p : {"com.b", "com.a"}) {
    REQUIRE(run_glasshubctl(apps_cmd(db, {"add", "--package", p, "--url", "http://a",
                                          "--api-key", "k", "--permission", "MICROPHONE"}))
                .exit_code == 0);
  }

  SECTION("the table has a header and one row per app, sorted") {
    const auto run = run_glasshubctl(apps_cmd(db, {"list"}));
    REQUIRE(run.exit_code == 0);
    std::istringstream lines(run.out);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    CHECK_THAT(header, Contains("PACKAGE"));
    CHECK_THAT(first, Contains("com.a") && Contains("MICROPHONE"));
    CHECK_THAT(second, Contains("com.b"));
  }
  SECTION("remove of an absent app fails and changes nothing") {
    const auto run = run_glasshubctl(apps_cmd(db, {"remove", "com.nothere"}));
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, Contains("com.nothere"));
    CHECK(list_json(db).size() == 2);
  }
  SECTION("remove takes one app") {
    REQUIRE(run_glasshubctl(apps_cmd(db, {"remove", "com.a"})).exit_code == 0);
    const auto listed = list_json(db);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["packageName"] == "com.b");
  }
}

TEST_CASE("glasshubctl apps finds the database like the host", "[glasshubctl]") {
  TempDir dir;
  const fs::path from_config = dir.path() / "from-config.sqlite3";
  const fs::path from_env = dir.path() / "from-env.sqlite3";
  const nlohmann::json config_doc = {{"storage", {{"sqlitePath", from_config.string()}}}};
  const auto config = dir.write("config.json", config_doc.dump());
  const std::vector<std::string> add{"add", "--package", "com.x", "--url", "http://x",
                                     "--api-key", "k"};
  auto args_with = [&](std::vector<std::string> head) {
    head.insert(head.end(), add.begin(), add.end());
    return head;
  };

  SECTION("--config: its storage.sqlitePath") {
    REQUIRE(run_glasshubctl(args_with({"apps", "--config", config.string()})).exit_code == 0);
    CHECK(fs::exists(from_config));
  }
  SECTION("otherwise $SQLITE_PATH") {
    REQUIRE(run_glasshubctl(args_with({"apps"}), {{"SQLITE_PATH", from_env.string()}})
                .exit_code == 0);
    CHECK(fs::exists(from_env));
  }
  SECTION("--db after the subcommand") {
    auto args = args_with({"apps"});
    args.insert(args.end(), {"--db", from_env.string()});
    REQUIRE(run_glasshubctl(args).exit_code == 0);
    CHECK(fs::exists(from_env));
  }
  SECTION("an in-memory database is refused") {
    const auto run = run_glasshubctl(args_with({"apps", "--db", ":memory:"}));
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, Contains(":memory:"));
  }
  SECTION("list of a missing file is an error, and does not create it") {
    const auto run = run_glasshubctl({"apps", "--db", from_env.string(), "list"});
    CHECK(run.exit_code != 0);
    CHECK_FALSE(fs::exists(from_env));
  }
}
