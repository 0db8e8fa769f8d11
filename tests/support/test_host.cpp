#include "support/test_host.hpp"

#include <glasshub/core/auth.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace glasshub::test {

using Clock = std::chrono::steady_clock;

// --- environment ------------------------------------------------------------------------------

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) {
    throw std::runtime_error(std::string("environment variable ") + name +
                             " is not set: run the tests through ctest (tests/CMakeLists.txt "
                             "sets it)");
  }
  return value;
}

fs::path glasshub_bin() { return required_env("GLASSHUB_BIN"); }
fs::path glasshubctl_bin() { return required_env("GLASSHUBCTL_BIN"); }
fs::path source_dir() { return required_env("GLASSHUB_SOURCE_DIR"); }

fs::path plugin_library(std::string_view stem) {
  return fs::path(required_env("GLASSHUB_PLUGIN_DIR")) / ("lib" + std::string(stem) + ".so");
}

fs::path test_plugin_library(std::string_view stem) {
  return fs::path(required_env("GLASSHUB_TEST_PLUGIN_DIR")) / ("lib" + std::string(stem) + ".so");
}

// --- manifests --------------------------------------------------------------------------------

nlohmann::json keepalive_entry() {
  return {{"name", "keepalive"}, {"library", plugin_library("glasshub_keepalive").string()}};
}

nlohmann::json product_plugin_entry(const std::string& name) {
  return {{"name", name}, {"library", plugin_library("glasshub_" + name).string()}};
}

nlohmann::json test_plugin_entry(const std::string& name) {
  return {{"name", name}, {"library", test_plugin_library(name).string()}};
}

nlohmann::json manifest_of(std::initializer_list<nlohmann::json> entries) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& e : entries) plugins.push_back(e);
  return {{"plugins", plugins}};
}

nlohmann::json default_test_config() {
  return {
      {"server",
       {{"host", "127.0.0.1"}, {"port", 0}, {"adminToken", kAdminToken}, {"threads", 2}}},
      {"auth", {{"jwtSecret", kJwtSecret}}},
      {"storage", {{"sqlitePath", ":memory:"}}},
      {"logging", {{"level", "info"}, {"format", "text"}}},
  };
}

