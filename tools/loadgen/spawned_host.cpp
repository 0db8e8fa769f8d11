#include "spawned_host.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace glasshub::loadgen {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

// Variables glasshub reads as overrides of its config: the run must see only the config we wrote.
bool overrides_config(std::string_view name) {
  static const char* const exact[] = {
      "PORT", "HOST", "CORS_ORIGINS", "CLOUD_PUBLIC_HOST_NAME", "PUBLIC_WS_URL", "ADMIN_TOKEN",
      "GLASSES_HEARTBEAT_MS", "PONG_TIMEOUT_MS", "PONG_TIMEOUT_ENABLED", "SESSION_GRACE_PERIOD_MS",
      "SESSION_GRACE_CLEANUP_ENABLED", "APP_SESSION_TIMEOUT_MS", "APP_GRACE_PERIOD_MS",
      "APP_SUBSCRIPTION_GRACE_MS", "SQLITE_PATH", "LOG_LEVEL"};
  for (const char* e : exact)
    if (name == e) return true;
  return name.starts_with("GLASSHUB_") || name.starts_with("AUGMENTOS_") ||
         name.starts_with("MENTRAOS_");
}

nlohmann::json host_config(const SpawnSetup& setup) {
  nlohmann::json apps = nlohmann::json::array();
  for (int i = 1; i <= setup.apps; ++i) {
    apps.push_back({{"packageName", setup.app_prefix + std::to_string(i)},
                    {"name", "bench app " + std::to_string(i)},
                    {"publicUrl", "http://127.0.0.1:1"},
                    {"apiKey", setup.api_key_prefix + std::to_string(i)}});
    if (setup.audio) apps.back()["permissions"] = {"MICROPHONE"};
  }
  return {{"server", {{"host", "127.0.0.1"}, {"port", 0}, {"threads", setup.threads},
                      {"drainTimeoutMs", 2000}}},
          {"auth", {{"jwtSecret", setup.jwt_secret}}},
          // The bench measures the host, not its abuse limits: (c) sends as fast as the host
          // goes, (d) opens every socket at once.
          {"limits", {{"newConnectionsPerSecond", 0}, {"messagesPerSecond", 0}}},
          {"storage", {{"sqlitePath", ":memory:"}}},
          {"logging", {{"level", "warn"}, {"format", "text"}}},
          {"apps", apps}};
}

// keepalive (and audio) from <build>/plugins, test_app_starter from <build>/test-plugins.
nlohmann::json default_manifest(const fs::path& binary, bool audio) {
  const fs::path build = fs::absolute(binary).parent_path().parent_path();
  std::vector<std::pair<std::string, fs::path>> libs = {
      {"keepalive", build / "plugins" / "libglasshub_keepalive.so"},
      {"test_app_starter", build / "test-plugins" / "libtest_app_starter.so"}};
  if (audio) libs.emplace_back("audio", build / "plugins" / "libglasshub_audio.so");
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& [name, lib] : libs) {
    if (!fs::exists(lib))
      throw std::runtime_error("no " + lib.string() + ": build it, or pass --manifest");
    plugins.push_back({{"name", name}, {"library", lib.string()}});
  }
  return {{"plugins", plugins}};
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

SpawnedHost::SpawnedHost(const SpawnSetup& setup) : keep_dir_(setup.keep_dir) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/glasshub-loadgen-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp(" + pattern + "): " + std::strerror(errno));
  dir_ = pattern;

  const fs::path config = dir_ / "config.json", out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
  std::vector<std::string> args;
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (!overrides_config(entry.substr(0, entry.find('='))) && !entry.starts_with("JWT_SECRET="))
      env.emplace_back(entry);
  }
  if (setup.command.empty()) {
    write_text(config, host_config(setup).dump(2));
    fs::path manifest = setup.manifest;
    if (manifest.empty()) {
      manifest = dir_ / "plugin-manifest.json";
      write_text(manifest, default_manifest(setup.binary, setup.audio).dump(2));
    }
    args = {setup.binary.string(), "--config", config.string(), "--manifest", manifest.string()};
  } else {
    args = {"/bin/sh", "-c", "exec " + setup.command};  // exec: the pid we measure is the server's
    env.emplace_back("PORT=0");
    env.emplace_back("JWT_SECRET=" + setup.jwt_secret);
  }

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> c_args, c_env;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  for (auto& e : env) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  const std::string out_path = out.string(), err_path = err.string();
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (setup.cpu) CPU_SET(*setup.cpu, &cpus);
  const bool pin = setup.cpu.has_value();
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the load generator
    if (::getppid() != parent) ::_exit(127);
    if (pin && ::sched_setaffinity(0, sizeof cpus, &cpus) != 0) ::_exit(125);
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(c_args[0], c_args.data(), c_env.data());
    static const char msg[] = "glasshub-loadgen: execve failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }

  // A first start under sanitizers or on a loaded machine can take seconds.
  static const std::regex listening(R"(listening on (\S+):(\d+))");
  const std::string who = setup.command.empty() ? "glasshub" : "the server";
  const auto deadline = Clock::now() + 20s;
  std::smatch m;
  while (true) {
    const std::string printed = read_text(out);
    if (std::regex_search(printed, m, listening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[2].str()));
      return;
    }
    if (auto st = poll()) {
      const std::string tail = output_tail();
      throw std::runtime_error(who + " exited with status " + std::to_string(*st) +
                               " before listening:\n" + tail);
    }
    if (Clock::now() >= deadline) {
      stop(1s);
      throw std::runtime_error(who + " did not print '... listening on H:P' within 20 s:\n" +
                               output_tail());
    }
    std::this_thread::sleep_for(5ms);
  }
}

SpawnedHost::~SpawnedHost() {
  stop(5s);
  if (keep_dir_) return;
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::optional<int> SpawnedHost::poll() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode_status(status);
  return status_;
}

int SpawnedHost::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (poll()) return *status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (!poll() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = decode_status(status);
  }
  return *status_;
}

std::string SpawnedHost::output_tail(std::size_t max_bytes) const {
  const std::string text = read_text(dir_ / "stdout.txt") + read_text(dir_ / "stderr.txt");
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

}  // namespace glasshub::loadgen
