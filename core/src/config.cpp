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

constexpr std::initializer_list<const char*> kLevels = {"trace", "debug", "info", "warn", "error"};

// Collects every problem instead of stopping at the first, so `glasshubctl config check` can list
// them all; load_config throws the first.
struct Problems {
  std::vector<ConfigError> list;
  void add(std::string key, const std::string& why) { list.emplace_back(std::move(key), why); }
};

// Reads `obj[key]` into `out` when present, refusing a value of the wrong type or range.
template <class T>
void read_uint(Problems& pr, const json& obj, const std::string& path, const char* key, T& out,
               uint64_t min = 0, uint64_t max = std::numeric_limits<T>::max()) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  const std::string full = path + "." + key;
  if (!it->is_number_unsigned())  // nlohmann parses every non-negative integer as unsigned
    return pr.add(full, "must be a non-negative integer");
  auto v = it->get<uint64_t>();
  if (v < min || v > max)
    return pr.add(full, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  out = static_cast<T>(v);
}

void read_bool(Problems& pr, const json& obj, const std::string& path, const char* key,
               bool& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  if (!it->is_boolean()) return pr.add(path + "." + key, "must be true or false");
  out = it->get<bool>();
}

void read_string(Problems& pr, const json& obj, const std::string& path, const char* key,
                 std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  if (!it->is_string()) return pr.add(path + "." + key, "must be a string");
  out = it->get<std::string>();
}

bool check_one_of(Problems& pr, const std::string& key, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return true;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  pr.add(key, "must be one of " + list + " (got \"" + value + "\")");
  return false;
}

// Keys nobody reads are refused: a misspelt key would otherwise leave its default in place.
void refuse_unknown(Problems& pr, const json& obj, const std::string& path,
                    std::initializer_list<const char*> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) pr.add(path.empty() ? it.key() : path + "." + it.key(), "unknown key");
  }
}

const json& section(Problems& pr, const json& doc, const char* name,
                    std::initializer_list<const char*> known) {
  static const json empty = json::object();
  auto it = doc.find(name);
  if (it == doc.end()) return empty;
  if (!it->is_object()) {
    pr.add(name, "must be an object");
    return empty;
  }
  refuse_unknown(pr, *it, name, known);
  return *it;
}

// The URL apps are told to connect to: a WebSocket URL, or every app would fail its connect.
void check_ws_url(Problems& pr, const std::string& key, const std::string& url) {
  if (url.rfind("ws://", 0) != 0 && url.rfind("wss://", 0) != 0)
    pr.add(key, "must be a ws:// or wss:// URL (got \"" + url + "\")");
}

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void parse_app(Problems& pr, const json& a, const std::string& path, AppConfig& app) {
  if (!a.is_object()) return pr.add(path, "must be an object");
  refuse_unknown(pr, a, path,
                 {"packageName", "name", "publicUrl", "apiKey", "hashedApiKey", "appType",
                  "permissions"});
  read_string(pr, a, path, "packageName", app.package_name);
  if (app.package_name.empty()) pr.add(path + ".packageName", "is required");
  read_string(pr, a, path, "name", app.name);
  if (app.name.empty()) app.name = app.package_name;
  read_string(pr, a, path, "publicUrl", app.public_url);
  while (!app.public_url.empty() && app.public_url.back() == '/') app.public_url.pop_back();
  std::string plain, hashed;
  read_string(pr, a, path, "apiKey", plain);
  read_string(pr, a, path, "hashedApiKey", hashed);
  if (!plain.empty() && !hashed.empty())
    pr.add(path, "give either apiKey or hashedApiKey, not both");
  else if (plain.empty() && hashed.empty())
    pr.add(path + ".apiKey", "apiKey or hashedApiKey is required");
  else if (!hashed.empty() && !is_hex_sha256(hashed))
    pr.add(path + ".hashedApiKey", "must be 64 lowercase hex characters (SHA-256)");
  app.hashed_api_key = plain.empty() ? hashed : sha256_hex(plain);
  read_string(pr, a, path, "appType", app.app_type);
  check_one_of(pr, path + ".appType", app.app_type, {"standard", "background", "system_dashboard"});
  if (auto it = a.find("permissions"); it != a.end()) {
    if (!it->is_array()) return pr.add(path + ".permissions", "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& p = (*it)[i];
      // Both ["MICROPHONE"] and the reference's [{"type":"MICROPHONE"}] are accepted.
      if (p.is_string())
        app.permissions.push_back(p.get<std::string>());
      else if (p.is_object() && p.contains("type") && p["type"].is_string())
        app.permissions.push_back(p["type"].get<std::string>());
      else
        pr.add(path + ".permissions[" + std::to_string(i) + "]",
               "must be a string or an object with a string \"type\"");
    }
  }
}

