#include <glasshub/core/plugin_loader.hpp>

#include "host_api.hpp"
#include <glasshub/core/log.hpp>
#include "plugin_set.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace glasshub::core {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The entry point is called through a type whose return buffer is 512 bytes, so that a plugin
// of any future major version (whose info struct may be larger) cannot write past it.
struct AnyMajorInfo {
  gh_plugin_info info;
  unsigned char reserve[512 - sizeof(gh_plugin_info)];
};
using AnyMajorEntry = AnyMajorInfo();

std::string version_string(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string describe_entry(const ManifestEntry& e) {
  return "plugin \"" + e.name + "\" (" + e.library.string() + ")";
}

boost::dll::shared_library open_library(const fs::path& path, const std::string& who) {
  std::error_code fec;
  if (!fs::exists(path, fec))
    throw LoadError(LoadFailure::file_missing,
                    who + ": library file does not exist: " + path.string());
  boost::dll::fs::error_code ec;
  boost::dll::shared_library lib(path, ec, boost::dll::load_mode::rtld_now |
                                               boost::dll::load_mode::rtld_local);
  if (ec)
    throw LoadError(LoadFailure::file_missing,
                    who + ": cannot open library " + path.string() + ": " + ec.message());
  return lib;
}

gh_plugin_info read_info(boost::dll::shared_library& lib, const std::string& who,
                         const fs::path& path) {
  if (!lib.has(GLASSHUB_PLUGIN_ENTRY_SYMBOL))
    throw LoadError(LoadFailure::not_a_plugin,
                    who + ": " + path.string() + " is not a glasshub plugin (no exported symbol " +
                        GLASSHUB_PLUGIN_ENTRY_SYMBOL + ")");
  auto& entry = lib.get<AnyMajorEntry>(GLASSHUB_PLUGIN_ENTRY_SYMBOL);
  return entry().info;
}

void check_versions(const gh_plugin_info& info, const std::string& who) {
  const std::string plugin_v = version_string(info.abi_major, info.abi_minor);
  const std::string host_v =
      version_string(GLASSHUB_ABI_VERSION_MAJOR, GLASSHUB_ABI_VERSION_MINOR);
  if (info.abi_major != GLASSHUB_ABI_VERSION_MAJOR)
    throw LoadError(LoadFailure::abi_major_mismatch,
                    who + " was built for glasshub ABI " + plugin_v + " but this host speaks ABI " +
                        host_v + " (the major versions must match; rebuild the plugin)");
  if (info.abi_minor > GLASSHUB_ABI_VERSION_MINOR)
    throw LoadError(LoadFailure::abi_minor_too_new,
                    who + " needs glasshub ABI " + plugin_v + " but this host only has ABI " +
                        host_v + " (upgrade the host)");
  if (!info.on_load || !info.name || !*info.name)
    throw LoadError(LoadFailure::invalid_plugin,
                    who + ": its plugin info has no name or no on_load function");
}

const char* status_name(gh_status s) {
  switch (s) {
    case GH_OK: return "GH_OK";
    case GH_ERR_INVALID_ARGUMENT: return "GH_ERR_INVALID_ARGUMENT";
    case GH_ERR_NOT_FOUND: return "GH_ERR_NOT_FOUND";
    case GH_ERR_WRONG_STATE: return "GH_ERR_WRONG_STATE";
    case GH_ERR_UNSUPPORTED: return "GH_ERR_UNSUPPORTED";
    case GH_ERR_REJECTED: return "GH_ERR_REJECTED";
    case GH_ERR_INTERNAL: return "GH_ERR_INTERNAL";
    case GH_ERR_BACKPRESSURE: return "GH_ERR_BACKPRESSURE";
  }
  return "unknown status";
}

bool handler_disabled(const ManifestEntry& e, gh_endpoint ep, const std::string& type) {
  for (const auto& d : e.disabled_handlers)
    if (d.type == type && (d.endpoint == "*" || d.endpoint == endpoint_name(ep))) return true;
  return false;
}

void unload_one(gh_plugin& p) noexcept {
  if (p.loaded && p.on_unload) {
    const CallContext call_ctx{&p, nullptr, {}, {}};
    CallScope scope(call_ctx);
    try {
      p.on_unload(p.state);
    } catch (...) {
    }
  }
  p.loaded = false;
}

// Opens, checks and initializes one plugin; routes are added by the caller.
void load_one(gh_plugin& p, KvStore& kv) {
  const ManifestEntry& e = p.entry;
  const std::string who = describe_entry(e);
  p.library = open_library(e.library, who);
  gh_plugin_info info = read_info(p.library, who, e.library);
  p.abi_major = info.abi_major;
  p.abi_minor = info.abi_minor;
  check_versions(info, who);
  p.name = info.name;
  p.version = info.version ? info.version : "";
  p.description = info.description ? info.description : "";
  if (p.name != e.name)
    throw LoadError(LoadFailure::invalid_plugin,
                    who + ": the library calls itself \"" + p.name +
                        "\"; the manifest entry's name must match it");
  p.on_unload = info.on_unload;
  p.kv = &kv;
  p.config = json::parse(e.config_json, nullptr, false);
  gh_registrar reg{&p, true};
  gh_status st;
  {
    const CallContext call_ctx{&p, nullptr, {}, {}};
    CallScope scope(call_ctx);
    try {
      st = info.on_load(host_api(), &p, &reg, &p.state);
    } catch (...) {
      st = GH_ERR_INTERNAL;
    }
  }
  reg.open = false;
  if (st != GH_OK)
    throw LoadError(LoadFailure::config_rejected,
                    who + " refused to load (" + status_name(st) + ") with config " +
                        e.config_json + "; its log line above says why");
  p.loaded = true;
  for (auto& h : p.handlers) h.enabled = !handler_disabled(e, h.endpoint, h.type);
}

}  // namespace

