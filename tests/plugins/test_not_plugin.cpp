// test_not_plugin: a perfectly good shared library that is not a glasshub plugin (no
// glasshub_plugin_entry), so the host must say "not a plugin" rather than crash or hang.
extern "C" __attribute__((visibility("default"))) int glasshub_test_unrelated_function(void) {
  return 42;
}
