// Everything the Hub owns, shared by the core's translation units.
#pragma once

#include <glasshub/core/config.hpp>
#include <glasshub/core/http.hpp>
#include <glasshub/core/plugin_loader.hpp>
#include <glasshub/core/store.hpp>

#include "metrics.hpp"
#include "plugin_set.hpp"
#include "user_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <unordered_map>
#include <vector>

namespace glasshub::core {

struct ExpectedApp {
  std::string user_id;
  std::string package_name;
  bool revoked = false;  // released by its plugin: init gets APP_NOT_STARTED until allowed again
};

// Route requests waiting for their plugin's answer; answered once, by the plugin or the sweeper.
class PendingReplies {
 public:
  uint64_t open(gh_plugin* plugin, HttpReplyFn fn, std::chrono::steady_clock::time_point deadline);
  // Takes the reply out (so only one answer goes out); empty when already answered.
  HttpReplyFn take(uint64_t id, const gh_plugin* plugin);
  // Takes every reply whose deadline passed.
  std::vector<HttpReplyFn> take_expired(std::chrono::steady_clock::time_point now);
  bool pending(uint64_t id) const;

 private:
  struct Entry {
    gh_plugin* plugin;
    HttpReplyFn fn;
    std::chrono::steady_clock::time_point deadline;
  };
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> entries_;
  uint64_t next_ = 1;
};

enum class Hook { created, disposed, glasses_connected, glasses_disconnected, app_connected,
                  app_disconnected, app_ack, subscriptions_changed, app_grace_expired,
                  user_settings_changed, plugin_event };

// What a reload swaps as one (docs/architecture.md, "Live reload"): the plugins with their
// routing tables, and the configuration whose reloadable keys the core reads from here.
// Immutable once published; sessions and requests hold it by shared_ptr while they use it.
struct Generation {
  std::unique_ptr<PluginSet> plugins;
  Config config;
  uint64_t number = 0;

  const PluginSet::Impl& set() const noexcept { return plugins->impl(); }
  const Router& router() const noexcept { return plugins->impl().router; }
};
using GenerationPtr = std::shared_ptr<const Generation>;

struct HubState {
  HubState(Config c, boost::asio::io_context& io)
      : config(std::move(c)), ioc(io), store(std::make_unique<Store>(config.storage.sqlite_path)) {
    strands.reserve(strand_count);
    for (std::size_t i = 0; i < strand_count; ++i) strands.push_back(boost::asio::make_strand(ioc));
  }

  const Config config;  // as started: the restart-only keys
  boost::asio::io_context& ioc;
  // Sockets and sessions share these strands instead of holding one each (about 100 bytes per
  // strand): a strand only has to serialize, and 1024 keep every I/O thread busy.
  static constexpr std::size_t strand_count = 1024;
  std::vector<Strand> strands;
  std::atomic<std::size_t> next_strand{0};
  const Strand& pooled_strand() noexcept {
    return strands[next_strand.fetch_add(1, std::memory_order_relaxed) % strand_count];
  }
  std::unique_ptr<Store> store;  // app registry, user settings, running apps
  HealthStats stats;

  // Held only to find/create/remove sessions, never while handling a message.
  std::mutex registry_mutex;
  std::unordered_map<std::string, std::shared_ptr<UserSession>> sessions;
  // Session ids issued to apps ("<user>-<package>"), looked up exactly (protocol.md §4.4).
  std::unordered_map<std::string, ExpectedApp> expected_apps;

  std::shared_ptr<HttpClient> http_client;  // outbound calls (set by the host)
  PendingReplies replies;
  std::unique_ptr<boost::asio::steady_timer> reply_sweeper;

  // The current generation, for readers off the user strands (admin, metrics, HTTP routes).
  GenerationPtr generation() const;
  // Publishes `next` (numbered here); sessions switch to it on their strand (GenerationScope).
  void publish(std::shared_ptr<Generation> next);
  mutable std::mutex generation_mutex;  // guards generation_ (the pointer, not its contents)
  GenerationPtr generation_;
  std::atomic<uint64_t> generation_number{0};  // what sessions compare against, lock-free
  std::mutex reload_mutex;  // one reload (or /admin/log-levels change) at a time
  // Plugin levels set through /admin/log-levels, by the name used there (-1: the global one);
  // they outlive reloads until the file changes that plugin's logging.plugins key.
  std::map<std::string, int> runtime_log_levels;
  std::atomic<uint64_t> reloads_ok{0}, reloads_refused{0};
  std::optional<std::string> config_file;      // what a reload reads again
  std::filesystem::path manifest_file;

  // Registers the session id an app must present; false when the package is not registered.
  std::optional<std::string> allow_app(const std::string& user_id, std::string_view package);
  // Stops accepting that session id (init then gets APP_NOT_STARTED).
  void revoke_app(const std::string& session_id);
};

// The session's generation for the length of one call into plugins (strand only). The outermost
// scope first switches the session to the current generation when a reload published a newer
// one: plugins gone from it are retired for this user (disposed hook, timers cancelled, calls
// abandoned, user data freed), new ones see the session start. Nested scopes never switch, so a
// plugin is never retired while it runs. The hot path is one atomic load.
class GenerationScope {
 public:
  GenerationScope(HubState& hub, UserSession& s);
  ~GenerationScope();
  GenerationScope(const GenerationScope&) = delete;
  GenerationScope& operator=(const GenerationScope&) = delete;
  const Generation& operator*() const noexcept { return *s_.generation; }
  const Generation* operator->() const noexcept { return s_.generation.get(); }

 private:
  UserSession& s_;
};

// Gives each plugin of `g` its own level (log_levels.cpp): the one /admin/log-levels set, else
// its config's logging.plugins entry, else none. At start and for every reload's generation
// (reload_mutex held), so an upgraded build keeps the level its predecessor had.
void apply_log_levels(const HubState& hub, const Generation& g);

// Runs one lifecycle hook of every loaded plugin, in manifest order (on the user's strand).
// `package` carries the package, the changed settings JSON or the event topic; `data` the event's
// JSON; `skip` (the emitter of an event) is not called.
void run_hooks(HubState& hub, UserSession& s, Hook hook, std::string_view package = {},
               gh_ack* ack = nullptr, std::string_view data = {}, const gh_plugin* skip = nullptr);

}  // namespace glasshub::core
