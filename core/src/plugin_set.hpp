// Loaded plugins as the core sees them (the definition behind the SDK's opaque gh_plugin).
#pragma once

#include <glasshub/core/plugin_loader.hpp>
#include <glasshub/sdk.h>

#include "kv_store.hpp"
#include "metrics.hpp"
#include "http_routes.hpp"
#include "router.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace glasshub::core {
struct HubState;
}

// One manifest entry, loaded or not. Host-owned; plugins hold it as `gh_plugin*`. Shared by
// every generation that runs it (live reload); the last one to let go runs on_unload.
struct gh_plugin {
  gh_plugin() = default;
  gh_plugin(const gh_plugin&) = delete;
  gh_plugin& operator=(const gh_plugin&) = delete;
  ~gh_plugin();  // on_unload when loaded, then the library

  glasshub::core::ManifestEntry entry;
  boost::dll::shared_library library;  // unloaded last: everything below may point into it
  glasshub::core::FileStamp stamp;     // of the library file when it was opened
  bool loaded = false;
  nlohmann::json config;  // entry.config_json, parsed once for plugin_config_root
  std::string name, version, description;
  uint32_t abi_major = 0, abi_minor = 0;
  gh_plugin_on_unload_fn on_unload = nullptr;
  void* state = nullptr;

  bool has_hooks = false;
  gh_lifecycle_hooks hooks{};
  void* hooks_state = nullptr;

  struct Handler {
    gh_endpoint endpoint;
    std::string type;
    gh_plugin_on_message_fn fn;
    void* state;
    bool observer = false;  // sees the type without owning it
  };
  std::vector<Handler> handlers;
  std::vector<glasshub::core::HttpRouteDecl> http_routes;  // copied into the table on load

  struct Counter {
    std::string name, help;
    std::atomic<uint64_t> value{0};
  };
  struct Histogram {
    Histogram(std::string n, std::string h, std::vector<double> b)
        : name(std::move(n)), help(std::move(h)), data(std::move(b)) {}
    std::string name, help;
    glasshub::core::AtomicHistogram data;
  };
  std::deque<Counter> counters;      // deque: ids index stable elements
  std::deque<Histogram> histograms;

  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> handled{0};
  std::atomic<int> log_level{-1};  // this plugin's own spdlog level; -1: the process-wide one
  glasshub::core::AtomicHistogram latency{glasshub::core::AtomicHistogram::latency_seconds_bounds()};
  glasshub::core::KvStore* kv = nullptr;
  glasshub::core::HubState* hub = nullptr;  // set once the Hub owns the plugin set
  std::shared_ptr<const nlohmann::json> host_settings;  // of the set that loaded it
};

// The registration window handed to on_load.
struct gh_registrar {
  gh_plugin* plugin;
  bool open;
};

namespace glasshub::core {

struct PluginSet::Impl {
  std::shared_ptr<KvStore> kv;  // the same store for every generation
  // Manifest order, disabled ones included; `entries` is the manifest as this set runs it (a
  // kept plugin's disabledHandlers may differ from those it was loaded with).
  std::vector<std::shared_ptr<gh_plugin>> plugins;
  std::vector<ManifestEntry> entries;
  Router router;
  HttpRouteTable http_routes;

  ~Impl();  // lets go of the plugins in reverse order
};

// Whether the manifest entry switches the handler (endpoint, type) off.
bool handler_disabled(const ManifestEntry& e, gh_endpoint ep, const std::string& type);

const char* endpoint_name(gh_endpoint e) noexcept;

}  // namespace glasshub::core
