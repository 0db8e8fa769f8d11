/* test_frozen_v10: a pure-C plugin compiled against the frozen copy of the v1.0 header
 * (tests/abi/v1_0/glasshub/sdk.h), never the current one. The host must keep loading it for the
 * whole of ABI major 1.
 *   glasses frozen_hello -> {"type":"frozen_hello_back"} */
#include <glasshub/sdk.h>

#include <stddef.h>

#if GLASSHUB_ABI_VERSION_MAJOR != 1 || GLASSHUB_ABI_VERSION_MINOR != 0
#error "test_frozen_v10 must be compiled against tests/abi/v1_0 only"
#endif

static gh_status on_frozen_hello(void* handler_state, const gh_message* message) {
  static const char reply[] = "{\"type\":\"frozen_hello_back\"}";
  const gh_host_api* host = (const gh_host_api*)handler_state;
  gh_str bytes;
  bytes.ptr = reply;
  bytes.len = sizeof reply - 1;
  return host->send_to_glasses(message->user, GH_FRAME_TEXT, bytes, GH_DELIVERY_RELIABLE);
}

static gh_status on_load(const gh_host_api* host, gh_plugin* plugin, gh_registrar* registrar,
                         void** plugin_state) {
  static const char type[] = "frozen_hello";
  gh_str type_str;
  (void)plugin;
  *plugin_state = NULL;
  type_str.ptr = type;
  type_str.len = sizeof type - 1;
  /* The host table outlives the plugin: pass it as the handler's state. */
  return host->register_handler(registrar, GH_ENDPOINT_GLASSES, type_str, on_frozen_hello,
                                (void*)host);
}

GLASSHUB_EXPORT gh_plugin_info glasshub_plugin_entry(void) {
  gh_plugin_info info;
  info.abi_major = GLASSHUB_ABI_VERSION_MAJOR;
  info.abi_minor = GLASSHUB_ABI_VERSION_MINOR;
  info.name = "test_frozen_v10";
  info.version = "1.0.0";
  info.description = "built against the frozen v1.0 header";
  info.on_load = on_load;
  info.on_unload = NULL;
  return info;
}
