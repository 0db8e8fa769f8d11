// The plugin ABI keeps its promise: a plugin built against the frozen v1.0 header loads and works
// in this host, and the header cannot change without a new version and a new lock entry.
#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>

#include <catch2/catch.hpp>

#include <regex>

using namespace glasshub::test;
using Catch::Matchers::Contains;

namespace {

std::string header_define(const std::string& header, const std::string& name) {
  std::smatch m;
  const std::regex re("#define[ \\t]+" + name + "[ \\t]+([0-9]+)");
  if (!std::regex_search(header, m, re)) return {};
  return m[1].str();
}

}  // namespace

TEST_CASE("A plugin built against the frozen v1.0 header loads and answers", "[abi]") {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_frozen_v10")});
  TestHost host(setup);

  auto phone = host.connect_phone("frozen@example.com");
  phone.send_json({{"type", "frozen_hello"}});
  CHECK(phone.read_until_type("frozen_hello_back") == nlohmann::json{{"type", "frozen_hello_back"}});

  const auto handlers = host.admin_handlers();
  const auto* plugin = find_plugin(handlers, "test_frozen_v10");
  REQUIRE(plugin != nullptr);
  CHECK((*plugin)["abi"] == "1.0");
  CHECK((*plugin)["loaded"] == true);
}

TEST_CASE("sdk.h matches the lock entry of its own ABI version", "[abi]") {
  const auto header_path = source_dir() / "sdk/include/glasshub/sdk.h";
  const auto lock_path = source_dir() / "tests/abi/abi_lock.json";
  const std::string header = read_file(header_path);
  REQUIRE_FALSE(header.empty());
  const auto lock = nlohmann::json::parse(read_file(lock_path));

  const std::string major = header_define(header, "GLASSHUB_ABI_VERSION_MAJOR");
  const std::string minor = header_define(header, "GLASSHUB_ABI_VERSION_MINOR");
  REQUIRE_FALSE(major.empty());
  REQUIRE_FALSE(minor.empty());
  const std::string version = major + "." + minor;
  const std::string hash = glasshub::core::sha256_hex(header);

  const std::string how_to =
      "sdk/include/glasshub/sdk.h changed under ABI " + version +
      ". A released ABI never changes: append to the structs as sdk.h's rules allow, bump "
      "GLASSHUB_ABI_VERSION_MINOR, and add \"" +
      major + ".<new minor>\": \"<sha256 of the new sdk.h>\" to tests/abi/abi_lock.json (this "
      "header's sha256 is " + hash + "). Never edit an existing lock entry.";

  INFO(how_to);
  REQUIRE(lock.contains(version));
  CHECK(lock[version].get<std::string>() == hash);
}

TEST_CASE("The frozen v1.0 header is still the one locked as 1.0", "[abi]") {
  const std::string frozen = read_file(source_dir() / "tests/abi/v1_0/glasshub/sdk.h");
  const auto lock = nlohmann::json::parse(read_file(source_dir() / "tests/abi/abi_lock.json"));
  INFO("tests/abi/v1_0/glasshub/sdk.h is a byte-for-byte copy of the released 1.0 header; "
       "it must never be edited");
  REQUIRE(lock.contains("1.0"));
  CHECK(lock["1.0"].get<std::string>() == glasshub::core::sha256_hex(frozen));
}

TEST_CASE("glasshubctl plugins inspect reports the frozen plugin's ABI", "[abi][glasshubctl]") {
  const auto run =
      run_glasshubctl({"plugins", "inspect", test_plugin_library("test_frozen_v10").string()});
  INFO("stderr:\n" << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Contains("test_frozen_v10"));
  CHECK_THAT(run.out, Contains("1.0"));
}