// --- files ------------------------------------------------------------------------------------

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/glasshub-test-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error("mkdtemp(" + pattern + "): " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (std::getenv("GLASSHUB_KEEP_TEST_DIRS")) {
    std::cerr << "kept test folder " << path_ << "\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
  const fs::path file = path_ / name;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

// --- processes --------------------------------------------------------------------------------

namespace {

// Variables the host (or glasshubctl) reads as overrides; a test sets them explicitly or not at
// all, so that a developer's shell cannot change what a test sees.
bool is_scrubbed(std::string_view name) {
  static const char* const exact[] = {"PORT",
                                      "METRICS_PORT",
                                      "HOST",
                                      "PUBLIC_WS_URL",
                                      "ADMIN_TOKEN",
                                      "SQLITE_PATH",
                                      "CORS_ORIGINS",
                                      "CLOUD_PUBLIC_HOST_NAME",
                                      "GLASSES_HEARTBEAT_MS",
                                      "PONG_TIMEOUT_MS",
                                      "PONG_TIMEOUT_ENABLED",
                                      "SESSION_GRACE_PERIOD_MS",
                                      "SESSION_GRACE_CLEANUP_ENABLED",
                                      "APP_SESSION_TIMEOUT_MS",
                                      "APP_GRACE_PERIOD_MS",
                                      "APP_SUBSCRIPTION_GRACE_MS",
                                      "LOG_LEVEL"};
  for (const char* e : exact) {
    if (name == e) return true;
  }
  return name.rfind("GLASSHUB_", 0) == 0 || name.rfind("AUGMENTOS_", 0) == 0 ||
         name.rfind("MENTRAOS_", 0) == 0;
}

std::vector<std::string> child_environment(const Environment& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    const std::string_view name = entry.substr(0, eq);
    if (is_scrubbed(name) || extra.count(std::string(name))) continue;
    out.emplace_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
                 const Environment& extra_env) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = child_environment(extra_env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);
  const std::string out_path = out.string();
  const std::string err_path = err.string();
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(c_args[0], c_args.data(), c_env.data());
    static const char msg[] = "test harness: execve failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
}

Process::~Process() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::optional<int> Process::poll() {
  if (status_) return status_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = decode_status(status);
  return status_;
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!poll()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
  return status_;
}

int Process::terminate(std::chrono::milliseconds grace) {
  if (poll()) return *status_;
  ::kill(pid_, SIGTERM);
  if (auto st = wait_for(grace)) return *st;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = decode_status(status);
  return *status_;
}

std::optional<long> vm_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));  // "VmRSS:  1234 kB"
  }
  return std::nullopt;
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const Environment& extra_env) {
  TempDir dir;
  const fs::path out = dir.path() / "stdout.txt";
  const fs::path err = dir.path() / "stderr.txt";
  ProcessResult result;
  {
    Process p(argv, out, err, extra_env);
    if (auto st = p.wait_for(timeout)) {
      result.exit_code = *st;
    } else {
      result.timed_out = true;
      result.exit_code = p.terminate(1s);
    }
  }
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

ProcessResult run_glasshubctl(const std::vector<std::string>& args, const Environment& extra_env) {
  std::vector<std::string> argv{glasshubctl_bin().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 20s, extra_env);
}

// --- hosts ------------------------------------------------------------------------------------

HostFiles::HostFiles(const HostSetup& setup)
    : binary_(setup.binary ? *setup.binary : glasshub_bin()), config_(default_test_config()) {
  config_.merge_patch(setup.config);
  config_path_ = dir_.write("config.json", config_.dump(2));
  manifest_path_ = setup.manifest_file ? *setup.manifest_file
                                       : dir_.write("plugin-manifest.json", setup.manifest.dump(2));
}

std::vector<std::string> HostFiles::command() const {
  return {binary_.string(), "--config", config_path_.string(), "--manifest",
          manifest_path_.string()};
}

ProcessResult run_host_to_exit(const HostSetup& setup, std::chrono::milliseconds timeout) {
  HostFiles files(setup);
  return run_process(files.command(), timeout);
}

namespace {

const std::regex& listening_line() {
  static const std::regex re(R"(glasshub listening on (\S+):(\d+))");
  return re;
}

std::string tail(const std::string& text, std::size_t max = 4000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

TestHost::TestHost(const HostSetup& setup) : files_(setup) {
  const fs::path out = files_.dir().path() / "stdout.txt";
  const fs::path err = files_.dir().path() / "stderr.txt";
  process_ = std::make_unique<Process>(files_.command(), out, err);

  // Generous: a first start under sanitizers or a loaded CI machine can take seconds.
  const auto deadline = Clock::now() + 15s;
  std::smatch m;
  while (true) {
    const std::string printed = read_file(out);
    if (std::regex_search(printed, m, listening_line())) {
      port_ = static_cast<uint16_t>(std::stoi(m[2].str()));
      return;
    }
    if (auto st = process_->poll()) {
      throw std::runtime_error("glasshub exited with status " + std::to_string(*st) +
                               " before listening; output:\n" + tail(output()));
    }
    if (Clock::now() >= deadline) {
      process_->terminate(1s);
      throw std::runtime_error("glasshub did not print 'glasshub listening on' within 15 s; "
                               "output:\n" +
                               tail(output()));
    }
    std::this_thread::sleep_for(5ms);
  }
}

TestHost::~TestHost() {
  if (!process_) return;
  const bool failing = std::uncaught_exceptions() > 0;
  const int status = process_->terminate(5s);
  if (failing || std::getenv("GLASSHUB_TEST_VERBOSE")) {
    std::cerr << "--- glasshub (exit " << status << ") output ---\n"
              << tail(output()) << "\n--- end of glasshub output ---\n";
  }
}

std::string TestHost::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string TestHost::output() const {
  return read_file(files_.dir().path() / "stdout.txt") +
         read_file(files_.dir().path() / "stderr.txt");
}

std::string TestHost::token_for(const std::string& email, int64_t ttl_seconds) const {
  return core::mint_core_token(email, files_.config()["auth"]["jwtSecret"].get<std::string>(),
                               ttl_seconds);
}

WsClient TestHost::connect_phone(const std::string& email) const {
  return glasshub::test::connect_phone(port_, token_for(email));
}

HttpResponse TestHost::get(const std::string& target, const Headers& headers) const {
  return http_get(port_, target, headers);
}

nlohmann::json TestHost::admin_handlers() const {
  const auto res = get("/admin/handlers", {bearer(kAdminToken)});
  if (res.status != 200) {
    throw std::runtime_error("GET /admin/handlers answered " + std::to_string(res.status) + ": " +
                             res.body);
  }
  return res.json();
}

std::string TestHost::metric(const std::string& series) const {
  const std::string body = "\n" + get("/metrics").body;
  const auto pos = body.find("\n" + series + " ");
  if (pos == std::string::npos) return "(absent)";
  const auto start = pos + 2 + series.size();
  return body.substr(start, body.find('\n', start) - start);
}

std::string TestHost::await_metric(const std::string& series, const std::string& value,
                                   std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string now = metric(series);
  while (now != value && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    now = metric(series);
  }
  return now;
}

HttpResponse TestHost::reload() const {
  return http_post(port_, "/admin/reload", "", {bearer(kAdminToken)}, 30s);
}

nlohmann::json TestHost::reconfigure(const nlohmann::json& patch) const {
  nlohmann::json config = nlohmann::json::parse(read_file(config_path()));
  config.merge_patch(patch);
  write_file(config_path(), config.dump(2));
  const auto res = reload();
  if (res.status != 200)
    throw std::runtime_error("POST /admin/reload answered " + std::to_string(res.status) + ": " +
                             res.body);
  return res.json();
}

nlohmann::json TestHost::health() const {
  const auto res = get("/health");
  if (res.status != 200) {
    throw std::runtime_error("GET /health answered " + std::to_string(res.status) + ": " +
                             res.body);
  }
  return res.json();
}

int TestHost::stop(std::chrono::milliseconds grace) {
  const int status = process_->terminate(grace);
  process_.reset();
  return status;
}

const nlohmann::json* find_route(const nlohmann::json& handlers, std::string_view endpoint,
                                 std::string_view type) {
  for (const auto& r : handlers.at("routes")) {
    if (r.value("endpoint", "") == endpoint && r.value("type", "") == type) return &r;
  }
  return nullptr;
}

const nlohmann::json* find_plugin(const nlohmann::json& handlers, std::string_view name) {
  for (const auto& p : handlers.at("plugins")) {
    if (p.value("name", "") == name) return &p;
  }
  return nullptr;
}

}  // namespace glasshub::test
