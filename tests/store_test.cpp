// The embedded SQLite store keeps what must survive a restart: the app registry and user settings
// (DESIGN.md decision 7). Real SQLite, a real file, reopened.
#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>
#include <glasshub/core/store.hpp>

#include <catch2/catch.hpp>

using glasshub::core::AppConfig;
using glasshub::core::Store;
using glasshub::test::TempDir;

TEST_CASE("The store keeps apps and settings across a reopen", "[store]") {
  TempDir dir;
  const std::string db = (dir.path() / "glasshub.sqlite3").string();
  {
    Store store(db);
    AppConfig app;
    app.package_name = "com.example.notes";
    app.name = "Notes";
    app.public_url = "http://127.0.0.1:9";
    app.hashed_api_key = glasshub::core::sha256_hex("k");
    app.permissions = {"MICROPHONE", "CAMERA"};
    store.upsert_apps({app});
    store.put_user_setting("alice@example.com", "default_wearable", R"("Simulated Glasses")");
    const auto changed = store.update_user_settings(
        "alice@example.com", {{"brightness", "80"}, {"default_wearable", R"("Simulated Glasses")"},
                              {"gone", std::nullopt}});
    CHECK(changed == std::vector<std::string>{"brightness"});  // the wearable was already set
  }
  Store store(db);
  const auto app = store.find_app("com.example.notes");
  REQUIRE(app.has_value());
  CHECK(app->name == "Notes");
  CHECK(app->permissions == std::vector<std::string>{"MICROPHONE", "CAMERA"});
  CHECK(app->hashed_api_key == glasshub::core::sha256_hex("k"));
  CHECK(store.user_setting("alice@example.com", "default_wearable") == R"("Simulated Glasses")");
  CHECK_FALSE(store.user_setting("bob@example.com", "default_wearable").has_value());
  CHECK(store.user_settings("alice@example.com") ==
        std::map<std::string, std::string>{{"brightness", "80"},
                                           {"default_wearable", R"("Simulated Glasses")"}});
  CHECK(store.user_settings("bob@example.com").empty());
  CHECK(store.update_user_settings("alice@example.com", {{"brightness", std::nullopt}}) ==
        std::vector<std::string>{"brightness"});
  CHECK(store.remove_app("com.example.notes"));
  CHECK_FALSE(store.remove_app("com.example.notes"));
  CHECK(store.list_apps().empty());
}