std::optional<uint64_t> parse_env_uint(Problems& pr, const std::string& name,
                                       const std::string& v, uint64_t max, uint64_t min = 0) {
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
    pr.add(name, "must be a non-negative integer (got \"" + v + "\")");
    return std::nullopt;
  }
  if (out < min || out > max) {
    pr.add(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                     " (got \"" + v + "\")");
    return std::nullopt;
  }
  return out;
}

std::optional<bool> parse_env_bool(Problems& pr, const std::string& name, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  pr.add(name, "must be true or false (got \"" + v + "\")");
  return std::nullopt;
}

void parse_document(Problems& pr, const json& doc, Config& c) {
  if (!doc.is_object()) return pr.add("(root)", "the configuration must be a JSON object");
  refuse_unknown(pr, doc, "",
                 {"server", "websocket", "session", "app", "auth", "storage", "logging", "apps",
                  "limits", "$schema"});
  const json& server = section(pr, doc, "server",
                               {"host", "port", "metricsPort", "corsOrigins", "publicWsUrl",
                                "adminToken", "threads", "drainTimeoutMs", "httpReplyTimeoutMs",
                                "httpIdleTimeoutMs", "httpHeaderLimitBytes", "httpBodyLimitBytes",
                                "outboundHttpTimeoutMs", "outboundHttpMaxBodyBytes"});
  read_string(pr, server, "server", "host", c.server.host);
  read_uint(pr, server, "server", "port", c.server.port);
  read_uint(pr, server, "server", "metricsPort", c.server.metrics_port);
  if (auto it = server.find("corsOrigins"); it != server.end()) {
    c.server.cors_origins.clear();
    if (!it->is_array()) pr.add("server.corsOrigins", "must be an array of strings");
    for (size_t i = 0; it->is_array() && i < it->size(); ++i) {
      const json& o = (*it)[i];
      if (!o.is_string() || o.get_ref<const std::string&>().empty())
        pr.add("server.corsOrigins[" + std::to_string(i) + "]", "must be a non-empty string");
      else
        c.server.cors_origins.push_back(o.get<std::string>());
    }
  }
  read_string(pr, server, "server", "publicWsUrl", c.server.public_ws_url);
  check_ws_url(pr, "server.publicWsUrl", c.server.public_ws_url);
  read_string(pr, server, "server", "adminToken", c.server.admin_token);
  read_uint(pr, server, "server", "threads", c.server.threads, 0, 1024);
  read_uint(pr, server, "server", "drainTimeoutMs", c.server.drain_timeout_ms, 0, 600000);
  read_uint(pr, server, "server", "httpReplyTimeoutMs", c.server.http_reply_timeout_ms, 100,
            600000);
  read_uint(pr, server, "server", "httpIdleTimeoutMs", c.server.http_idle_timeout_ms, 100,
            3600000);
  read_uint(pr, server, "server", "httpHeaderLimitBytes", c.server.http_header_limit_bytes, 1024,
            1u << 20);
  read_uint(pr, server, "server", "httpBodyLimitBytes", c.server.http_body_limit_bytes, 1024,
            1ull << 30);
  read_uint(pr, server, "server", "outboundHttpTimeoutMs", c.server.outbound_http_timeout_ms, 100,
            600000);
  read_uint(pr, server, "server", "outboundHttpMaxBodyBytes",
            c.server.outbound_http_max_body_bytes, 1024, 1ull << 30);

  const json& ws = section(pr, doc, "websocket",
                           {"glassesHeartbeatIntervalMs", "pongTimeoutMs", "pongTimeoutEnabled",
                            "appPingIntervalMs", "closeTimeoutMs",
                            "maxMessageBytes", "maxJsonDepth", "sendQueueMaxBytes",
                            "tcpUserTimeoutMs"});
  read_uint(pr, ws, "websocket", "glassesHeartbeatIntervalMs",
            c.websocket.glasses_heartbeat_interval_ms, 100);
  read_uint(pr, ws, "websocket", "pongTimeoutMs", c.websocket.pong_timeout_ms, 100);
  read_bool(pr, ws, "websocket", "pongTimeoutEnabled", c.websocket.pong_timeout_enabled);
  read_uint(pr, ws, "websocket", "appPingIntervalMs", c.websocket.app_ping_interval_ms, 100);
  read_uint(pr, ws, "websocket", "closeTimeoutMs", c.websocket.close_timeout_ms, 100, 600000);
  read_uint(pr, ws, "websocket", "maxMessageBytes", c.websocket.max_message_bytes, 1024,
            1ull << 30);
  read_uint(pr, ws, "websocket", "maxJsonDepth", c.websocket.max_json_depth, 8, 4096);
  read_uint(pr, ws, "websocket", "sendQueueMaxBytes", c.websocket.send_queue_max_bytes, 1024,
            1ull << 34);
  read_uint(pr, ws, "websocket", "tcpUserTimeoutMs", c.websocket.tcp_user_timeout_ms, 0, 3600000);

  const json& limits = section(pr, doc, "limits",
                               {"maxConnections", "maxConnectionsPerUser",
                                "newConnectionsPerSecond", "newConnectionsBurst",
                                "messagesPerSecond", "messageBurst"});
  read_uint(pr, limits, "limits", "maxConnections", c.limits.max_connections);
  read_uint(pr, limits, "limits", "maxConnectionsPerUser", c.limits.max_connections_per_user);
  read_uint(pr, limits, "limits", "newConnectionsPerSecond", c.limits.new_connections_per_second);
  read_uint(pr, limits, "limits", "newConnectionsBurst", c.limits.new_connections_burst, 1);
  read_uint(pr, limits, "limits", "messagesPerSecond", c.limits.messages_per_second);
  read_uint(pr, limits, "limits", "messageBurst", c.limits.message_burst, 1);

  const json& session = section(pr, doc, "session", {"gracePeriodMs", "gracePeriodCleanupEnabled"});
  read_uint(pr, session, "session", "gracePeriodMs", c.session.grace_period_ms);
  read_bool(pr, session, "session", "gracePeriodCleanupEnabled",
            c.session.grace_period_cleanup_enabled);

  const json& app =
      section(pr, doc, "app", {"sessionTimeoutMs", "gracePeriodMs", "subscriptionGraceMs"});
  read_uint(pr, app, "app", "sessionTimeoutMs", c.app.session_timeout_ms, 100);
  read_uint(pr, app, "app", "gracePeriodMs", c.app.grace_period_ms);
  read_uint(pr, app, "app", "subscriptionGraceMs", c.app.subscription_grace_ms);

  read_string(pr, section(pr, doc, "auth", {"jwtSecret"}), "auth", "jwtSecret", c.auth.jwt_secret);
  if (c.auth.jwt_secret.empty()) pr.add("auth.jwtSecret", "must not be empty");
  read_string(pr, section(pr, doc, "storage", {"sqlitePath"}), "storage", "sqlitePath",
              c.storage.sqlite_path);
  const json& logging = section(pr, doc, "logging", {"level", "format", "plugins"});
  read_string(pr, logging, "logging", "level", c.logging.level);
  check_one_of(pr, "logging.level", c.logging.level, kLevels);
  read_string(pr, logging, "logging", "format", c.logging.format);
  check_one_of(pr, "logging.format", c.logging.format, {"json", "text"});
  if (auto it = logging.find("plugins"); it != logging.end()) {
    if (!it->is_object()) {
      pr.add("logging.plugins", "must be an object of plugin name to level");
    } else {
      for (auto p = it->begin(); p != it->end(); ++p) {
        const std::string key = "logging.plugins." + p.key();
        if (!p->is_string())
          pr.add(key, "must be one of trace, debug, info, warn, error");
        else if (check_one_of(pr, key, p->get<std::string>(), kLevels))
          c.logging.plugins[p.key()] = p->get<std::string>();
      }
    }
  }

  if (auto it = doc.find("apps"); it != doc.end()) {
    if (!it->is_array()) return pr.add("apps", "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string path = "apps[" + std::to_string(i) + "]";
      AppConfig a;
      parse_app(pr, (*it)[i], path, a);
      for (const auto& other : c.apps)
        if (!a.package_name.empty() && other.package_name == a.package_name)
          pr.add(path + ".packageName", "duplicate package \"" + a.package_name + "\"");
      c.apps.push_back(std::move(a));
    }
  }
}

