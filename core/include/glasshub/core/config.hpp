// The host's configuration: one JSON file, embedded defaults, environment overrides.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace glasshub::core {

// One app of the registry seed (`apps` in the config file).
struct AppConfig {
  std::string package_name;
  std::string name;
  std::string public_url;
  std::string hashed_api_key;  // lowercase hex SHA-256; a plaintext apiKey is hashed on load
  std::vector<std::string> permissions;  // e.g. "MICROPHONE"
  std::string app_type = "standard";     // standard | background | system_dashboard
};

struct Config {
  struct Server {
    std::string host = "0.0.0.0";
    uint16_t port = 8002;
    uint16_t metrics_port = 0;  // 0: /metrics on the main listener; else only on this port
    std::vector<std::string> cors_origins{"*"};
    std::string public_ws_url = "ws://localhost:8002/app-ws";
    std::string admin_token;  // empty: admin routes answer 403
    unsigned threads = 0;     // 0: one per core
    uint32_t drain_timeout_ms = 5000;  // SIGTERM: how long closing sockets get
    uint32_t http_reply_timeout_ms = 30000;  // a plugin route that has not answered gets 504
    uint32_t http_idle_timeout_ms = 30000;   // to read one request, or to write its answer
    uint32_t http_header_limit_bytes = 8 * 1024;
    uint64_t http_body_limit_bytes = 1024 * 1024;
    uint32_t outbound_http_timeout_ms = 10000;  // a plugin's outbound call that gave 0 (sdk.h)
    uint64_t outbound_http_max_body_bytes = 1024 * 1024;  // larger responses fail the call
  } server;
  struct WebSocket {
    uint32_t glasses_heartbeat_interval_ms = 2000;
    uint32_t pong_timeout_ms = 30000;
    bool pong_timeout_enabled = false;
    uint32_t app_ping_interval_ms = 10000;
    uint32_t close_timeout_ms = 5000;  // a peer that does not answer our close loses its TCP
    uint64_t max_message_bytes = 16ull * 1024 * 1024;
    uint32_t max_json_depth = 64;  // deeper frames and REST bodies are refused before parsing
    uint64_t send_queue_max_bytes = 4ull * 1024 * 1024;
    uint32_t tcp_user_timeout_ms = 10000;  // 0: the kernel's default
  } websocket;
  // What one client may take (docs/configuration.md "Limits"); 0 turns a limit off.
  struct Limits {
    uint32_t max_connections = 100000;            // WebSockets open at once
    uint32_t max_connections_per_user = 32;       // phone sockets of one user open at once
    uint32_t new_connections_per_second = 2000;   // upgrades, token bucket...
    uint32_t new_connections_burst = 500;         // ...of this size
    uint32_t messages_per_second = 1000;          // per socket, token bucket...
    uint32_t message_burst = 2000;                // ...of this size
  } limits;
  struct Session {
    uint32_t grace_period_ms = 60000;
    bool grace_period_cleanup_enabled = true;
  } session;
  struct App {
    uint32_t session_timeout_ms = 5000;
    uint32_t grace_period_ms = 5000;
    uint32_t subscription_grace_ms = 8000;
  } app;
  struct Auth {
    std::string jwt_secret = "glasshub-dev-secret";
  } auth;
  struct Storage {
    std::string sqlite_path = "glasshub.sqlite3";
  } storage;
  struct Logging {
    std::string level = "info";  // trace|debug|info|warn|error
    std::string format = "json"; // json|text
    std::map<std::string, std::string> plugins;  // plugin name -> its own level
  } logging;
  std::vector<AppConfig> apps;
};

// A refused configuration: `key` is the JSON path (e.g. "server.port") or variable name.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, const std::string& why)
      : std::runtime_error(key + ": " + why), key_(std::move(key)) {}
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

using Environment = std::map<std::string, std::string>;

// The process environment, for the variables load_config reads.
Environment process_environment();

// Defaults, then the file (when given), then the environment. Throws ConfigError.
Config load_config(const std::optional<std::string>& file, const Environment& env);

// Every problem of the file and the environment, in that order; empty when the configuration
// would start (`glasshubctl config check`).
std::vector<ConfigError> check_config(const std::optional<std::string>& file,
                                      const Environment& env);

// Parse a config document on top of the defaults (no environment). Throws ConfigError.
Config parse_config(const nlohmann::json& doc);

// The part of the configuration plugins may read (gh_host_api::host_settings): no secrets.
std::string plugin_host_settings(const Config& config);

// The effective configuration as JSON, in the file's own key layout (secrets included).
nlohmann::json config_to_json(const Config& config);

}  // namespace glasshub::core
