#include <glasshub/core/manifest.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace glasshub::core {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Parses the manifest, collecting every problem instead of stopping at the first.
Manifest parse(const fs::path& file, std::vector<std::string>& problems) {
  Manifest m;
  m.path = fs::absolute(file);
  std::ifstream in(file);
  if (!in) {
    problems.push_back(file.string() + ": cannot open the manifest file");
    return m;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false, true);
  if (doc.is_discarded()) {
    problems.push_back(file.string() + ": not valid JSON");
    return m;
  }
  if (!doc.is_object() || !doc.contains("plugins") || !doc["plugins"].is_array()) {
    problems.push_back(file.string() + ": must be an object with a \"plugins\" array");
    return m;
  }
  const fs::path base = m.path.parent_path();
  std::set<std::string> names;
  const json& plugins = doc["plugins"];
  for (size_t i = 0; i < plugins.size(); ++i) {
    const json& p = plugins[i];
    std::string where = "plugins[" + std::to_string(i) + "]";
    if (!p.is_object()) {
      problems.push_back(where + ": must be an object");
      continue;
    }
    ManifestEntry e;
    auto str = [&](const char* key, std::string& out, bool required) {
      auto it = p.find(key);
      if (it == p.end()) {
        if (required) problems.push_back(where + "." + key + ": is required");
        return;
      }
      if (!it->is_string() || it->get<std::string>().empty())
        problems.push_back(where + "." + key + ": must be a non-empty string");
      else
        out = it->get<std::string>();
    };
    auto flag = [&](const char* key, bool& out) {
      auto it = p.find(key);
      if (it == p.end()) return;
      if (!it->is_boolean())
        problems.push_back(where + "." + key + ": must be true or false");
      else
        out = it->get<bool>();
    };
    str("name", e.name, true);
    if (!e.name.empty()) where += " (" + e.name + ")";
    str("library", e.library_as_written, true);
    flag("enabled", e.enabled);
    flag("optional", e.optional);
    if (auto it = p.find("config"); it != p.end()) {
      if (!it->is_object())
        problems.push_back(where + ".config: must be an object");
      else
        e.config_json = it->dump();
    }
    if (auto it = p.find("disabledHandlers"); it != p.end()) {
      if (!it->is_array()) {
        problems.push_back(where + ".disabledHandlers: must be an array of strings");
      } else {
        for (const auto& h : *it) {
          if (!h.is_string() || h.get<std::string>().empty()) {
            problems.push_back(where + ".disabledHandlers: entries must be non-empty strings");
            continue;
          }
          std::string s = h.get<std::string>();
          DisabledHandler d{"*", s};
          if (auto colon = s.find(':'); colon != std::string::npos) {
            d.endpoint = s.substr(0, colon);
            d.type = s.substr(colon + 1);
            if (d.endpoint != "glasses" && d.endpoint != "app")
              problems.push_back(where + ".disabledHandlers: \"" + s +
                                 "\": endpoint must be \"glasses\" or \"app\"");
          }
          e.disabled_handlers.push_back(std::move(d));
        }
      }
    }
    for (auto it = p.begin(); it != p.end(); ++it) {
      static const std::set<std::string> known{"name",   "library", "enabled", "optional",
                                               "config", "disabledHandlers", "description"};
      if (!known.count(it.key())) problems.push_back(where + "." + it.key() + ": unknown key");
    }
    if (!e.name.empty() && !names.insert(e.name).second)
      problems.push_back(where + ": duplicate plugin name \"" + e.name + "\"");
    if (!e.library_as_written.empty()) {
      fs::path lib(e.library_as_written);
      e.library = lib.is_absolute() ? lib : (base / lib).lexically_normal();
    }
    m.plugins.push_back(std::move(e));
  }
  return m;
}

}  // namespace

fs::path default_manifest_path() {
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path installed = (exe_dir / "../share/glasshub/plugin-manifest.json").lexically_normal();
  const fs::path build_tree = (exe_dir / "../plugin-manifest.json").lexically_normal();
  if (!fs::exists(installed, ec) && fs::exists(build_tree, ec)) return build_tree;
  return installed;
}

Manifest load_manifest(const fs::path& file) {
  std::vector<std::string> problems;
  Manifest m = parse(file, problems);
  if (!problems.empty()) {
    std::string all;
    for (auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    throw ManifestError(all);
  }
  return m;
}

std::vector<std::string> check_manifest(const fs::path& file) {
  std::vector<std::string> problems;
  Manifest m = parse(file, problems);
  for (const auto& e : m.plugins) {
    if (e.library.empty()) continue;
    std::error_code ec;
    if (!fs::is_regular_file(e.library, ec))
      problems.push_back("plugin \"" + e.name + "\": library " + e.library.string() +
                         " does not exist");
  }
  return problems;
}

}  // namespace glasshub::core
