// A glasshub we start ourselves (--spawn): config written to a temp folder, optionally pinned to
// one CPU, port read from its "glasshub listening on host:PORT" line, stopped with SIGTERM.
// Or any other server (--server-cmd, the anchors of bench/anchors): `/bin/sh -c "exec CMD"`
// with PORT=0 and JWT_SECRET in its environment, port read from its "... listening on H:P" line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace glasshub::loadgen {

struct SpawnSetup {
  std::filesystem::path binary;
  std::string command;  // non-empty: run this instead of `binary` (no config, no manifest)
  bool audio = false;   // glasshub: load the audio plugin, give the apps MICROPHONE
  std::filesystem::path manifest;  // empty: keepalive + test_app_starter of the binary's build
  std::string jwt_secret;
  int apps = 1;
  std::string app_prefix;      // apps are <app_prefix>1..N
  std::string api_key_prefix;  // with API keys <api_key_prefix>1..N
  int threads = 1;
  std::optional<int> cpu;  // sched_setaffinity of the child, as `taskset -c <cpu>` would
  bool keep_dir = false;
};

class SpawnedHost {
 public:
  // Returns once the host listens; throws std::runtime_error with its output otherwise.
  explicit SpawnedHost(const SpawnSetup& setup);
  ~SpawnedHost();
  SpawnedHost(const SpawnedHost&) = delete;
  SpawnedHost& operator=(const SpawnedHost&) = delete;

  pid_t pid() const noexcept { return pid_; }
  uint16_t port() const noexcept { return port_; }
  // SIGTERM, wait up to `grace`, then SIGKILL. The exit status (128 + signal when killed).
  int stop(std::chrono::milliseconds grace);
  // The end of what the host printed (stdout, then stderr).
  std::string output_tail(std::size_t max_bytes = 4000) const;

 private:
  std::optional<int> poll();

  std::filesystem::path dir_;
  bool keep_dir_ = false;
  pid_t pid_ = -1;
  std::optional<int> status_;
  uint16_t port_ = 0;
};

}  // namespace glasshub::loadgen
