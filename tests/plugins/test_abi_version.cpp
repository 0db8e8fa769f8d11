// A plugin that claims another ABI version than the one it was built with, through a raw C
// entry point (no sdk.hpp): TEST_PLUGIN_NAME, TEST_ABI_MAJOR and TEST_ABI_MINOR come from CMake.
// The host must refuse it from the entry point's answer alone, before calling on_load.
#include <glasshub/sdk.h>

namespace {

// Never called by a correct host; failing here turns a wrong load into a config_rejected (15)
// exit instead of the ABI failure the test expects.
gh_status on_load(const gh_host_api*, gh_plugin*, gh_registrar*, void**) {
  return GH_ERR_INTERNAL;
}

}  // namespace

extern "C" GLASSHUB_EXPORT gh_plugin_info glasshub_plugin_entry(void) {
  gh_plugin_info info{};
  info.abi_major = TEST_ABI_MAJOR;
  info.abi_minor = TEST_ABI_MINOR;
  info.name = TEST_PLUGIN_NAME;
  info.version = "0.1.0";
  info.description = "claims an ABI version this host does not have";
  info.on_load = &on_load;
  info.on_unload = nullptr;
  return info;
}
