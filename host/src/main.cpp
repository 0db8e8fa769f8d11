// glasshub: load config, manifest and plugins, then serve until SIGINT/SIGTERM (SIGHUP reloads).
#include "outbound_http.hpp"
#include "server.hpp"

#include <glasshub/core/config.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/core/logging.hpp>
#include <glasshub/core/manifest.hpp>
#include <glasshub/core/plugin_loader.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
namespace core = glasshub::core;

int serve(const std::optional<std::string>& config_file, const fs::path& manifest_file,
          bool print_config) {
  core::Config config;
  try {
    config = core::load_config(config_file, core::process_environment());
  } catch (const core::ConfigError& e) {
    std::cerr << "glasshub: config error: " << e.what() << '\n';
    return 2;
  }
  if (print_config) {
    std::cout << core::config_to_json(config).dump(2) << std::endl;
    return 0;
  }
  core::init_logging(config.logging.level, config.logging.format);

  core::Manifest manifest;
  try {
    manifest = core::load_manifest(manifest_file);
  } catch (const core::ManifestError& e) {
    std::cerr << "glasshub: manifest error: " << e.what() << '\n';
    return static_cast<int>(core::LoadFailure::manifest_invalid);
  }
  std::unique_ptr<core::PluginSet> plugins;
  try {
    plugins = core::load_plugins(
        manifest, core::LoadOptions{config.storage.sqlite_path, core::plugin_host_settings(config)});
  } catch (const core::LoadError& e) {
    std::cerr << "glasshub: plugin load failed: " << e.what() << '\n';
    return e.exit_code();
  }

  const unsigned threads = config.server.threads != 0
                               ? config.server.threads
                               : std::max(1u, std::thread::hardware_concurrency());
  boost::asio::io_context ioc{static_cast<int>(threads)};
  core::Hub hub(std::move(config), std::move(plugins), ioc);
  hub.set_reload_sources(config_file, manifest_file);
  // Plugins' outbound calls run on the same io_context as the sockets.
  hub.set_http_client(
      std::make_shared<glasshub::host::outbound_http>(ioc, "glasshub/" GLASSHUB_VERSION));
  const auto& listen = hub.config().server;
  std::optional<glasshub::host::server> server;
  try {
    server.emplace(ioc, hub);
  } catch (const boost::system::system_error& e) {
    std::cerr << "glasshub: cannot listen on " << listen.host << ':' << listen.port << ": "
              << e.code().message() << '\n';
    return 1;
  }
  // The test harness reads the port from this line, so it must be out before any client connects.
  std::cout << "glasshub listening on " << listen.host << ':' << server->port() << std::endl;
  if (server->metrics_port() != 0)
    std::cout << "glasshub metrics on " << listen.host << ':' << server->metrics_port()
              << std::endl;
  server->run(threads);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"glasshub: WebSocket cloud host for smart glasses", "glasshub"};
  std::string config_file;
  std::string manifest_file;
  bool print_config = false;
  app.add_option("--config", config_file, "JSON config file (default: embedded defaults)")
      ->envname("GLASSHUB_CONFIG");
  app.add_option("--manifest", manifest_file,
                 "plugin manifest (default: ../share/glasshub/ or ../ beside the executable)")
      ->envname("GLASSHUB_MANIFEST");
  app.add_flag("--print-config", print_config, "print the effective configuration and exit");
  app.set_version_flag("--version", GLASSHUB_VERSION);
  CLI11_PARSE(app, argc, argv);

  try {
    const fs::path manifest =
        manifest_file.empty() ? core::default_manifest_path() : fs::path(manifest_file);
    return serve(config_file.empty() ? std::nullopt : std::optional(config_file), manifest,
                 print_config);
  } catch (const std::exception& e) {
    std::cerr << "glasshub: " << e.what() << '\n';
    return 1;
  }
}
