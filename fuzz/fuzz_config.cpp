// fuzz_config: the configuration file parser (core::load_config, no environment), as the host
// reads it at start-up. A refused file must be a ConfigError; an accepted one must survive the
// round trip through --print-config's JSON unchanged.
#include "finding.hpp"
#include "memfd_file.hpp"

#include <glasshub/core/config.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace core = glasshub::core;
  static glasshub::fuzz::MemfdFile file("glasshub.json");
  file.write(data, size);
  core::Config config;
  try {
    config = core::load_config(file.path(), {});
  } catch (const core::ConfigError&) {
    return 0;  // refused, with the key that is wrong: what the operator should see
  }
  const nlohmann::json printed = core::config_to_json(config);
  try {
    if (core::config_to_json(core::parse_config(printed)) != printed)
      glasshub::fuzz::finding("--print-config output reads back as another configuration",
                              printed.dump());
  } catch (const core::ConfigError& e) {
    glasshub::fuzz::finding("--print-config output is refused as a configuration", e.what());
  }
  return 0;
}
