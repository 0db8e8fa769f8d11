// The host's embedded SQLite database: the app registry, user settings, each user's running
// apps. Thread-safe (one connection behind a mutex; every statement is short).
#pragma once

#include <glasshub/core/config.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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

  // --- running apps per user (restarted with a new session) ---
  void set_running(std::string_view user, std::string_view package, bool running);
  std::vector<std::string> running_apps(std::string_view user) const;

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace glasshub::core
