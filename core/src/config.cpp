#include <glasshub/core/auth.hpp>
#include <glasshub/core/config.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

extern char** environ;

namespace glasshub::core {

using nlohmann::json;

namespace {

// Reads `doc[key]` into `out` when present, refusing a value of the wrong type or range.
template <class T>
void read_uint(const json& obj, const std::string& path, const char* key, T& out,
               uint64_t min = 0, uint64_t max = std::numeric_limits<T>::max()) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  const std::string full = path + "." + key;
  if (!it->is_number_unsigned())  // nlohmann parses every non-negative integer as unsigned
    throw ConfigError(full, "must be a non-negative integer");
  auto v = it->get<uint64_t>();
  if (v < min || v > max)
    throw ConfigError(full, "must be between " + std::to_string(min) + " and " +
                                std::to_string(max));
  out = static_cast<T>(v);
}

void read_bool(const json& obj, const std::string& path, const char* key, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  if (!it->is_boolean()) throw ConfigError(path + "." + key, "must be true or false");
  out = it->get<bool>();
}

void read_string(const json& obj, const std::string& path, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  if (!it->is_string()) throw ConfigError(path + "." + key, "must be a string");
  out = it->get<std::string>();
}

const json& section(const json& doc, const char* name) {
  static const json empty = json::object();
  auto it = doc.find(name);
  if (it == doc.end()) return empty;
  if (!it->is_object()) throw ConfigError(name, "must be an object");
  return *it;
}

void check_one_of(const std::string& key, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw ConfigError(key, "must be one of " + list + " (got \"" + value + "\")");
}

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

AppConfig parse_app(const json& a, const std::string& path) {
  if (!a.is_object()) throw ConfigError(path, "must be an object");
  AppConfig app;
  read_string(a, path, "packageName", app.package_name);
  if (app.package_name.empty()) throw ConfigError(path + ".packageName", "is required");
  read_string(a, path, "name", app.name);
  if (app.name.empty()) app.name = app.package_name;
  read_string(a, path, "publicUrl", app.public_url);
  while (!app.public_url.empty() && app.public_url.back() == '/') app.public_url.pop_back();
  std::string plain, hashed;
  read_string(a, path, "apiKey", plain);
  read_string(a, path, "hashedApiKey", hashed);
  if (!plain.empty() && !hashed.empty())
    throw ConfigError(path, "give either apiKey or hashedApiKey, not both");
  if (plain.empty() && hashed.empty())
    throw ConfigError(path + ".apiKey", "apiKey or hashedApiKey is required");
  if (!hashed.empty() && !is_hex_sha256(hashed))
    throw ConfigError(path + ".hashedApiKey", "must be 64 lowercase hex characters (SHA-256)");
  app.hashed_api_key = plain.empty() ? hashed : sha256_hex(plain);
  read_string(a, path, "appType", app.app_type);
  check_one_of(path + ".appType", app.app_type, {"standard", "background", "system_dashboard"});
  if (auto it = a.find("permissions"); it != a.end()) {
    if (!it->is_array()) throw ConfigError(path + ".permissions", "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& p = (*it)[i];
      const std::string ppath = path + ".permissions[" + std::to_string(i) + "]";
      // Both ["MICROPHONE"] and the reference's [{"type":"MICROPHONE"}] are accepted.
      if (p.is_string()) {
        app.permissions.push_back(p.get<std::string>());
      } else if (p.is_object() && p.contains("type") && p["type"].is_string()) {
        app.permissions.push_back(p["type"].get<std::string>());
      } else {
        throw ConfigError(ppath, "must be a string or an object with a string \"type\"");
      }
    }
  }
  return app;
}

std::optional<uint64_t> parse_env_uint(const std::string& name, const std::string& v) {
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty())
    throw ConfigError(name, "must be a non-negative integer (got \"" + v + "\")");
  return out;
}

