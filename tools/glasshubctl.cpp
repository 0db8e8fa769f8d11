// glasshubctl: the operator's tool. Lists and inspects plugins offline, checks a manifest before
// it is deployed, asks a running host which plugin handles which message or to reload, edits the
// app registry in the host's SQLite database, and mints development tokens. Output goes to
// stdout; every error goes to stderr as "glasshubctl: <message>".
#include <glasshub/core/auth.hpp>
#include <glasshub/core/config.hpp>
#include <glasshub/core/logging.hpp>
#include <glasshub/core/manifest.hpp>
#include <glasshub/core/plugin_loader.hpp>
#include <glasshub/core/store.hpp>
#include <glasshub/sdk.h>

#include "client_io/http1.hpp"
#include "client_io/tcp_client.hpp"

#include <CLI/CLI.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace core = glasshub::core;
namespace client_io = glasshub::client_io;
using nlohmann::json;

// A failure to report: the message (without the prefix) and the exit status.
class CtlError : public std::runtime_error {
 public:
  explicit CtlError(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

// --- output -----------------------------------------------------------------------------------

// Left-aligned columns, two spaces apart; the last column is not padded.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

// j[key] as text: strings as they are, null or absent as "-", anything else dumped.
std::string field(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

// --- manifests and plugins --------------------------------------------------------------------

// Same order as glasshub: --manifest, GLASSHUB_MANIFEST, <exe>/../share/glasshub/, <exe>/../.
fs::path resolve_manifest(const std::string& given) {
  if (!given.empty()) return given;
  if (auto from_env = env("GLASSHUB_MANIFEST")) return *from_env;
  const fs::path found = core::default_manifest_path();
  std::error_code ec;
  if (fs::exists(found, ec)) return found;
  throw CtlError("no plugin manifest found beside the executable (" + found.string() +
                 "); pass --manifest or set GLASSHUB_MANIFEST");
}

core::Manifest read_manifest(const fs::path& path) {
  try {
    return core::load_manifest(path);
  } catch (const core::ManifestError& e) {
    throw CtlError("invalid manifest " + path.string() + ":\n" + e.what(),
                   static_cast<int>(core::LoadFailure::manifest_invalid));
  }
}

std::unique_ptr<core::PluginSet> load(const core::Manifest& manifest) {
  try {
    return core::load_plugins(manifest, core::LoadOptions{":memory:"});
  } catch (const core::LoadError& e) {
    throw CtlError(std::string("plugin load failed: ") + e.what(), e.exit_code());
  }
}

std::string handler_list(const json& plugin) {
  std::string out;
  for (const auto& h : plugin.value("handlers", json::array())) {
    if (!out.empty()) out += " ";
    out += field(h, "endpoint") + ":" + field(h, "type");
    if (!h.value("enabled", true)) out += "(disabled)";
  }
  return out.empty() ? "-" : out;
}

std::string plugin_status(const json& plugin) {
  if (!plugin.value("enabled", true)) return "disabled";
  if (!plugin.value("loaded", false)) return "not loaded";
  return "enabled";
}

int plugins_list(const std::string& manifest_arg, bool as_json) {
  const auto manifest = read_manifest(resolve_manifest(manifest_arg));
  const auto plugins = load(manifest);
  const json doc = core::describe_plugins(*plugins);
  if (as_json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "VERSION", "ABI", "STATUS", "PATH", "HANDLERS"}};
  for (const auto& p : doc.at("plugins")) {
    const std::string path = field(p, "path") != "-" ? field(p, "path") : field(p, "library");
    rows.push_back({field(p, "name"), field(p, "version"), field(p, "abi"), plugin_status(p), path,
                    handler_list(p)});
  }
  print_table(rows);
  return 0;
}

int plugins_inspect(const std::string& file) {
  core::PluginInfo info;
  try {
    info = core::inspect_plugin(file);
  } catch (const core::LoadError& e) {
    throw CtlError(e.what(), e.exit_code());
  }
  const bool same_major = info.abi_major == GLASSHUB_ABI_VERSION_MAJOR;
  const bool compatible = same_major && info.abi_minor <= GLASSHUB_ABI_VERSION_MINOR;
  // Another major's info struct is not ours to read: only its version is known.
  const auto text = [&](const std::string& s) {
    return same_major ? s : "(unknown: built for ABI major " + std::to_string(info.abi_major) + ")";
  };
  std::cout << "name: " << text(info.name) << "\n"
            << "version: " << text(info.version) << "\n"
            << "abi: " << info.abi_major << "." << info.abi_minor << "\n"
            << "description: " << text(info.description) << "\n"
            << "path: " << info.path << "\n"
            << "loads in this host (ABI " << GLASSHUB_ABI_VERSION_MAJOR << "."
            << GLASSHUB_ABI_VERSION_MINOR << "): " << (compatible ? "yes" : "no") << "\n";
  return 0;
}

// Problems found without running any plugin code but the side-effect-free entry point.
std::vector<std::string> entry_point_problems(const core::Manifest& manifest) {
  std::vector<std::string> problems;
  for (const auto& entry : manifest.plugins) {
    if (!entry.enabled) continue;
    try {
      const auto info = core::inspect_plugin(entry.library.string());
      if (info.abi_major != GLASSHUB_ABI_VERSION_MAJOR ||
          info.abi_minor > GLASSHUB_ABI_VERSION_MINOR) {
        problems.push_back("plugin '" + entry.name + "' (" + entry.library.string() +
                           ") is built for ABI " + std::to_string(info.abi_major) + "." +
                           std::to_string(info.abi_minor) + ", this host has ABI " +
                           std::to_string(GLASSHUB_ABI_VERSION_MAJOR) + "." +
                           std::to_string(GLASSHUB_ABI_VERSION_MINOR));
      }
    } catch (const core::LoadError& e) {
      problems.push_back(e.what());
    }
  }
  return problems;
}

int manifest_check(const std::string& file, bool with_load) {
  std::vector<std::string> problems = core::check_manifest(file);
  if (problems.empty()) {
    const auto manifest = read_manifest(file);
    problems = entry_point_problems(manifest);
    if (problems.empty() && with_load) {
      try {
        core::load_plugins(manifest, core::LoadOptions{":memory:"});
      } catch (const core::LoadError& e) {
        problems.push_back(e.what());
      }
    }
  }
  for (const auto& p : problems) std::cout << p << "\n";
  if (!problems.empty()) return 1;
  std::cout << "ok\n";
  return 0;
}

// The host's own checks (core::check_config): the file, then the environment the host would
// start with, every problem on its own line as `key: why`.
int config_check(const std::string& file, bool with_env) {
  const auto problems =
      core::check_config(file, with_env ? core::process_environment() : core::Environment{});
  for (const auto& p : problems) std::cout << p.what() << "\n";
  if (!problems.empty()) return 1;
  std::cout << "ok\n";
  return 0;
}

// --- a running host ---------------------------------------------------------------------------

// One blocking request (GET or an empty POST) with a deadline over every step (connect, write,
// read).
client_io::Response http_request(std::string_view method, const std::string& url_text,
                                 const std::string& path, const std::string& token,
                                 std::chrono::seconds timeout) {
  const auto parsed = boost::urls::parse_uri(url_text);
  if (!parsed) throw CtlError("not a URL: " + url_text);
  const auto& url = *parsed;
  if (url.scheme() != "http") {
    throw CtlError("only http:// URLs are supported, got " + url_text);
  }
  const std::string host = url.host_address();
  const auto port = static_cast<uint16_t>(url.has_port() ? url.port_number() : 80);
  std::string base(url.encoded_path());
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string target = base + path;
  const std::string where = "http://" + std::string(url.encoded_host_and_port()) + target;

  client_io::Fields fields{{"Host", std::string(url.encoded_host_and_port())},
                           {"User-Agent", "glasshubctl"},
                           {"Accept", "application/json"}};
  if (!token.empty()) fields.emplace_back("Authorization", "Bearer " + token);
  const auto deadline = client_io::Clock::now() + timeout;
  client_io::TcpClient socket;
  std::string step = "connect to";
  std::optional<client_io::Response> answer;
  try {
    if (socket.connect(host, port, deadline)) {
      step = "send the request to";
      if (socket.write_all(client_io::request_text(method, target, fields), deadline)) {
        step = "read the answer of";
        std::string buffer;
        answer = client_io::read_response(socket, buffer, deadline);
      }
    }
  } catch (const std::runtime_error& e) {
    throw CtlError("cannot " + step + " " + where + ": " + e.what());
  }
  if (!answer) {
    throw CtlError("no answer from " + where + " within " + std::to_string(timeout.count()) + " s");
  }
  return std::move(*answer);
}

// Why the admin API refused us, as the error to print.
CtlError admin_error(const std::string& what, const client_io::Response& answer,
                     const std::string& token) {
  std::string hint;
  if (answer.status == 401 || answer.status == 403) {
    hint = token.empty() ? " (no admin token: pass --token or set GLASSHUB_ADMIN_TOKEN)"
                         : " (check the admin token: server.adminToken of the host)";
  }
  return CtlError(what + " answered " + std::to_string(answer.status) + " " + answer.reason +
                  hint + (answer.body.empty() ? "" : ": " + answer.body));
}

int handlers(const std::string& url, std::string token, bool as_json, int timeout_s) {
  if (token.empty()) token = env("GLASSHUB_ADMIN_TOKEN").value_or("");
  const auto answer = http_request("GET", url, "/admin/handlers", token,
                                   std::chrono::seconds(timeout_s));
  if (answer.status != 200) throw admin_error("GET /admin/handlers", answer, token);
  if (as_json) {
    std::cout << answer.body << (answer.body.empty() || answer.body.back() != '\n' ? "\n" : "");
    return 0;
  }
  const auto doc = json::parse(answer.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("routes") || !doc["routes"].is_array()) {
    throw CtlError("GET /admin/handlers did not answer a handlers document: " + answer.body);
  }
  std::vector<std::vector<std::string>> rows{{"ENDPOINT", "TYPE", "PLUGIN"}};
  for (const auto& r : doc["routes"]) {
    rows.push_back({field(r, "endpoint"), field(r, "type"), field(r, "plugin")});
  }
  print_table(rows);
  return 0;
}

// One line per change of an accepted reload, e.g. "display: upgraded 1.0.0 -> 1.1.0".
std::string change_line(const json& c) {
  if (c.contains("config")) return "config " + field(c, "config") + ": changed";
  const std::string change = field(c, "change");
  std::string line = field(c, "plugin") + ": " + change;
  if (change == "upgraded" || change == "reconfigured")
    line += " " + field(c, "from") + " -> " + field(c, "to");
  else if (change == "handlers")
    line += " (disabled: " + field(c, "disabledHandlers") + ")";
  else
    line += " " + field(c, "version");
  return line;
}

// POST /admin/reload: prints the changes, or the reasons of a refusal (exit status 3).
int reload(const std::string& url, std::string token, bool as_json, int timeout_s) {
  if (token.empty()) token = env("GLASSHUB_ADMIN_TOKEN").value_or("");
  const auto answer = http_request("POST", url, "/admin/reload", token,
                                   std::chrono::seconds(timeout_s));
  const auto doc = json::parse(answer.body, nullptr, false);
  if ((answer.status != 200 && answer.status != 422) || !doc.is_object() || !doc.contains("ok"))
    throw admin_error("POST /admin/reload", answer, token);
  if (as_json) std::cout << doc.dump(2) << "\n";
  if (!doc.value("ok", false)) {
    std::string reasons;
    for (const auto& e : doc.value("errors", json::array()))
      reasons += "\n  " + (e.is_string() ? e.get<std::string>() : e.dump());
    throw CtlError("reload refused, the host keeps serving its current set:" + reasons, 3);
  }
  if (!as_json) {
    const auto& changes = doc.value("changes", json::array());
    if (changes.empty()) std::cout << "reloaded: no change\n";
    for (const auto& c : changes) std::cout << change_line(c) << "\n";
  }
  return 0;
}

// --- the app registry -------------------------------------------------------------------------

// --db, else storage.sqlitePath of --config, else $SQLITE_PATH, else the config default.
std::string resolve_db(const std::string& db, const std::string& config_file) {
  std::string path = db;
  if (path.empty() && !config_file.empty()) {
    try {
      path = core::load_config(config_file, {}).storage.sqlite_path;
    } catch (const core::ConfigError& e) {
      throw CtlError("config error: " + std::string(e.what()), 2);
    }
  }
  if (path.empty()) path = env("SQLITE_PATH").value_or(core::Config{}.storage.sqlite_path);
  if (path == ":memory:" || path.rfind("file::memory:", 0) == 0)
    throw CtlError("the database is \"" + path + "\" (in memory): nothing to edit; pass --db FILE");
  return path;
}

// Opens the registry; `create` false refuses a file that does not exist yet.
core::Store open_store(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !fs::exists(path, ec))
    throw CtlError("no database at " + path + " (pass --db, or --config of the host)");
  try {
    return core::Store(path);
  } catch (const std::exception& e) {
    throw CtlError("cannot open the database " + path + ": " + e.what());
  }
}

// The config file's key for an `apps add` option, to name the option in an error.
std::string option_for(const std::string& key) {
  static const std::pair<const char*, const char*> names[] = {
      {".packageName", "--package"},         {".publicUrl", "--url"},
      {".hashedApiKey", "--hashed-api-key"}, {".apiKey", "--api-key"},
      {".appType", "--type"},                {".permissions", "--permission"},
      {".name", "--name"}};
  for (const auto& [suffix, option] : names)
    if (key.find(suffix) != std::string::npos) return option;
  return "--api-key/--hashed-api-key";
}

struct AppAddArgs {
  std::string package, name, url, api_key, hashed_api_key, type = "standard";
  std::vector<std::string> permissions;
};

int apps_add(const std::string& db_path, const AppAddArgs& a) {
  // The same rules as an `apps` entry of the config file: one parser, one set of messages.
  json entry{{"packageName", a.package},
             {"name", a.name},
             {"publicUrl", a.url},
             {"appType", a.type},
             {"permissions", a.permissions}};
  if (!a.api_key.empty()) entry["apiKey"] = a.api_key;
  if (!a.hashed_api_key.empty()) entry["hashedApiKey"] = a.hashed_api_key;
  core::AppConfig app;
  try {
    app = core::parse_config(json{{"apps", json::array({entry})}}).apps.at(0);
  } catch (const core::ConfigError& e) {
    const std::string what = e.what();
    const auto colon = what.find(": ");
    throw CtlError(option_for(e.key()) + ": " +
                   (colon == std::string::npos ? what : what.substr(colon + 2)));
  }
  auto store = open_store(db_path, true);
  const bool existed = store.find_app(app.package_name).has_value();
  store.upsert_apps({app});
  std::cout << (existed ? "updated " : "added ") << app.package_name << " in " << db_path << "\n";
  return 0;
}

// In the config file's key order, so that the output can be pasted into `apps`.
nlohmann::ordered_json app_json(const core::AppConfig& a) {
  return {{"packageName", a.package_name}, {"name", a.name},
          {"publicUrl", a.public_url},     {"hashedApiKey", a.hashed_api_key},
          {"permissions", a.permissions},  {"appType", a.app_type}};
}

int apps_list(const std::string& db_path, bool as_json) {
  const auto apps = open_store(db_path, false).list_apps();
  if (as_json) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::array();
    for (const auto& a : apps) doc.push_back(app_json(a));
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"PACKAGE", "NAME", "TYPE", "URL", "PERMISSIONS"}};
  for (const auto& a : apps) {
    std::string perms;
    for (const auto& p : a.permissions) perms += (perms.empty() ? "" : ",") + p;
    rows.push_back({a.package_name, a.name, a.app_type, a.public_url.empty() ? "-" : a.public_url,
                    perms.empty() ? "-" : perms});
  }
  print_table(rows);
  return 0;
}

