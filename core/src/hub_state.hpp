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
#include <nlohmann/json.hpp>

#include <chrono>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <unordered_map>

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

struct HubState {
  HubState(Config c, std::unique_ptr<PluginSet> p, boost::asio::io_context& io)
      : config(std::move(c)), plugins(std::move(p)), ioc(io),
        store(std::make_unique<Store>(config.storage.sqlite_path)) {}

  const Config config;
  std::unique_ptr<PluginSet> plugins;
  boost::asio::io_context& ioc;
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

  const Router& router() const noexcept { return plugins->impl().router; }

  // Registers the session id an app must present; false when the package is not registered.
  std::optional<std::string> allow_app(const std::string& user_id, std::string_view package);
  // Stops accepting that session id (init then gets APP_NOT_STARTED).
  void revoke_app(const std::string& session_id);
};

// Runs one lifecycle hook of every loaded plugin, in manifest order (on the user's strand).
// `package` carries the package, the changed settings JSON or the event topic; `data` the event's
// JSON; `skip` (the emitter of an event) is not called.
void run_hooks(HubState& hub, UserSession& s, Hook hook, std::string_view package = {},
               gh_ack* ack = nullptr, std::string_view data = {}, const gh_plugin* skip = nullptr);

}  // namespace glasshub::core