// Environment overrides, with the reference cloud's variable names (protocol.md §10.1).
void apply_environment(Problems& pr, const Environment& env, Config& c) {
  auto get = [&](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  };
  // `min` is the file key's own, so a variable cannot set what the file may not.
  auto u32 = [&](const char* name, uint32_t& out, uint64_t min = 0) {
    if (auto* v = get(name))
      if (auto n = parse_env_uint(pr, name, *v, std::numeric_limits<uint32_t>::max(), min))
        out = static_cast<uint32_t>(*n);
  };
  auto boolean = [&](const char* name, bool& out) {
    if (auto* v = get(name))
      if (auto b = parse_env_bool(pr, name, *v)) out = *b;
  };
  if (auto* v = get("PORT"))
    if (auto n = parse_env_uint(pr, "PORT", *v, 65535)) c.server.port = static_cast<uint16_t>(*n);
  if (auto* v = get("METRICS_PORT"))
    if (auto n = parse_env_uint(pr, "METRICS_PORT", *v, 65535))
      c.server.metrics_port = static_cast<uint16_t>(*n);
  if (auto* v = get("HOST")) c.server.host = *v;
  if (auto* v = get("CORS_ORIGINS")) {
    c.server.cors_origins.clear();
    std::stringstream ss(*v);
    for (std::string o; std::getline(ss, o, ',');) {
      while (!o.empty() && o.front() == ' ') o.erase(0, 1);
      while (!o.empty() && o.back() == ' ') o.pop_back();
      if (!o.empty()) c.server.cors_origins.push_back(o);
    }
  }
  if (auto* v = get("PUBLIC_WS_URL")) {
    check_ws_url(pr, "PUBLIC_WS_URL", *v);
    c.server.public_ws_url = *v;
  }
  if (auto* v = get("ADMIN_TOKEN")) c.server.admin_token = *v;
  u32("GLASSES_HEARTBEAT_MS", c.websocket.glasses_heartbeat_interval_ms, 100);
  u32("PONG_TIMEOUT_MS", c.websocket.pong_timeout_ms, 100);
  boolean("PONG_TIMEOUT_ENABLED", c.websocket.pong_timeout_enabled);
  u32("SESSION_GRACE_PERIOD_MS", c.session.grace_period_ms);
  boolean("SESSION_GRACE_CLEANUP_ENABLED", c.session.grace_period_cleanup_enabled);
  u32("APP_SESSION_TIMEOUT_MS", c.app.session_timeout_ms, 100);
  u32("APP_GRACE_PERIOD_MS", c.app.grace_period_ms);
  u32("APP_SUBSCRIPTION_GRACE_MS", c.app.subscription_grace_ms);
  if (auto* v = get("AUGMENTOS_AUTH_JWT_SECRET")) {
    if (v->empty())
      pr.add("AUGMENTOS_AUTH_JWT_SECRET", "must not be empty");
    else
      c.auth.jwt_secret = *v;
  }
  if (auto* v = get("SQLITE_PATH")) c.storage.sqlite_path = *v;
  if (auto* v = get("LOG_LEVEL"))
    if (check_one_of(pr, "LOG_LEVEL", *v, kLevels)) c.logging.level = *v;
}