int apps_remove(const std::string& db_path, const std::string& package) {
  if (!open_store(db_path, false).remove_app(package))
    throw CtlError("no app " + package + " in " + db_path);
  std::cout << "removed " << package << " from " << db_path << "\n";
  return 0;
}

int token(const std::string& user, std::string secret, int64_t ttl) {
  if (ttl < 0) throw CtlError("--ttl must be 0 (no expiry) or a number of seconds, got " +
                              std::to_string(ttl));
  if (secret.empty()) {
    secret = env("AUGMENTOS_AUTH_JWT_SECRET").value_or(core::Config{}.auth.jwt_secret);
  }
  std::cout << core::mint_core_token(user, secret, ttl) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"glasshubctl: inspect and operate a glasshub host"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "show the core's and plugins' info log lines (stderr)");

  auto* plugins = app.add_subcommand("plugins", "plugins of a manifest, or one plugin file");
  plugins->require_subcommand(1);

  std::string list_manifest;
  bool list_json = false;
  auto* list = plugins->add_subcommand(
      "list", "load the manifest's plugins here (not in a host) and list them");
  list->add_option("--manifest", list_manifest,
                   "manifest file (default: $GLASSHUB_MANIFEST, then the one next to glasshub)");
  list->add_flag("--json", list_json, "print the /admin/handlers-style JSON document");

  std::string inspect_file;
  auto* inspect =
      plugins->add_subcommand("inspect", "name, version and ABI of a plugin file, without loading");
  inspect->add_option("file", inspect_file, "plugin library (.so)")->required();

  auto* manifest = app.add_subcommand("manifest", "plugin manifests");
  manifest->require_subcommand(1);
  std::string check_file;
  bool check_load = false;
  auto* check = manifest->add_subcommand(
      "check", "print every problem of a manifest, one per line, or \"ok\"");
  check->add_option("manifest", check_file, "manifest file")->required();
  check->add_flag("--load", check_load,
                  "also load the plugins (runs their on_load: finds duplicate handlers and "
                  "rejected configs)");

  auto* config = app.add_subcommand("config", "host configuration files");
  config->require_subcommand(1);
  std::string config_file;
  bool config_no_env = false;
  auto* config_check_cmd = config->add_subcommand(
      "check", "print every problem of a config file (and of the environment), or \"ok\"");
  config_check_cmd->add_option("file", config_file, "config file")->required();
  config_check_cmd->add_flag("--no-env", config_no_env,
                             "check the file alone, without PORT, CORS_ORIGINS... of this shell");

  std::string handlers_url, handlers_token;
  bool handlers_json = false;
  int handlers_timeout = 5;
  auto* handlers_cmd =
      app.add_subcommand("handlers", "which plugin handles which message on a running host");
  handlers_cmd->add_option("--url", handlers_url, "the host, e.g. http://127.0.0.1:8002")
      ->required();
  handlers_cmd->add_option("--token", handlers_token,
                           "admin token (default: $GLASSHUB_ADMIN_TOKEN)");
  handlers_cmd->add_flag("--json", handlers_json, "print the host's JSON answer as is");
  handlers_cmd->add_option("--timeout", handlers_timeout, "seconds to wait for the host")
      ->check(CLI::PositiveNumber);

  std::string reload_url, reload_token;
  bool reload_json = false;
  int reload_timeout = 30;
  auto* reload_cmd = app.add_subcommand(
      "reload", "have a running host re-read its config and manifest (like SIGHUP)");
  reload_cmd->add_option("--url", reload_url, "the host, e.g. http://127.0.0.1:8002")->required();
  reload_cmd->add_option("--token", reload_token, "admin token (default: $GLASSHUB_ADMIN_TOKEN)");
  reload_cmd->add_flag("--json", reload_json, "print the host's JSON answer as is");
  reload_cmd->add_option("--timeout", reload_timeout, "seconds to wait for the host")
      ->check(CLI::PositiveNumber);

  std::string apps_db, apps_config;
  auto* apps = app.add_subcommand("apps", "the app registry in the host's SQLite database");
  apps->require_subcommand(1);
  apps->add_option("--db", apps_db,
                   "SQLite file (default: storage.sqlitePath of --config, then $SQLITE_PATH, "
                   "then glasshub.sqlite3)");
  apps->add_option("--config", apps_config, "the host's config file, for its storage.sqlitePath");

  AppAddArgs add_args;
  auto* apps_add_cmd = apps->add_subcommand("add", "register an app, or replace its entry");
  apps_add_cmd->add_option("--package", add_args.package, "package name, e.g. com.example.app")
      ->required();
  apps_add_cmd->add_option("--name", add_args.name, "display name (default: the package)");
  apps_add_cmd->add_option("--url", add_args.url, "the app server's base URL (publicUrl)")
      ->required();
  auto* key_opt = apps_add_cmd->add_option("--api-key", add_args.api_key,
                                           "the app's API key (stored as its SHA-256)");
  auto* hash_opt = apps_add_cmd->add_option("--hashed-api-key", add_args.hashed_api_key,
                                            "SHA-256 of the API key, 64 lowercase hex");
  key_opt->excludes(hash_opt);
  apps_add_cmd->add_option("--permission", add_args.permissions,
                           "a permission, e.g. MICROPHONE (repeatable)");
  apps_add_cmd->add_option("--type", add_args.type, "standard, background or system_dashboard")
      ->capture_default_str();

  bool apps_list_json = false;
  auto* apps_list_cmd = apps->add_subcommand("list", "list the registered apps");
  apps_list_cmd->add_flag("--json", apps_list_json,
                          "print a JSON array of the config file's `apps` entries");

  std::string remove_package;
  auto* apps_remove_cmd = apps->add_subcommand("remove", "unregister an app");
  apps_remove_cmd->add_option("package", remove_package, "package name")->required();
  // `apps add --db X` as well as `apps --db X add`.
  for (auto* sub : {apps_add_cmd, apps_list_cmd, apps_remove_cmd}) sub->fallthrough();

  std::string token_user, token_secret;
  int64_t token_ttl = 86400;
  auto* token_cmd = app.add_subcommand("token", "mint a development core token (HS256 JWT)");
  token_cmd->add_option("--user", token_user, "the user's email (the token's `email` claim)")
      ->required();
  token_cmd->add_option("--secret", token_secret,
                        "signing secret (default: $AUGMENTOS_AUTH_JWT_SECRET, then the "
                        "config default)");
  token_cmd->add_option("--ttl", token_ttl, "seconds until it expires (0: never)")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Log lines (core, plugins) go to stderr, as text; only warnings unless --verbose.
  core::init_logging(verbose ? "info" : "warn", "text");

  try {
    if (*list) return plugins_list(list_manifest, list_json);
    if (*inspect) return plugins_inspect(inspect_file);
    if (*check) return manifest_check(check_file, check_load);
    if (*config_check_cmd) return config_check(config_file, !config_no_env);
    if (*handlers_cmd) return handlers(handlers_url, handlers_token, handlers_json, handlers_timeout);
    if (*reload_cmd) return reload(reload_url, reload_token, reload_json, reload_timeout);
    if (*token_cmd) return token(token_user, token_secret, token_ttl);
    if (*apps_add_cmd) {
      if (add_args.api_key.empty() && add_args.hashed_api_key.empty())
        throw CtlError("--api-key or --hashed-api-key is required");
      return apps_add(resolve_db(apps_db, apps_config), add_args);
    }
    if (*apps_list_cmd) return apps_list(resolve_db(apps_db, apps_config), apps_list_json);
    if (*apps_remove_cmd) return apps_remove(resolve_db(apps_db, apps_config), remove_package);
  } catch (const CtlError& e) {
    std::cerr << "glasshubctl: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "glasshubctl: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
