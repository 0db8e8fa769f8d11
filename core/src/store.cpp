#include <glasshub/core/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

namespace glasshub::core {

namespace {
AppConfig row_to_app(SQLite::Statement& q) {
  AppConfig a;
  a.package_name = q.getColumn(0).getString();
  a.name = q.getColumn(1).getString();
  a.public_url = q.getColumn(2).getString();
  a.hashed_api_key = q.getColumn(3).getString();
  auto perms = nlohmann::json::parse(q.getColumn(4).getString(), nullptr, false);
  if (perms.is_array())
    for (auto& p : perms)
      if (p.is_string()) a.permissions.push_back(p.get<std::string>());
  a.app_type = q.getColumn(5).getString();
  return a;
}
constexpr const char* kAppColumns =
    "package_name, name, public_url, hashed_api_key, permissions, app_type";
}  // namespace

Store::Store(const std::string& path)
    : db_(std::make_unique<SQLite::Database>(path,
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)) {
  db_->exec("PRAGMA journal_mode=WAL");
  db_->exec("PRAGMA busy_timeout=5000");  // glasshubctl may write while the host runs
  db_->exec(
      "CREATE TABLE IF NOT EXISTS apps (package_name TEXT PRIMARY KEY, name TEXT NOT NULL, "
      "public_url TEXT NOT NULL, hashed_api_key TEXT NOT NULL, permissions TEXT NOT NULL, "
      "app_type TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS user_settings (user_id TEXT NOT NULL, key TEXT NOT NULL, "
      "value TEXT NOT NULL, PRIMARY KEY (user_id, key));");
}

Store::~Store() = default;

void Store::upsert_apps(const std::vector<AppConfig>& apps) {
  std::lock_guard lock(mutex_);
  SQLite::Transaction tx(*db_);
  for (const auto& a : apps) {
    SQLite::Statement q(*db_, std::string("INSERT OR REPLACE INTO apps (") + kAppColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, a.package_name);
    q.bind(2, a.name);
    q.bind(3, a.public_url);
    q.bind(4, a.hashed_api_key);
    q.bind(5, nlohmann::json(a.permissions).dump());
    q.bind(6, a.app_type);
    q.exec();
  }
  tx.commit();
}

std::optional<AppConfig> Store::find_app(std::string_view package) const {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, std::string("SELECT ") + kAppColumns +
                                " FROM apps WHERE package_name = ?");
  q.bind(1, std::string(package));
  if (!q.executeStep()) return std::nullopt;
  return row_to_app(q);
}

std::vector<AppConfig> Store::list_apps() const {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, std::string("SELECT ") + kAppColumns +
                                " FROM apps ORDER BY package_name");
  std::vector<AppConfig> out;
  while (q.executeStep()) out.push_back(row_to_app(q));
  return out;
}

bool Store::remove_app(std::string_view package) {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "DELETE FROM apps WHERE package_name = ?");
  q.bind(1, std::string(package));
  return q.exec() > 0;
}

std::optional<std::string> Store::user_setting(std::string_view user, std::string_view key) const {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "SELECT value FROM user_settings WHERE user_id = ? AND key = ?");
  q.bind(1, std::string(user));
  q.bind(2, std::string(key));
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

void Store::put_user_setting(std::string_view user, std::string_view key, std::string_view json) {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO user_settings (user_id, key, value) "
                            "VALUES (?, ?, ?)");
  q.bind(1, std::string(user));
  q.bind(2, std::string(key));
  q.bind(3, std::string(json));
  q.exec();
}

std::map<std::string, std::string> Store::user_settings(std::string_view user) const {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "SELECT key, value FROM user_settings WHERE user_id = ?");
  q.bind(1, std::string(user));
  std::map<std::string, std::string> out;
  while (q.executeStep()) out.emplace(q.getColumn(0).getString(), q.getColumn(1).getString());
  return out;
}

std::vector<std::string> Store::update_user_settings(
    std::string_view user,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& patch) {
  std::lock_guard lock(mutex_);
  SQLite::Transaction tx(*db_);
  std::vector<std::string> changed;
  for (const auto& [key, value] : patch) {
    SQLite::Statement get(*db_, "SELECT value FROM user_settings WHERE user_id = ? AND key = ?");
    get.bind(1, std::string(user));
    get.bind(2, key);
    std::optional<std::string> old;
    if (get.executeStep()) old = get.getColumn(0).getString();
    if (old == value) continue;
    if (value) {
      SQLite::Statement put(*db_, "INSERT OR REPLACE INTO user_settings (user_id, key, value) "
                                  "VALUES (?, ?, ?)");
      put.bind(1, std::string(user));
      put.bind(2, key);
      put.bind(3, *value);
      put.exec();
    } else {
      SQLite::Statement del(*db_, "DELETE FROM user_settings WHERE user_id = ? AND key = ?");
      del.bind(1, std::string(user));
      del.bind(2, key);
      del.exec();
    }
    changed.push_back(key);
  }
  tx.commit();
  return changed;
}

}  // namespace glasshub::core
