// /admin/log-levels: the process-wide level and each plugin's own, changed at runtime.
#include <glasshub/core/hub.hpp>

#include "hub_state.hpp"
#include "json_depth.hpp"
#include "plugin_set.hpp"
#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <nlohmann/json.hpp>

#include <tuple>

namespace glasshub::core {

namespace {

// The names of logging.level (spdlog's own names differ for warn and error).
constexpr std::pair<std::string_view, spdlog::level::level_enum> kNames[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
    {"error", spdlog::level::err}};

std::optional<int> level_of(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  for (const auto& [name, level] : kNames)
    if (v.get_ref<const std::string&>() == name) return level;
  return std::nullopt;
}

std::string name_of(int level) {
  for (const auto& [name, l] : kNames)
    if (l == level) return std::string(name);
  return "off";
}

bool named(const gh_plugin& p, std::string_view name) {
  return p.name == name || p.entry.name == name;
}

gh_plugin* find(const PluginSet::Impl& set, std::string_view name) {
  for (const auto& p : set.plugins)
    if (named(*p, name)) return p.get();
  return nullptr;
}

}  // namespace

nlohmann::json Hub::log_levels_json() const {
  nlohmann::json plugins = nlohmann::json::object();
  for (const auto& p : state_->generation()->set().plugins)
    if (const int l = p->log_level.load(); l >= 0) plugins[p->name] = name_of(l);
  return {{"level", name_of(g_log_level.load())}, {"plugins", plugins}};
}

std::optional<std::string> Hub::set_log_levels(std::string_view text) {
  // As for every other body: nesting past the limit is refused before the parser sees it.
  if (json_nesting_exceeds(text, live_settings.websocket.max_json_depth())) {
    state_->stats.count_rejected("http_nested_too_deeply");
    return "Request body is nested too deeply";
  }
  const auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return "Body is not JSON";
  if (!body.is_object()) return "the body must be a JSON object";
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "level" && it.key() != "plugins") return "unknown key \"" + it.key() + "\"";
  std::optional<int> global;
  if (auto it = body.find("level"); it != body.end()) {
    global = level_of(*it);
    if (!global) return "level: must be one of trace, debug, info, warn, error";
  }
  std::lock_guard reload_lock(state_->reload_mutex);  // no generation is being made meanwhile
  const GenerationPtr g = state_->generation();  // kept alive while its plugins are changed
  std::vector<std::tuple<std::string, gh_plugin*, int>> changes;  // checked in full before any is applied
  if (auto it = body.find("plugins"); it != body.end()) {
    if (!it->is_object()) return "plugins: must be an object of plugin name to level or null";
    for (auto p = it->begin(); p != it->end(); ++p) {
      gh_plugin* plugin = find(g->set(), p.key());
      if (!plugin) return "plugins." + p.key() + ": no such plugin";
      const std::optional<int> l = p->is_null() ? std::optional<int>(-1) : level_of(*p);
      if (!l) return "plugins." + p.key() + ": must be one of trace, debug, info, warn, error, null";
      changes.emplace_back(p.key(), plugin, *l);
    }
  }
  if (global) g_log_level = *global;
  for (auto& [name, plugin, l] : changes) {
    plugin->log_level = l;
    state_->runtime_log_levels[name] = l;
  }
  log_line(spdlog::level::info, "log_levels", log_levels_json().dump());
  return std::nullopt;
}

void apply_log_levels(const HubState& hub, const Generation& g) {
  for (const auto& [name, level] : g.config.logging.plugins)
    if (!find(g.set(), name))
      log_line(spdlog::level::warn, "log_levels",
               "logging.plugins." + name + ": no such plugin in the manifest");
  for (const auto& p : g.set().plugins) {
    int level = -1;
    for (const auto& [name, l] : g.config.logging.plugins)
      if (named(*p, name)) level = *level_of(nlohmann::json(l));
    for (const auto& [name, l] : hub.runtime_log_levels)
      if (named(*p, name)) level = l;
    p->log_level = level;
  }
}

}  // namespace glasshub::core
