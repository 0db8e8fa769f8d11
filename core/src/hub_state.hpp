// Everything the Hub owns, shared by the core's translation units.
#pragma once

#include <glasshub/core/config.hpp>
#include <glasshub/core/plugin_loader.hpp>
#include <glasshub/core/store.hpp>

#include "metrics.hpp"
#include "plugin_set.hpp"
#include "user_session.hpp"

#include <boost/asio/io_context.hpp>

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
};

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

  const Router& router() const noexcept { return plugins->impl().router; }

  // Registers the session id an app must present; false when the package is not registered.
  std::optional<std::string> allow_app(const std::string& user_id, std::string_view package);
};

}  // namespace glasshub::core
