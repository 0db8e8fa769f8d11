#include <glasshub/core/plugin_loader.hpp>

#include "host_api.hpp"
#include <glasshub/core/log.hpp>
#include "plugin_set.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
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

FileStamp stamp_of(const fs::path& path) {
  std::error_code ec;
  FileStamp st;
  st.size = fs::file_size(path, ec);
  if (ec) return {};
  const auto status = fs::last_write_time(path, ec);
  if (!ec) st.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             status.time_since_epoch()).count();
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0) st.inode = sb.st_ino;
  return st;
}

// Opens, checks and initializes one plugin; routes are added by the caller.
void load_one(gh_plugin& p, KvStore& kv) {
  const ManifestEntry& e = p.entry;
  const std::string who = describe_entry(e);
  p.stamp = stamp_of(e.library);
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
}

}  // namespace

const char* endpoint_name(gh_endpoint e) noexcept {
  return e == GH_ENDPOINT_APP ? "app" : "glasses";
}

PluginSet::PluginSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PluginSet::~PluginSet() = default;

bool handler_disabled(const ManifestEntry& e, gh_endpoint ep, const std::string& type) {
  for (const auto& d : e.disabled_handlers)
    if (d.type == type && (d.endpoint == "*" || d.endpoint == endpoint_name(ep))) return true;
  return false;
}

PluginSet::Impl::~Impl() {
  while (!plugins.empty()) plugins.pop_back();  // reverse manifest order
}

ReloadRefused::ReloadRefused(std::vector<std::string> reasons)
    : std::runtime_error(reasons.empty() ? std::string("reload refused") : reasons.front()),
      reasons_(std::move(reasons)) {}

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

namespace {

// A plugin that is not running: disabled, or optional and failed.
std::shared_ptr<gh_plugin> placeholder(const ManifestEntry& e) {
  auto p = std::make_shared<gh_plugin>();
  p->entry = e;
  p->name = e.name;
  return p;
}

const gh_plugin* find_loaded(const PluginSet::Impl& set, const std::string& name) {
  for (const auto& p : set.plugins)
    if (p->loaded && p->name == name) return p.get();
  return nullptr;
}

// Claims of `p` that collide with what `set` already routes; the first as a LoadError.
void check_claims(const PluginSet::Impl& set, const gh_plugin& p, const ManifestEntry& e) {
  for (const auto& h : p.handlers) {
    if (h.observer || handler_disabled(e, h.endpoint, h.type)) continue;
    if (const Route* r = set.router.find(h.endpoint, h.type)) {
      throw LoadError(LoadFailure::duplicate_handler,
                      std::string("handler conflict: (") + endpoint_name(h.endpoint) + ", " +
                          h.type + ") is claimed by both plugin \"" + r->owner + "\" (" +
                          (r->plugin ? r->plugin->entry.library.string() : "core") +
                          ") and plugin \"" + p.name + "\" (" + e.library.string() +
                          "); disable one of them or one handler in the manifest");
    }
  }
  for (const auto& r : p.http_routes) {
    if (auto owner = set.http_routes.conflict(r); !owner.empty())
      throw LoadError(LoadFailure::duplicate_handler,
                      std::string("route conflict: ") + http_method_name(r.method) + " " +
                          r.pattern + " is served by both plugin \"" + owner +
                          "\" and plugin \"" + p.name + "\" (" + e.library.string() +
                          "); disable one of them in the manifest");
  }
}

void add_routes(PluginSet::Impl& set, const std::shared_ptr<gh_plugin>& p, const ManifestEntry& e) {
  for (const auto& r : p->http_routes) set.http_routes.add(r, p.get(), p->name);
  for (const auto& h : p->handlers) {
    if (handler_disabled(e, h.endpoint, h.type)) {
      if (!h.observer) set.router.mark_disabled(h.endpoint, h.type);
    } else if (h.observer) {
      set.router.add_observer(h.endpoint, h.type, Observer{p.get(), h.fn, h.state, p->name});
    } else {
      set.router.add(h.endpoint, h.type, p.get(), h.fn, h.state, p->name);
    }
  }
}

// The running plugin of the same build and config as `e`, to be carried over; null when `e`
// must be loaded anew. Throws when the file changed in place (dlopen would reuse the old copy).
std::shared_ptr<gh_plugin> carried_over(const PluginSet::Impl* previous, const ManifestEntry& e) {
  if (!previous) return nullptr;
  for (const auto& p : previous->plugins) {
    if (!p->loaded || p->entry.library != e.library) continue;
    if (stamp_of(e.library) != p->stamp)
      throw LoadError(LoadFailure::file_missing,
                      describe_entry(e) + ": the library file changed on disk while plugin \"" +
                          p->name + "\" runs it; the running copy would be reused, so install "
                          "the new build under a new file name and point the manifest at it");
    if (p->name == e.name && p->entry.config_json == e.config_json) return p;
  }
  return nullptr;
}

// One {"plugin","change",...} object per difference between `before` and `after`.
void describe_changes(const PluginSet::Impl& before, const PluginSet::Impl& after, json& changes) {
  for (size_t i = 0; i < after.plugins.size(); ++i) {
    const auto& p = after.plugins[i];
    const gh_plugin* old = find_loaded(before, p->name);
    if (!p->loaded) {
      if (old) changes.push_back({{"plugin", p->name}, {"change", "unloaded"},
                                  {"version", old->version}});
      continue;
    }
    if (!old) {
      changes.push_back({{"plugin", p->name}, {"change", "loaded"}, {"version", p->version}});
    } else if (old != p.get()) {
      const bool same_file = old->entry.library == p->entry.library;
      changes.push_back({{"plugin", p->name},
                         {"change", same_file ? "reconfigured" : "upgraded"},
                         {"from", old->version},
                         {"to", p->version},
                         {"library", p->entry.library.string()}});
    } else {
      const ManifestEntry* was = nullptr;
      for (size_t j = 0; j < before.plugins.size(); ++j)
        if (before.plugins[j].get() == old) was = &before.entries[j];
      auto disabled = [](const ManifestEntry& e) {
        json out = json::array();
        for (const auto& d : e.disabled_handlers) out.push_back(d.endpoint + ":" + d.type);
        return out;
      };
      if (was && disabled(*was) != disabled(after.entries[i]))
        changes.push_back({{"plugin", p->name},
                           {"change", "handlers"},
                           {"disabledHandlers", disabled(after.entries[i])}});
    }
  }
  for (const auto& old : before.plugins) {
    if (!old->loaded) continue;
    bool listed = false;
    for (const auto& e : after.entries) listed = listed || e.name == old->name;
    if (!listed)
      changes.push_back({{"plugin", old->name}, {"change", "unloaded"}, {"version", old->version}});
  }
}

// Loads (or carries over) every entry of `manifest`. With `errors`, failures are collected and
// loading goes on (reload); without, the first one is thrown (start-up).
std::unique_ptr<PluginSet::Impl> build_set(const Manifest& manifest, std::shared_ptr<KvStore> kv,
                                           const std::string& host_settings_json,
                                           const PluginSet::Impl* previous,
                                           std::vector<std::string>* errors) {
  auto impl = std::make_unique<PluginSet::Impl>();
  impl->kv = std::move(kv);
  auto settings = json::parse(host_settings_json, nullptr, false);
  if (!settings.is_object()) settings = json::object();
  const auto host_settings = std::make_shared<const json>(std::move(settings));
  for (const auto& e : manifest.plugins) {
    impl->entries.push_back(e);
    if (!e.enabled) {
      log_line(spdlog::level::info, "plugin_disabled", "not loaded: disabled in the manifest",
               {.plugin = e.name});
      impl->plugins.push_back(placeholder(e));
      continue;
    }
    std::shared_ptr<gh_plugin> p;
    try {
      p = carried_over(previous, e);
      const bool kept = p != nullptr;
      if (!kept) {
        p = std::make_shared<gh_plugin>();
        p->entry = e;
        p->host_settings = host_settings;
        p->name = e.name;
        load_one(*p, *impl->kv);
      }
      check_claims(*impl, *p, e);  // every claim before any route, so a refusal leaves none
      if (!kept)
        log_line(spdlog::level::info, "plugin_loaded",
                 "loaded " + p->name + " " + p->version + " (ABI " +
                     version_string(p->abi_major, p->abi_minor) + ") from " + e.library.string(),
                 {.plugin = p->name});
    } catch (const LoadError& err) {
      p.reset();  // a plugin loaded here hears on_unload
      if (!e.optional) {
        if (!errors) throw;
        errors->push_back(err.what());
      } else {
        log_line(spdlog::level::warn, "plugin_skipped",
                 std::string("optional plugin not loaded: ") + err.what(), {.plugin = e.name});
      }
      impl->plugins.push_back(placeholder(e));
      continue;
    }
    add_routes(*impl, p, e);
    impl->plugins.push_back(std::move(p));
  }
  return impl;
}

}  // namespace