bool parse_env_bool(const std::string& name, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw ConfigError(name, "must be true or false (got \"" + v + "\")");
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos)
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Config parse_config(const json& doc) {
  if (!doc.is_object()) throw ConfigError("(root)", "the configuration must be a JSON object");
  static const char* known[] = {"server", "websocket", "session", "app", "auth",
                                "storage", "logging", "apps", "limits", "$schema"};
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) throw ConfigError(it.key(), "unknown key");
  }
  Config c;
  const json& server = section(doc, "server");
  read_string(server, "server", "host", c.server.host);
  read_uint(server, "server", "port", c.server.port);
  if (auto it = server.find("corsOrigins"); it != server.end()) {
    if (!it->is_array()) throw ConfigError("server.corsOrigins", "must be an array of strings");
    c.server.cors_origins.clear();
    for (auto& o : *it) {
      if (!o.is_string()) throw ConfigError("server.corsOrigins", "must be an array of strings");
      c.server.cors_origins.push_back(o.get<std::string>());
    }
  }
  read_string(server, "server", "publicWsUrl", c.server.public_ws_url);
  read_string(server, "server", "adminToken", c.server.admin_token);
  read_uint(server, "server", "threads", c.server.threads, 0, 1024);
  read_uint(server, "server", "drainTimeoutMs", c.server.drain_timeout_ms, 0, 600000);
  read_uint(server, "server", "httpReplyTimeoutMs", c.server.http_reply_timeout_ms, 100, 600000);

  const json& ws = section(doc, "websocket");
  read_uint(ws, "websocket", "glassesHeartbeatIntervalMs", c.websocket.glasses_heartbeat_interval_ms, 100);
  read_uint(ws, "websocket", "pongTimeoutMs", c.websocket.pong_timeout_ms, 100);
  read_bool(ws, "websocket", "pongTimeoutEnabled", c.websocket.pong_timeout_enabled);
  read_uint(ws, "websocket", "appPingIntervalMs", c.websocket.app_ping_interval_ms, 100);
  read_uint(ws, "websocket", "maxMessageBytes", c.websocket.max_message_bytes, 1024, 1ull << 30);
  read_uint(ws, "websocket", "maxJsonDepth", c.websocket.max_json_depth, 8, 4096);
  read_uint(ws, "websocket", "sendQueueMaxBytes", c.websocket.send_queue_max_bytes, 1024, 1ull << 34);
  read_uint(ws, "websocket", "tcpUserTimeoutMs", c.websocket.tcp_user_timeout_ms, 0, 3600000);

  const json& limits = section(doc, "limits");
  read_uint(limits, "limits", "maxConnections", c.limits.max_connections);
  read_uint(limits, "limits", "maxConnectionsPerUser", c.limits.max_connections_per_user);
  read_uint(limits, "limits", "newConnectionsPerSecond", c.limits.new_connections_per_second);
  read_uint(limits, "limits", "newConnectionsBurst", c.limits.new_connections_burst, 1);
  read_uint(limits, "limits", "messagesPerSecond", c.limits.messages_per_second);
  read_uint(limits, "limits", "messageBurst", c.limits.message_burst, 1);

  const json& session = section(doc, "session");
  read_uint(session, "session", "gracePeriodMs", c.session.grace_period_ms);
  read_bool(session, "session", "gracePeriodCleanupEnabled", c.session.grace_period_cleanup_enabled);

  const json& app = section(doc, "app");
  read_uint(app, "app", "sessionTimeoutMs", c.app.session_timeout_ms, 100);
  read_uint(app, "app", "gracePeriodMs", c.app.grace_period_ms);
  read_uint(app, "app", "subscriptionGraceMs", c.app.subscription_grace_ms);

  read_string(section(doc, "auth"), "auth", "jwtSecret", c.auth.jwt_secret);
  read_string(section(doc, "storage"), "storage", "sqlitePath", c.storage.sqlite_path);
  const json& logging = section(doc, "logging");
  read_string(logging, "logging", "level", c.logging.level);
  check_one_of("logging.level", c.logging.level, {"trace", "debug", "info", "warn", "error"});
  read_string(logging, "logging", "format", c.logging.format);
  check_one_of("logging.format", c.logging.format, {"json", "text"});

  if (auto it = doc.find("apps"); it != doc.end()) {
    if (!it->is_array()) throw ConfigError("apps", "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      c.apps.push_back(parse_app((*it)[i], "apps[" + std::to_string(i) + "]"));
      for (size_t j = 0; j + 1 < c.apps.size(); ++j)
        if (c.apps[j].package_name == c.apps.back().package_name)
          throw ConfigError("apps[" + std::to_string(i) + "].packageName",
                            "duplicate package \"" + c.apps.back().package_name + "\"");
    }
  }
  if (c.auth.jwt_secret.empty()) throw ConfigError("auth.jwtSecret", "must not be empty");
  return c;
}

