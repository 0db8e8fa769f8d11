// Loading plugins named by the manifest (Boost.DLL), with one clear error per failure.
#pragma once

#include <glasshub/core/manifest.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace glasshub::core {

// Why a plugin failed to load. The value is also the process exit status of `glasshub`.
enum class LoadFailure : int {
  file_missing = 10,       // the library file does not exist or cannot be opened
  not_a_plugin = 11,       // it has no glasshub_plugin_entry symbol
  abi_major_mismatch = 12, // built for another major ABI version
  abi_minor_too_new = 13,  // needs a newer minor ABI than this host has
  duplicate_handler = 14,  // two plugins claim the same (endpoint, type)
  config_rejected = 15,    // on_load refused (bad config) or failed
  invalid_plugin = 16,     // null on_load, empty name, registration error
  manifest_invalid = 17    // the manifest itself is unreadable or wrong
};

class LoadError : public std::runtime_error {
 public:
  LoadError(LoadFailure failure, const std::string& message)
      : std::runtime_error(message), failure_(failure) {}
  LoadFailure failure() const noexcept { return failure_; }
  int exit_code() const noexcept { return static_cast<int>(failure_); }

 private:
  LoadFailure failure_;
};

// What `glasshubctl plugins inspect` shows: the entry point's answer, without on_load.
struct PluginInfo {
  std::string name, version, description, path;
  uint32_t abi_major = 0, abi_minor = 0;
};
// Throws LoadError (file_missing, not_a_plugin).
PluginInfo inspect_plugin(const std::string& library_path);

// The loaded plugins and their frozen routing table. Unloads everything when destroyed.
class PluginSet {
 public:
  struct Impl;  // core/src/plugin_set.hpp
  explicit PluginSet(std::unique_ptr<Impl> impl);
  ~PluginSet();
  Impl& impl() noexcept { return *impl_; }
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// What identifies the build of a library file: a rebuilt file differs in one of them.
struct FileStamp {
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  uintmax_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

struct LoadOptions {
  std::string sqlite_path = ":memory:";  // backing store of each plugin's key-value space
  std::string host_settings_json = "{}";  // what gh_host_api::host_settings shows, from load on
};

// Load every enabled entry, in manifest order; optional entries that fail are logged and
// skipped. Throws LoadError naming the file, the plugin and the versions involved.
std::unique_ptr<PluginSet> load_plugins(const Manifest& manifest, const LoadOptions& options);

// A reload that cannot be applied: every reason, one per entry.
class ReloadRefused : public std::runtime_error {
 public:
  explicit ReloadRefused(std::vector<std::string> reasons);
  const std::vector<std::string>& reasons() const noexcept { return reasons_; }

 private:
  std::vector<std::string> reasons_;
};

// The set `manifest` asks for, next to the running `current` (live reload): a plugin whose
// name, library path, library file and config are unchanged is carried over as the same object
// (its state, timers and user data survive); every other enabled entry is loaded anew (on_load
// runs). `host_settings_json` is what newly loaded plugins see. `changes` receives one
// {"plugin","change",...} object per difference. Throws ReloadRefused with every failure; then
// nothing of `current` was touched.
std::unique_ptr<PluginSet> reload_plugins(const PluginSet& current, const Manifest& manifest,
                                          const std::string& host_settings_json,
                                          nlohmann::json& changes);

// Plugins (loaded or not) and their handlers as JSON: what /admin/handlers and
// `glasshubctl plugins list --json` print.
nlohmann::json describe_plugins(const PluginSet& plugins);

}  // namespace glasshub::core
