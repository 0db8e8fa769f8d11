// Everything one load-generator run is told on its command line (main.cpp documents each flag).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace glasshub::loadgen {

struct Options {
  // The host: an already running one (port + secret) or one we start (--spawn).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string jwt_secret = "glasshub-bench-secret";
  pid_t server_pid = 0;  // 0: found by the listening port
  bool spawn = false;
  std::string glasshub_bin;
  // --spawn --server-cmd: any other server (the anchors of bench/anchors), run as
  // `/bin/sh -c "exec CMD"` with PORT=0 and JWT_SECRET set; it prints "... listening on H:P".
  std::string server_cmd;
  std::string manifest;  // empty with --spawn: keepalive + test_app_starter next to the binary
  int server_threads = 1;
  bool pin = false;  // --spawn: host on server_cpu, ourselves on loadgen_cpu
  int server_cpu = 0;
  int loadgen_cpu = 1;
  bool keep_temp = false;

  // The population: users x apps, every app subscribed to `stream`.
  int users = 10;
  int apps = 2;
  std::string app_prefix = "com.bench.app";  // + 1..apps
  std::string api_key_prefix = "k";          // + 1..apps
  std::string stream = "bench_event";

  // The load: a fixed total rate, or (rate 0) as fast as `window` in-flight events per user allow.
  double rate = 1000;
  int window = 8;
  int payload_bytes = 0;  // padding added to every event
  // Scenario (b): phones send binary frames of this many bytes (audio) instead of JSON events,
  // and apps subscribe to audio_chunk; the first 17 bytes carry t, user, seq and m.
  int audio_bytes = 0;
  // Scenario (d): connect and set up every user, then send nothing for --duration; what counts
  // is the host's RSS per connection.
  bool idle = false;
  double warmup_s = 1;
  double duration_s = 5;
  double drain_s = 3;  // after the window: time for the last deliveries to arrive
  double setup_timeout_s = 30;
  int connect_concurrency = 32;  // users being set up at once
  int threads = 1;               // our io_context threads

  bool json = false;
  std::string label;
};

}  // namespace glasshub::loadgen
