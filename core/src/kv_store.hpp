// Each plugin's small key-value space, in the host's SQLite database.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace SQLite {
class Database;
}

namespace glasshub::core {

class KvStore {
 public:
  // `path` is a file or ":memory:". Throws std::runtime_error when the database cannot open.
  explicit KvStore(const std::string& path);
  ~KvStore();

  std::optional<std::string> get(std::string_view plugin, std::string_view key);
  void put(std::string_view plugin, std::string_view key, std::string_view value);
  bool erase(std::string_view plugin, std::string_view key);

 private:
  std::mutex mutex_;  // one connection, short statements: a mutex beats a pool here
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace glasshub::core
