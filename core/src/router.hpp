// (endpoint, type) -> handler. Built while plugins load, read-only afterwards (no locks).
#pragma once

#include "short_strings.hpp"

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
    size_t operator()(std::string_view s) const noexcept { return short_hash(s); }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept {
      return same_bytes(a, b);
    }
  };
  using Table = std::unordered_map<std::string, Route, Hash, Equal>;

  Router();
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
  const std::unordered_map<std::string, std::vector<Observer>, Hash, Equal>&
  observer_table(gh_endpoint endpoint) const noexcept {
    return observers_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  }

  const Route* find(gh_endpoint endpoint, std::string_view type) const noexcept {
    const Table& t = tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
    auto it = t.find(type);
    return it == t.end() ? nullptr : &it->second;
  }
  // True when no handler owns and none observes (endpoint, type): the relay's question, asked
  // for every phone frame, so each thread remembers its last answer (two hash lookups per frame
  // were ~3 % of a core at saturation).
  bool unhandled(gh_endpoint endpoint, std::string_view type) const noexcept;
  bool is_disabled(gh_endpoint endpoint, std::string_view type) const;
  const Table& table(gh_endpoint endpoint) const noexcept {
    return tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  }

 private:
  Table tables_[2];
  std::unordered_map<std::string, std::vector<Observer>, Hash, Equal> observers_[2];
  std::unordered_set<std::string> disabled_[2];
  uint64_t serial_;  // new on every change: tells a thread's remembered answer stale
};

}  // namespace glasshub::core
