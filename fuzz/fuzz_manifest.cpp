// fuzz_manifest: the plugin manifest parser (core::load_manifest and check_manifest, what
// `glasshub` and `glasshubctl manifest check` run). A refused manifest must be a ManifestError
// naming its problems; check_manifest must find a problem whenever load_manifest refuses.
#include "finding.hpp"
#include "memfd_file.hpp"

#include <glasshub/core/manifest.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace core = glasshub::core;
  static glasshub::fuzz::MemfdFile file("plugin-manifest.json");
  file.write(data, size);
  bool refused = false;
  try {
    const core::Manifest m = core::load_manifest(file.path());
    for (const auto& e : m.plugins)
      if (e.name.empty() || e.library.empty())
        glasshub::fuzz::finding("an accepted manifest has an entry without name or library");
  } catch (const core::ManifestError& e) {
    refused = true;
    if (std::string_view(e.what()).empty())
      glasshub::fuzz::finding("a manifest was refused without a reason");
  }
  if (refused && core::check_manifest(file.path()).empty())
    glasshub::fuzz::finding("load_manifest refuses a manifest that check_manifest finds fine");
  return 0;
}