std::unique_ptr<PluginSet> load_plugins(const Manifest& manifest, const LoadOptions& options) {
  std::shared_ptr<KvStore> kv;
  try {
    kv = std::make_shared<KvStore>(options.sqlite_path);
  } catch (const std::exception& ex) {
    throw LoadError(LoadFailure::manifest_invalid,
                    "cannot open the plugin store " + options.sqlite_path + ": " + ex.what());
  }
  return std::make_unique<PluginSet>(
      build_set(manifest, std::move(kv), options.host_settings_json, nullptr, nullptr));
}

std::unique_ptr<PluginSet> reload_plugins(const PluginSet& current, const Manifest& manifest,
                                          const std::string& host_settings_json, json& changes) {
  std::vector<std::string> errors;
  auto impl = build_set(manifest, current.impl().kv, host_settings_json, &current.impl(), &errors);
  if (!errors.empty()) throw ReloadRefused(std::move(errors));
  changes = json::array();
  describe_changes(current.impl(), *impl, changes);
  return std::make_unique<PluginSet>(std::move(impl));
}

json describe_plugins(const PluginSet& set) {
  const auto& impl = set.impl();
  json plugins = json::array();
  for (size_t i = 0; i < impl.plugins.size(); ++i) {
    const auto& p = impl.plugins[i];
    const ManifestEntry& e = impl.entries[i];
    json handlers = json::array();
    for (const auto& h : p->handlers)
      handlers.push_back(
          {{"endpoint", endpoint_name(h.endpoint)},
           {"type", h.type},
           {"enabled", !handler_disabled(e, h.endpoint, h.type)},
           {"role", h.observer ? "observer" : "owner"}});
    json http_routes = json::array();
    for (const auto& r : p->http_routes)
      http_routes.push_back({{"method", http_method_name(r.method)},
                             {"path", r.pattern},
                             {"auth", r.auth == GH_ROUTE_AUTH_USER ? "user" : "none"}});
    json counters = json::object();
    for (const auto& c : p->counters) counters[c.name] = c.value.load();
    json entry = {{"name", p->name},
                  {"library", e.library_as_written},
                  {"path", e.library.string()},
                  {"enabled", e.enabled},
                  {"loaded", p->loaded},
                  {"optional", e.optional},
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

gh_plugin::~gh_plugin() { glasshub::core::unload_one(*this); }