const char* endpoint_name(gh_endpoint e) noexcept {
  return e == GH_ENDPOINT_APP ? "app" : "glasses";
}

PluginSet::PluginSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PluginSet::~PluginSet() = default;

PluginSet::Impl::~Impl() {
  for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) unload_one(**it);
}

PluginInfo inspect_plugin(const std::string& library_path) {
  fs::path path = fs::absolute(library_path);
  const std::string who = "library " + path.string();
  auto lib = open_library(path, who);
  gh_plugin_info info = read_info(lib, who, path);
  PluginInfo out;
  out.path = path.string();
  out.abi_major = info.abi_major;
  out.abi_minor = info.abi_minor;
  if (info.abi_major == GLASSHUB_ABI_VERSION_MAJOR) {  // other majors' strings are not ours to read
    out.name = info.name ? info.name : "";
    out.version = info.version ? info.version : "";
    out.description = info.description ? info.description : "";
  }
  return out;
}

std::unique_ptr<PluginSet> load_plugins(const Manifest& manifest, const LoadOptions& options) {
  auto impl = std::make_unique<PluginSet::Impl>();
  try {
    impl->kv = std::make_unique<KvStore>(options.sqlite_path);
  } catch (const std::exception& ex) {
    throw LoadError(LoadFailure::manifest_invalid,
                    "cannot open the plugin store " + options.sqlite_path + ": " + ex.what());
  }
  impl->host_settings = json::parse(options.host_settings_json, nullptr, false);
  if (!impl->host_settings.is_object()) impl->host_settings = json::object();
  for (const auto& e : manifest.plugins) {
    auto p = std::make_unique<gh_plugin>();
    p->entry = e;
    p->host_settings = &impl->host_settings;
    p->name = e.name;
    if (!e.enabled) {
      log_line(spdlog::level::info, "plugin_disabled", "not loaded: disabled in the manifest",
               {.plugin = e.name});
      impl->plugins.push_back(std::move(p));
      continue;
    }
    try {
      load_one(*p, *impl->kv);
      // Check every claim before adding any, so a refused plugin leaves no route behind.
      for (const auto& h : p->handlers) {
        if (!h.enabled || h.observer) continue;
        if (const Route* r = impl->router.find(h.endpoint, h.type)) {
          throw LoadError(LoadFailure::duplicate_handler,
                          std::string("handler conflict: (") + endpoint_name(h.endpoint) + ", " +
                              h.type + ") is claimed by both plugin \"" + r->owner + "\" (" +
                              (r->plugin ? r->plugin->entry.library.string() : "core") +
                              ") and plugin \"" + p->name + "\" (" + e.library.string() +
                              "); disable one of them or one handler in the manifest");
        }
      }
      for (const auto& r : p->http_routes) {
        if (auto owner = impl->http_routes.conflict(r); !owner.empty())
          throw LoadError(LoadFailure::duplicate_handler,
                          std::string("route conflict: ") + http_method_name(r.method) + " " +
                              r.pattern + " is served by both plugin \"" + owner +
                              "\" and plugin \"" + p->name + "\" (" + e.library.string() +
                              "); disable one of them in the manifest");
      }
    } catch (const LoadError& err) {
      unload_one(*p);
      if (!e.optional) throw;
      log_line(spdlog::level::warn, "plugin_skipped",
               std::string("optional plugin not loaded: ") + err.what(), {.plugin = e.name});
      p->handlers.clear();
      p->http_routes.clear();
      impl->plugins.push_back(std::move(p));
      continue;
    }
    for (const auto& r : p->http_routes) impl->http_routes.add(r, p.get(), p->name);
    for (const auto& h : p->handlers) {
      if (h.observer) {
        if (h.enabled)
          impl->router.add_observer(h.endpoint, h.type, Observer{p.get(), h.fn, h.state, p->name});
      } else if (h.enabled) {
        impl->router.add(h.endpoint, h.type, p.get(), h.fn, h.state, p->name);
      } else {
        impl->router.mark_disabled(h.endpoint, h.type);
      }
    }
    log_line(spdlog::level::info, "plugin_loaded",
             "loaded " + p->name + " " + p->version + " (ABI " +
                 version_string(p->abi_major, p->abi_minor) + ") from " + e.library.string(),
             {.plugin = p->name});
    impl->plugins.push_back(std::move(p));
  }
  return std::make_unique<PluginSet>(std::move(impl));
}

