// Real processes for tests: a glasshub host on its own port and temp folder, and one-shot runs
// of glasshub / glasshubctl. Every path comes from the environment CTest sets
// (tests/CMakeLists.txt), so tests run the binaries of the build they belong to.
#pragma once

#include "support/http_client.hpp"
#include "support/ws_client.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Environment = std::map<std::string, std::string>;

// --- what CTest hands us ----------------------------------------------------------------------

// The value of an environment variable; throws std::runtime_error naming it when unset.
std::string required_env(const char* name);
fs::path glasshub_bin();                         // GLASSHUB_BIN
fs::path glasshubctl_bin();                      // GLASSHUBCTL_BIN
fs::path source_dir();                           // GLASSHUB_SOURCE_DIR
fs::path plugin_library(std::string_view stem);       // GLASSHUB_PLUGIN_DIR/lib<stem>.so
fs::path test_plugin_library(std::string_view stem);  // GLASSHUB_TEST_PLUGIN_DIR/lib<stem>.so

// --- manifests --------------------------------------------------------------------------------

// {"name":"keepalive","library":<absolute path of the in-tree build>}
nlohmann::json keepalive_entry();
// A first-party plugin of plugins/ by its manifest name ("device" -> libglasshub_device.so).
nlohmann::json product_plugin_entry(const std::string& name);
// A plugin of tests/plugins: name == target name, library lib<name>.so.
nlohmann::json test_plugin_entry(const std::string& name);
// {"plugins":[entries...]}
nlohmann::json manifest_of(std::initializer_list<nlohmann::json> entries);

// --- the test configuration -------------------------------------------------------------------

inline constexpr const char* kAdminToken = "test-admin-token";
inline constexpr const char* kJwtSecret = "test-jwt-secret";

// 127.0.0.1, port 0, the admin token and JWT secret above, `:memory:` storage, text logs.
nlohmann::json default_test_config();

// --- files and processes ----------------------------------------------------------------------

// A fresh folder under $TMPDIR; removed on destruction unless GLASSHUB_KEEP_TEST_DIRS is set.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const noexcept { return path_; }
  // Write `content` to path()/name and return the full path.
  fs::path write(const std::string& name, const std::string& content) const;

 private:
  fs::path path_;
};

std::string read_file(const fs::path& file);
// Replace the content of `file` (e.g. a running host's config or manifest, before a reload).
void write_file(const fs::path& file, const std::string& text);

struct ProcessResult {
  int exit_code = -1;  // exit status, or 128 + signal
  bool timed_out = false;
  std::string out;
  std::string err;
};

// A child process (fork/exec) with stdin from /dev/null and stdout/stderr into files. The child
// gets the parent's environment minus the variables that would change glasshub's behaviour
// (PORT, AUGMENTOS_*, GLASSHUB_*...), plus `extra_env`; it dies with the test (PR_SET_PDEATHSIG).
class Process {
 public:
  Process(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
          const Environment& extra_env = {});
  ~Process();  // SIGKILL + reap when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // The exit status once the child has exited (non-blocking).
  std::optional<int> poll();
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int terminate(std::chrono::milliseconds grace = 5s);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Resident memory of a running process (VmRSS of /proc/<pid>/status) in KiB, or nullopt when
// the process is gone.
std::optional<long> vm_rss_kib(pid_t pid);

// Run to completion (killed after `timeout`) and collect exit status, stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const Environment& extra_env = {});

// `glasshubctl <args...>` of this build.
ProcessResult run_glasshubctl(const std::vector<std::string>& args,
                              const Environment& extra_env = {});

// --- a glasshub host --------------------------------------------------------------------------

struct HostSetup {
  nlohmann::json manifest = manifest_of({keepalive_entry()});
  nlohmann::json config = nlohmann::json::object();  // merge-patched onto default_test_config()
  std::optional<fs::path> manifest_file;             // use this file instead of `manifest`
  std::optional<fs::path> binary;                    // default: glasshub_bin()
};

// The config and manifest of one host, written into their own temp folder.
class HostFiles {
 public:
  explicit HostFiles(const HostSetup& setup);

  const TempDir& dir() const noexcept { return dir_; }
  const fs::path& config_path() const noexcept { return config_path_; }
  const fs::path& manifest_path() const noexcept { return manifest_path_; }
  const nlohmann::json& config() const noexcept { return config_; }
  // glasshub --config <config> --manifest <manifest>
  std::vector<std::string> command() const;

 private:
  TempDir dir_;
  fs::path binary_;
  nlohmann::json config_;
  fs::path config_path_;
  fs::path manifest_path_;
};

// Start glasshub and wait for it to exit (for start-up failures).
ProcessResult run_host_to_exit(const HostSetup& setup, std::chrono::milliseconds timeout = 10s);

// A running glasshub. The constructor returns once the host printed `glasshub listening on
// <host>:<port>` (throws with its stderr if it exits or stays silent); the destructor stops it.
class TestHost {
 public:
  explicit TestHost(const HostSetup& setup = {});
  ~TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }
  std::string url() const;  // http://127.0.0.1:<port>
  const fs::path& manifest_path() const noexcept { return files_.manifest_path(); }
  const fs::path& config_path() const noexcept { return files_.config_path(); }
  // Everything the host printed so far (stdout, then stderr).
  std::string output() const;

  // A core token for `email`, signed with this host's secret.
  std::string token_for(const std::string& email, int64_t ttl_seconds = 3600) const;
  // The phone of `email`, connected and acknowledged.
  WsClient connect_phone(const std::string& email) const;

  HttpResponse get(const std::string& target, const Headers& headers = {}) const;
  // GET /admin/handlers with the admin token; throws unless 200.
  nlohmann::json admin_handlers() const;
  // GET /health; throws unless 200.
  nlohmann::json health() const;
  // POST /admin/reload with the admin token: what SIGHUP does, with the outcome as the answer.
  HttpResponse reload() const;
  // config_path() merge-patched with `patch`, then reload(); throws unless the reload applied.
  nlohmann::json reconfigure(const nlohmann::json& patch) const;
  // The value of one series of GET /metrics, e.g. `glasshub_user_sessions` or
  // `glasshub_connections_rejected_total{reason="auth"}`; "(absent)" when it is not there.
  std::string metric(const std::string& series) const;
  // metric(series) once it equals `value` (for counts the host updates after the client has
  // seen the outcome, e.g. a close); what it last was when `timeout` runs out.
  std::string await_metric(const std::string& series, const std::string& value,
                           std::chrono::milliseconds timeout = 3s) const;

  // SIGTERM and wait; returns the exit status (the destructor then does nothing).
  int stop(std::chrono::milliseconds grace = 5s);

 private:
  HostFiles files_;
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
};

// The route of (endpoint, type) in an /admin/handlers document, or nullptr.
const nlohmann::json* find_route(const nlohmann::json& handlers, std::string_view endpoint,
                                 std::string_view type);
// The plugin called `name` in an /admin/handlers document, or nullptr.
const nlohmann::json* find_plugin(const nlohmann::json& handlers, std::string_view name);

}  // namespace glasshub::test
