// The host's embedded SQLite database: the app registry and user settings (each user's running
// apps belong to the app_lifecycle plugin's own store). Thread-safe (one connection behind a
// mutex; every statement is short).
#pragma once

#include <glasshub/core/config.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace SQLite {
class Database;
}

namespace glasshub::core {

class Store {
 public:
  // `path` is a file (created when missing) or ":memory:". Throws std::runtime_error.
  explicit Store(const std::string& path);
  ~Store();

  // --- app registry ---
  // Insert or replace each app (the config file's `apps` seed wins over older rows).
  void upsert_apps(const std::vector<AppConfig>& apps);
  std::optional<AppConfig> find_app(std::string_view package) const;
  std::vector<AppConfig> list_apps() const;
  bool remove_app(std::string_view package);

  // --- user settings (JSON values by key) ---
  std::optional<std::string> user_setting(std::string_view user, std::string_view key) const;
  void put_user_setting(std::string_view user, std::string_view key, std::string_view json);
  // Every setting of `user`: key -> JSON text.
  std::map<std::string, std::string> user_settings(std::string_view user) const;
  // Applies key -> JSON text (nullopt deletes) in one transaction; returns the keys whose stored
  // value changed.
  std::vector<std::string> update_user_settings(
      std::string_view user, const std::vector<std::pair<std::string, std::optional<std::string>>>& patch);

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace glasshub::core