json describe_plugins(const PluginSet& set) {
  const auto& impl = set.impl();
  json plugins = json::array();
  for (const auto& p : impl.plugins) {
    json handlers = json::array();
    for (const auto& h : p->handlers)
      handlers.push_back(
          {{"endpoint", endpoint_name(h.endpoint)},
           {"type", h.type},
           {"enabled", h.enabled},
           {"role", h.observer ? "observer" : "owner"}});
    json http_routes = json::array();
    for (const auto& r : p->http_routes)
      http_routes.push_back({{"method", http_method_name(r.method)},
                             {"path", r.pattern},
                             {"auth", r.auth == GH_ROUTE_AUTH_USER ? "user" : "none"}});
    json counters = json::object();
    for (const auto& c : p->counters) counters[c.name] = c.value.load();
    json entry = {{"name", p->name},
                  {"library", p->entry.library_as_written},
                  {"path", p->entry.library.string()},
                  {"enabled", p->entry.enabled},
                  {"loaded", p->loaded},
                  {"optional", p->entry.optional},
                  {"errors", p->errors.load()},
                  {"handled", p->handled.load()},
                  {"handlers", handlers},
                  {"httpRoutes", http_routes},
                  {"counters", counters}};
    if (p->loaded) {
      entry["version"] = p->version;
      entry["description"] = p->description;
      entry["abi"] = version_string(p->abi_major, p->abi_minor);
    } else {
      entry["version"] = nullptr;
      entry["description"] = nullptr;
      entry["abi"] = nullptr;
    }
    plugins.push_back(std::move(entry));
  }
  json routes = json::array();
  for (gh_endpoint ep : {GH_ENDPOINT_GLASSES, GH_ENDPOINT_APP}) {
    for (const auto& [type, r] : impl.router.table(ep))
      routes.push_back({{"endpoint", endpoint_name(ep)}, {"type", type}, {"plugin", r.owner}});
  }
  std::sort(routes.begin(), routes.end(), [](const json& a, const json& b) {
    return std::tie(a["endpoint"].get_ref<const std::string&>(),
                    a["type"].get_ref<const std::string&>()) <
           std::tie(b["endpoint"].get_ref<const std::string&>(),
                    b["type"].get_ref<const std::string&>());
  });
  return {{"abi", {{"major", GLASSHUB_ABI_VERSION_MAJOR}, {"minor", GLASSHUB_ABI_VERSION_MINOR}}},
          {"plugins", plugins},
          {"routes", routes}};
}

}  // namespace glasshub::core
