// plugin-manifest.json: which plugins the host loads, from where, with what config.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace glasshub::core {

// One handler switched off by the operator: (endpoint, type). `endpoint` is "glasses", "app",
// or "*" for both; written in the manifest as "glasses:ping", "app:display_event" or "ping".
struct DisabledHandler {
  std::string endpoint;
  std::string type;
};

struct ManifestEntry {
  std::string name;
  std::filesystem::path library;  // resolved against the manifest file's folder
  std::string library_as_written;
  bool enabled = true;
  bool optional = false;           // a failure to load is logged, not fatal
  std::string config_json = "{}";  // the entry's "config" object, serialized
  std::vector<DisabledHandler> disabled_handlers;
};

struct Manifest {
  std::filesystem::path path;
  std::vector<ManifestEntry> plugins;
};

class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where glasshub and glasshubctl look when no manifest is named: beside the executable, the
// installed layout (<bin>/../share/glasshub/) first, then the build tree (<bin>/../). Returns
// the first that exists, else the installed path.
std::filesystem::path default_manifest_path();

// Parse and validate; throws ManifestError with every problem, one per line.
Manifest load_manifest(const std::filesystem::path& file);

// Every problem of a manifest (unreadable, bad JSON, missing or wrong-typed fields, duplicate
// names, libraries that do not exist), one line each. Empty when the manifest is fine.
std::vector<std::string> check_manifest(const std::filesystem::path& file);

}  // namespace glasshub::core
