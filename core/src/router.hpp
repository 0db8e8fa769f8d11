// (endpoint, type) -> handler. Built while plugins load, read-only afterwards (no locks).
#pragma once

#include <glasshub/sdk.h>

#include <atomic>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct gh_plugin;

namespace glasshub::core {

struct Route {
  gh_plugin* plugin;  // nullptr for the core's own handlers
  gh_plugin_on_message_fn fn;
  void* state;
  std::string owner;                   // plugin name, or "core"
  mutable std::atomic<uint64_t> count{0};  // messages handled, for /health
};

// A plugin that sees a type without owning it (gh_host_api::register_observer).
struct Observer {
  gh_plugin* plugin;
  gh_plugin_on_message_fn fn;
  void* state;
  std::string owner;
};

class Router {
 public:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Table = std::unordered_map<std::string, Route, Hash, std::equal_to<>>;

  // Returns the current owner's name when the pair is already taken, else empty.
  std::string add(gh_endpoint endpoint, std::string type, gh_plugin* plugin,
                  gh_plugin_on_message_fn fn, void* state, std::string owner);
  void mark_disabled(gh_endpoint endpoint, std::string type);
  void add_observer(gh_endpoint endpoint, std::string type, Observer observer);
  // The observers of (endpoint, type), in manifest order; null when none.
  const std::vector<Observer>* observers(gh_endpoint endpoint, std::string_view type) const noexcept {
    const auto& t = observers_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
    if (t.empty()) return nullptr;
    auto it = t.find(type);
    return it == t.end() ? nullptr : &it->second;
  }
  const std::unordered_map<std::string, std::vector<Observer>, Hash, std::equal_to<>>&
  observer_table(gh_endpoint endpoint) const noexcept {
    return observers_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  }

  const Route* find(gh_endpoint endpoint, std::string_view type) const noexcept {
    const Table& t = tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
    auto it = t.find(type);
    return it == t.end() ? nullptr : &it->second;
  }
  bool is_disabled(gh_endpoint endpoint, std::string_view type) const;
  const Table& table(gh_endpoint endpoint) const noexcept {
    return tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  }

 private:
  Table tables_[2];
  std::unordered_map<std::string, std::vector<Observer>, Hash, std::equal_to<>> observers_[2];
  std::unordered_set<std::string> disabled_[2];
};

}  // namespace glasshub::core
