#include "kv_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace glasshub::core {

KvStore::KvStore(const std::string& path)
    : db_(std::make_unique<SQLite::Database>(path,
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)) {
  db_->exec("PRAGMA journal_mode=WAL");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS plugin_kv (plugin TEXT NOT NULL, key TEXT NOT NULL, "
      "value BLOB NOT NULL, PRIMARY KEY (plugin, key))");
}

KvStore::~KvStore() = default;

std::optional<std::string> KvStore::get(std::string_view plugin, std::string_view key) {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "SELECT value FROM plugin_kv WHERE plugin = ? AND key = ?");
  q.bind(1, std::string(plugin));
  q.bind(2, std::string(key));
  if (!q.executeStep()) return std::nullopt;
  auto col = q.getColumn(0);
  return std::string(static_cast<const char*>(col.getBlob()), col.getBytes());
}

void KvStore::put(std::string_view plugin, std::string_view key, std::string_view value) {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_,
                      "INSERT INTO plugin_kv (plugin, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value");
  q.bind(1, std::string(plugin));
  q.bind(2, std::string(key));
  static const char empty = 0;  // a null pointer would bind SQL NULL
  q.bind(3, value.empty() ? &empty : value.data(), static_cast<int>(value.size()));
  q.exec();
}

bool KvStore::erase(std::string_view plugin, std::string_view key) {
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_, "DELETE FROM plugin_kv WHERE plugin = ? AND key = ?");
  q.bind(1, std::string(plugin));
  q.bind(2, std::string(key));
  return q.exec() > 0;
}

}  // namespace glasshub::core
