// An operator names a broken plugin in the manifest: glasshub refuses to start with the exit
// status of that failure and a message that names the file, the versions or both plugins — unless
// the entry is marked optional, in which case the host starts without it and serves.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace glasshub::test;
using Catch::Matchers::Contains;

namespace {

struct BadEntry {
  std::string what;
  nlohmann::json entry;
  int exit_code;                        // LoadFailure value (core/plugin_loader.hpp)
  std::vector<std::string> mentions;    // distinctive parts of the message
};

std::vector<BadEntry> bad_entries() {
  auto rejects = test_plugin_entry("test_rejects_config");
  rejects["config"] = {{"greeting", 42}};  // a number, not the string it needs
  return {
      {"missing library file",
       {{"name", "ghost"}, {"library", "no-such-folder/libghost_plugin.so"}},
       10,
       {"libghost_plugin.so"}},
      {"library without the entry point", test_plugin_entry("test_not_plugin"), 11,
       {"libtest_not_plugin.so"}},
      {"plugin built for ABI 2.x", test_plugin_entry("test_abi_major"), 12,
       {"libtest_abi_major.so", "2.0"}},
      {"plugin needing ABI 1.99", test_plugin_entry("test_abi_minor"), 13,
       {"libtest_abi_minor.so", "1.99"}},
      {"second claim of glasses ping", test_plugin_entry("test_dup"), 14,
       {"keepalive", "test_dup", "ping"}},
      {"plugin refusing its config", rejects, 15, {"test_rejects_config"}},
  };
}

// The failure line glasshub prints for a plugin that did not load.
std::string load_failure_line(const std::string& err) {
  const auto at = err.find("glasshub: plugin load failed: ");
  if (at == std::string::npos) return {};
  return err.substr(at, err.find('\n', at) - at);
}

}  // namespace

TEST_CASE("A broken plugin entry stops start-up with its own status and message", "[loader]") {
  for (const auto& bad : bad_entries()) {
    DYNAMIC_SECTION(bad.what) {
      HostSetup setup;
      setup.manifest = manifest_of({keepalive_entry(), bad.entry});

      const auto run = run_host_to_exit(setup);

      INFO("stderr:\n" << run.err);
      REQUIRE_FALSE(run.timed_out);
      CHECK(run.exit_code == bad.exit_code);
      const std::string line = load_failure_line(run.err);
      REQUIRE_FALSE(line.empty());
      for (const auto& part : bad.mentions) CHECK_THAT(line, Contains(part));
    }
  }
}

TEST_CASE("The same broken entry marked optional is skipped and the host serves", "[loader]") {
  for (const auto& bad : bad_entries()) {
    DYNAMIC_SECTION(bad.what) {
      auto entry = bad.entry;
      entry["optional"] = true;
      HostSetup setup;
      setup.manifest = manifest_of({keepalive_entry(), entry});

      TestHost host(setup);

      // keepalive still owns glasses ping, and answers it.
      auto phone = host.connect_phone("optional@example.com");
      phone.send_json({{"type", "ping"}});
      CHECK(phone.read_until_type("pong") == nlohmann::json{{"type", "pong"}});
      const auto handlers = host.admin_handlers();
      const auto* route = find_route(handlers, "glasses", "ping");
      REQUIRE(route != nullptr);
      CHECK((*route)["plugin"] == "keepalive");
    }
  }
}

TEST_CASE("A manifest that is not a manifest stops start-up with status 17", "[loader]") {
  TempDir dir;
  HostSetup setup;
  setup.manifest_file = dir.write("plugin-manifest.json", R"({"plugins": "keepalive"})");

  const auto run = run_host_to_exit(setup);

  INFO("stderr:\n" << run.err);
  CHECK(run.exit_code == 17);
  CHECK_THAT(run.err, Contains("plugin-manifest.json"));
}

TEST_CASE("A config file with a wrong value stops start-up with status 2", "[config]") {
  HostSetup setup;
  setup.config = {{"server", {{"port", "eighty"}}}};

  const auto run = run_host_to_exit(setup);

  INFO("stderr:\n" << run.err);
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Contains("server.port"));
}