Config build(const std::optional<std::string>& file, const Environment& env, Problems& pr) {
  Config c;
  if (file) {
    std::ifstream in(*file);
    if (!in) {
      pr.add(*file, "cannot open the configuration file");
      return c;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const json doc = json::parse(ss.str(), nullptr, false, true);
    if (doc.is_discarded()) {
      pr.add(*file, "not valid JSON");
      return c;
    }
    parse_document(pr, doc, c);
  }
  apply_environment(pr, env, c);
  if (c.server.metrics_port != 0 && c.server.metrics_port == c.server.port)
    pr.add("server.metricsPort", "must differ from server.port (0: serve /metrics on it)");
  return c;
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
  Problems pr;
  Config c;
  parse_document(pr, doc, c);
  if (!pr.list.empty()) throw pr.list.front();
  return c;
}

Config load_config(const std::optional<std::string>& file, const Environment& env) {
  Problems pr;
  Config c = build(file, env, pr);
  if (!pr.list.empty()) throw pr.list.front();
  return c;
}

std::vector<ConfigError> check_config(const std::optional<std::string>& file,
                                      const Environment& env) {
  Problems pr;
  build(file, env, pr);
  return std::move(pr.list);
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
        {"metricsPort", c.server.metrics_port},
        {"corsOrigins", c.server.cors_origins},
        {"publicWsUrl", c.server.public_ws_url},
        {"adminToken", c.server.admin_token},
        {"threads", c.server.threads},
        {"drainTimeoutMs", c.server.drain_timeout_ms},
        {"httpReplyTimeoutMs", c.server.http_reply_timeout_ms},
        {"httpIdleTimeoutMs", c.server.http_idle_timeout_ms},
        {"httpHeaderLimitBytes", c.server.http_header_limit_bytes},
        {"httpBodyLimitBytes", c.server.http_body_limit_bytes},
        {"outboundHttpTimeoutMs", c.server.outbound_http_timeout_ms},
        {"outboundHttpMaxBodyBytes", c.server.outbound_http_max_body_bytes}}},
      {"websocket",
       {{"glassesHeartbeatIntervalMs", c.websocket.glasses_heartbeat_interval_ms},
        {"pongTimeoutMs", c.websocket.pong_timeout_ms},
        {"pongTimeoutEnabled", c.websocket.pong_timeout_enabled},
        {"appPingIntervalMs", c.websocket.app_ping_interval_ms},
        {"closeTimeoutMs", c.websocket.close_timeout_ms},
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
      {"logging",
       {{"level", c.logging.level},
        {"format", c.logging.format},
        {"plugins", c.logging.plugins.empty() ? json::object() : json(c.logging.plugins)}}},
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
