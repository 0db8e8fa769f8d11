// The installed product works with a plugin built out of tree against the installed SDK.
// Run by tests/install/out_of_tree_test.sh, which installs, builds examples/hello_plugin and
// writes a manifest; it hands over GLASSHUB_INSTALLED_BIN and GLASSHUB_INSTALLED_MANIFEST.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace glasshub::test;

namespace {

std::optional<fs::path> env_file(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return fs::path(value);
}

}  // namespace

TEST_CASE("The installed glasshub serves an out-of-tree plugin", "[install]") {
  const auto bin = env_file("GLASSHUB_INSTALLED_BIN");
  const auto manifest = env_file("GLASSHUB_INSTALLED_MANIFEST");
  if (!bin || !manifest) {
    FAIL("GLASSHUB_INSTALLED_BIN and GLASSHUB_INSTALLED_MANIFEST are not set: this test is run by "
         "tests/install/out_of_tree_test.sh (ctest -L install), not on its own");
  }
  HostSetup setup;
  setup.binary = *bin;
  setup.manifest_file = *manifest;
  TestHost host(setup);

  auto phone = host.connect_phone("outoftree@example.com");
  phone.send_json({{"type", "hello"}});
  CHECK(phone.read_until_type("hello_back") ==
        nlohmann::json{{"type", "hello_back"}, {"user", "outoftree@example.com"}});

  phone.send_json({{"type", "ping"}});  // the installed keepalive
  CHECK(phone.read_until_type("pong")["type"] == "pong");

  const auto handlers = host.admin_handlers();
  const auto* hello = find_plugin(handlers, "hello");
  REQUIRE(hello != nullptr);
  CHECK((*hello)["loaded"] == true);
  const auto* route = find_route(handlers, "glasses", "hello");
  REQUIRE(route != nullptr);
  CHECK((*route)["plugin"] == "hello");
}