Config load_config(const std::optional<std::string>& file, const Environment& env) {
  json doc = json::object();
  if (file) {
    std::ifstream in(*file);
    if (!in) throw ConfigError(*file, "cannot open the configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    doc = json::parse(ss.str(), nullptr, false, true);
    if (doc.is_discarded()) throw ConfigError(*file, "not valid JSON");
  }
  Config c = parse_config(doc);

  // Environment overrides, with the reference cloud's variable names.
  auto get = [&](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  };
  auto u32 = [&](const char* name, uint32_t& out) {
    if (auto* v = get(name)) {
      auto n = *parse_env_uint(name, *v);
      if (n > std::numeric_limits<uint32_t>::max()) throw ConfigError(name, "is too large");
      out = static_cast<uint32_t>(n);
    }
  };
  if (auto* v = get("PORT")) {
    auto n = *parse_env_uint("PORT", *v);
    if (n > 65535) throw ConfigError("PORT", "must be at most 65535");
    c.server.port = static_cast<uint16_t>(n);
  }
  if (auto* v = get("HOST")) c.server.host = *v;
  if (auto* v = get("CORS_ORIGINS")) {
    c.server.cors_origins.clear();
    std::stringstream ss(*v);
    for (std::string o; std::getline(ss, o, ',');)
      if (!o.empty()) c.server.cors_origins.push_back(o);
  }
  if (auto* v = get("PUBLIC_WS_URL")) c.server.public_ws_url = *v;
  if (auto* v = get("ADMIN_TOKEN")) c.server.admin_token = *v;
  u32("GLASSES_HEARTBEAT_MS", c.websocket.glasses_heartbeat_interval_ms);
  u32("PONG_TIMEOUT_MS", c.websocket.pong_timeout_ms);
  if (auto* v = get("PONG_TIMEOUT_ENABLED"))
    c.websocket.pong_timeout_enabled = parse_env_bool("PONG_TIMEOUT_ENABLED", *v);
  u32("SESSION_GRACE_PERIOD_MS", c.session.grace_period_ms);
  if (auto* v = get("SESSION_GRACE_CLEANUP_ENABLED"))
    c.session.grace_period_cleanup_enabled = parse_env_bool("SESSION_GRACE_CLEANUP_ENABLED", *v);
  u32("APP_SESSION_TIMEOUT_MS", c.app.session_timeout_ms);
  u32("APP_GRACE_PERIOD_MS", c.app.grace_period_ms);
  u32("APP_SUBSCRIPTION_GRACE_MS", c.app.subscription_grace_ms);
  if (auto* v = get("AUGMENTOS_AUTH_JWT_SECRET")) {
    if (v->empty()) throw ConfigError("AUGMENTOS_AUTH_JWT_SECRET", "must not be empty");
    c.auth.jwt_secret = *v;
  }
  if (auto* v = get("SQLITE_PATH")) c.storage.sqlite_path = *v;
  if (auto* v = get("LOG_LEVEL")) {
    check_one_of("LOG_LEVEL", *v, {"trace", "debug", "info", "warn", "error"});
    c.logging.level = *v;
  }
  return c;
}

json config_to_json(const Config& c) {
  json apps = json::array();
  for (const auto& a : c.apps)
    apps.push_back({{"packageName", a.package_name},
                    {"name", a.name},
                    {"publicUrl", a.public_url},
                    {"hashedApiKey", a.hashed_api_key},
                    {"permissions", a.permissions},
                    {"appType", a.app_type}});
  return {
      {"server",
       {{"host", c.server.host},
        {"port", c.server.port},
        {"corsOrigins", c.server.cors_origins},
        {"publicWsUrl", c.server.public_ws_url},
        {"adminToken", c.server.admin_token},
        {"threads", c.server.threads},
        {"drainTimeoutMs", c.server.drain_timeout_ms},
        {"httpReplyTimeoutMs", c.server.http_reply_timeout_ms}}},
      {"websocket",
       {{"glassesHeartbeatIntervalMs", c.websocket.glasses_heartbeat_interval_ms},
        {"pongTimeoutMs", c.websocket.pong_timeout_ms},
        {"pongTimeoutEnabled", c.websocket.pong_timeout_enabled},
        {"appPingIntervalMs", c.websocket.app_ping_interval_ms},
        {"maxMessageBytes", c.websocket.max_message_bytes},
        {"maxJsonDepth", c.websocket.max_json_depth},
        {"sendQueueMaxBytes", c.websocket.send_queue_max_bytes},
        {"tcpUserTimeoutMs", c.websocket.tcp_user_timeout_ms}}},
      {"limits",
       {{"maxConnections", c.limits.max_connections},
        {"maxConnectionsPerUser", c.limits.max_connections_per_user},
        {"newConnectionsPerSecond", c.limits.new_connections_per_second},
        {"newConnectionsBurst", c.limits.new_connections_burst},
        {"messagesPerSecond", c.limits.messages_per_second},
        {"messageBurst", c.limits.message_burst}}},
      {"session",
       {{"gracePeriodMs", c.session.grace_period_ms},
        {"gracePeriodCleanupEnabled", c.session.grace_period_cleanup_enabled}}},
      {"app",
       {{"sessionTimeoutMs", c.app.session_timeout_ms},
        {"gracePeriodMs", c.app.grace_period_ms},
        {"subscriptionGraceMs", c.app.subscription_grace_ms}}},
      {"auth", {{"jwtSecret", c.auth.jwt_secret}}},
      {"storage", {{"sqlitePath", c.storage.sqlite_path}}},
      {"logging", {{"level", c.logging.level}, {"format", c.logging.format}}},
      {"apps", apps}};
}

std::string plugin_host_settings(const Config& c) {
  return json{{"publicWsUrl", c.server.public_ws_url},
              {"app",
               {{"sessionTimeoutMs", c.app.session_timeout_ms},
                {"gracePeriodMs", c.app.grace_period_ms},
                {"subscriptionGraceMs", c.app.subscription_grace_ms}}},
              {"session", {{"gracePeriodMs", c.session.grace_period_ms}}}}
      .dump();
}

}  // namespace glasshub::core
