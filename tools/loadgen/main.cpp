// glasshub-loadgen: plays N users (a phone each) x K apps against a glasshub over real
// WebSockets, sends phone events at a fixed rate or as fast as a window allows, and measures
// deliveries, loss, latency, and the host's CPU and memory (docs/benchmarks.md).
#include "options.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "spawned_host.hpp"
#include "worker.hpp"

#include <glasshub/core/auth.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <thread>

namespace gl = glasshub::loadgen;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Every wait of the run polls at this pace and ends at its deadline.
constexpr auto kPoll = 10ms;

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

gl::Sample sample(pid_t server, const std::vector<std::unique_ptr<gl::Worker>>& workers) {
  gl::Sample s;
  s.at = Clock::now();
  if (server > 0) {
    s.server_cpu_s = gl::process_cpu_seconds(server);
    s.server_sched = gl::process_schedstat(server);
  }
  s.self_sched = gl::process_schedstat(::getpid());
  for (const auto& w : workers)
    s.thread_cpu_s.push_back(w->cpu_clock() ? gl::thread_cpu_seconds(*w->cpu_clock()) : 0.0);
  s.self_cpu_s = self_cpu_seconds();
  s.steal_s = gl::machine_steal_seconds();
  s.load_1m = gl::load_average_1m();
  return s;
}

template <class Pred>
bool wait_until(Pred done, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

void pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw std::runtime_error("cannot pin the load generator to CPU " + std::to_string(cpu));
}

// One socket per connection: take the whole hard limit of open files.
void raise_file_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i) out += ' ';
    out += argv[i];
  }
  return out;
}

int run(const gl::Options& o, const std::string& command) {
  raise_file_limit();
  std::unique_ptr<gl::SpawnedHost> host;
  uint16_t port = o.port;
  pid_t server_pid = o.server_pid;
  std::string secret = o.jwt_secret;
  if (o.spawn) {
    gl::SpawnSetup setup;
    setup.binary = o.glasshub_bin;
    setup.command = o.server_cmd;
    setup.audio = o.audio_bytes > 0;
    setup.manifest = o.manifest;
    setup.jwt_secret = secret;
    setup.apps = o.apps;
    setup.app_prefix = o.app_prefix;
    setup.api_key_prefix = o.api_key_prefix;
    setup.threads = o.server_threads;
    if (o.pin) setup.cpu = o.server_cpu;
    setup.keep_dir = o.keep_temp;
    host = std::make_unique<gl::SpawnedHost>(setup);  // before any thread of ours: fork is safe
    port = host->port();
    server_pid = host->pid();
  }
  if (o.pin) pin_self(o.loadgen_cpu);  // the worker threads inherit it
  if (server_pid <= 0) server_pid = gl::pid_listening_on(port).value_or(0);

  gl::RunFacts facts;
  facts.command = command;
  facts.server_pid = server_pid;
  facts.server_threads = o.spawn ? o.server_threads : 0;
  facts.connections_attempted = o.users * (1 + o.apps);
  if (server_pid > 0) facts.rss_before_kib = gl::vm_rss_kib(server_pid);

  std::atomic<int> phase{static_cast<int>(gl::Phase::setup)};
  const auto set_phase = [&](gl::Phase p) { phase.store(static_cast<int>(p)); };
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(o.host), port);
  std::vector<std::unique_ptr<gl::Worker>> workers;
  for (int i = 0; i < o.threads; ++i)
    workers.push_back(std::make_unique<gl::Worker>(o, endpoint, phase));
  for (int u = 0; u < o.users; ++u) {
    const std::string email = "bench-user-" + std::to_string(u) + "@loadgen.glasshub";
    workers[static_cast<std::size_t>(u % o.threads)]->add_user(
        u, glasshub::core::mint_core_token(email, secret, 24 * 3600));
  }
  for (auto& w : workers) w->start();
  const auto sum = [&](auto member) {
    long total = 0;
    for (const auto& w : workers) total += static_cast<long>(((*w).*member)());
    return total;
  };

  // Set-up: every user's phone, its allows, its apps' init and subscription.
  for (auto& w : workers) w->begin_setup();
  const auto setup_time = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.setup_timeout_s));
  wait_until([&] { return sum(&gl::Worker::users_ready) + sum(&gl::Worker::users_failed) == o.users; },
             setup_time);
  if (server_pid > 0) facts.rss_connected_kib = gl::vm_rss_kib(server_pid);
  facts.connections_established = static_cast<int>(sum(&gl::Worker::connections_open));

  // Probe until every subscription is seen to be in force, so no event is lost to set-up.
  set_phase(gl::Phase::probe);
  if (!o.idle)
    for (auto& w : workers) w->begin_probe();
  if (!o.idle)
    wait_until([&] { return sum(&gl::Worker::users_probed) >= sum(&gl::Worker::users_ready); }, 10s);
  const long probed = sum(&gl::Worker::users_probed);

  if (o.idle) {
    // Scenario (d): nothing is sent; the window measures what idle connections cost.
    facts.users_probed = static_cast<int>(sum(&gl::Worker::users_ready));
    facts.start = sample(server_pid, workers);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration_s));
    facts.end = sample(server_pid, workers);
    facts.drained = true;
  } else if (probed > 0) {
    set_phase(gl::Phase::warmup);
    for (auto& w : workers) {
      const double share = o.rate > 0 ? o.rate * static_cast<double>(w->users_probed()) /
                                            static_cast<double>(probed)
                                      : 0.0;
      w->begin_load(share);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));
    facts.start = sample(server_pid, workers);
    set_phase(gl::Phase::measure);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration_s));
    facts.end = sample(server_pid, workers);
    set_phase(gl::Phase::drain);
    for (auto& w : workers) w->end_load();
    std::this_thread::sleep_for(50ms);  // let end_load reach every worker before counting
    const auto drain_time = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(o.drain_s));
    facts.drained = wait_until([&] { return sum(&gl::Worker::outstanding) == 0; }, drain_time);
  } else {
    facts.start = facts.end = sample(server_pid, workers);
  }
  if (server_pid > 0) facts.rss_end_kib = gl::vm_rss_kib(server_pid);

  facts.users_ready = static_cast<int>(sum(&gl::Worker::users_ready));
  facts.users_failed = static_cast<int>(o.users - facts.users_ready);
  if (!o.idle) facts.users_probed = static_cast<int>(probed);
  for (auto& w : workers) w->shutdown();
  for (auto& w : workers) w->join();
  for (const auto& w : workers) facts.totals.merge(w->stats());
  workers.clear();
  if (host) facts.server_exit_status = host->stop(10s);

  const auto result = gl::make_result(o, facts);
  if (o.json) {
    gl::print_table(std::cerr, result);
    std::cout << result.dump() << std::endl;
  } else {
    gl::print_table(std::cout, result);
  }
  if (host && facts.server_exit_status != 0)
    std::cerr << "glasshub-loadgen: the host exited with status " << *facts.server_exit_status
              << "; its output:\n" << host->output_tail() << "\n";
  if (o.idle ? facts.users_ready == 0 : probed == 0) {
    std::cerr << "glasshub-loadgen: no user could be set up";
    if (host) std::cerr << "; host output:\n" << host->output_tail();
    std::cerr << "\n";
    return 2;
  }
  return result["ok"].get<bool>() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  gl::Options o;
  CLI::App app{"glasshub-loadgen: users x apps over real WebSockets; deliveries, loss, latency, "
               "host CPU and RSS (docs/benchmarks.md)"};
  app.add_option("--host", o.host, "Host address (loopback only)")->capture_default_str();
  app.add_option("--port", o.port, "Port of a running glasshub (not with --spawn)");
  app.add_option("--jwt-secret", o.jwt_secret, "The host's auth.jwtSecret")->capture_default_str();
  app.add_option("--server-pid", o.server_pid, "The host's pid (default: found by its port)");
  app.add_flag("--spawn", o.spawn, "Start the host ourselves (needs --glasshub or --server-cmd)");
  app.add_option("--glasshub", o.glasshub_bin, "glasshub binary for --spawn")->check(CLI::ExistingFile);
  app.add_option("--manifest", o.manifest,
                 "Plugin manifest for --spawn (default: keepalive and test_app_starter of the "
                 "binary's build tree)")
      ->check(CLI::ExistingFile);
  app.add_option("--server-cmd", o.server_cmd,
                 "--spawn another server (bench/anchors): run as /bin/sh -c 'exec CMD' with PORT=0 "
                 "and JWT_SECRET; it must print '... listening on HOST:PORT'");
  app.add_option("--server-threads", o.server_threads, "server.threads of the spawned host")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_flag("--pin", o.pin, "--spawn: pin the host to --server-cpu and ourselves to --loadgen-cpu");
  app.add_option("--server-cpu", o.server_cpu, "CPU of the host with --pin")->capture_default_str();
  app.add_option("--loadgen-cpu", o.loadgen_cpu, "Our CPU with --pin")->capture_default_str();
  app.add_flag("--keep-temp", o.keep_temp, "Keep the spawned host's temp folder");
  app.add_option("--users", o.users, "Users (one phone each)")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--apps", o.apps, "Apps per user")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--app-prefix", o.app_prefix, "Apps are <prefix>1..N")->capture_default_str();
  app.add_option("--api-key-prefix", o.api_key_prefix, "API keys are <prefix>1..N")->capture_default_str();
  app.add_option("--stream", o.stream, "Event type (one no plugin handles: relayed as data_stream)")
      ->capture_default_str();
  app.add_option("--rate", o.rate, "Total events/s over all users; 0: saturation with --window")
      ->capture_default_str()->check(CLI::Range(0.0, 10'000'000.0));
  app.add_option("--window", o.window, "Saturation: events in flight per user")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--payload-bytes", o.payload_bytes, "Padding added to each event")
      ->capture_default_str()->check(CLI::Range(0, 1 << 20));
  app.add_option("--audio-bytes", o.audio_bytes,
                 "Send binary audio frames of this size instead of JSON events; apps subscribe "
                 "to audio_chunk (scenario b)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 20));
  app.add_flag("--idle", o.idle,
               "Set every user up, then send nothing for --duration: RSS per idle connection "
               "(scenario d)");
  app.add_option("--warmup", o.warmup_s, "Seconds of load before measuring")
      ->capture_default_str()->check(CLI::Range(0.0, 600.0));
  app.add_option("--duration", o.duration_s, "Seconds measured")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  app.add_option("--drain", o.drain_s, "Seconds to wait for the last deliveries")
      ->capture_default_str()->check(CLI::Range(0.0, 600.0));
  app.add_option("--setup-timeout", o.setup_timeout_s, "Seconds for every user to be set up")
      ->capture_default_str()->check(CLI::Range(1.0, 3600.0));
  app.add_option("--connect-concurrency", o.connect_concurrency, "Users set up at once")
      ->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--threads", o.threads, "Load generator I/O threads")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_flag("--json", o.json, "Print the result as one JSON line on stdout (table on stderr)");
  app.add_option("--label", o.label, "A name for this run, copied into the result");
  CLI11_PARSE(app, argc, argv);

  if (o.spawn != (o.glasshub_bin.empty() != o.server_cmd.empty())) {
    std::cerr << "glasshub-loadgen: --spawn goes with one of --glasshub or --server-cmd\n";
    return 2;
  }
  if (!o.spawn && o.port == 0) {
    std::cerr << "glasshub-loadgen: give --port of a running glasshub, or --spawn --glasshub BIN\n";
    return 2;
  }
  if (o.users < o.threads) o.threads = o.users;
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (o.pin && (o.server_cpu >= cpus || o.loadgen_cpu >= cpus || o.server_cpu < 0 || o.loadgen_cpu < 0)) {
    std::cerr << "glasshub-loadgen: --pin needs CPUs " << o.server_cpu << " and " << o.loadgen_cpu
              << "; this machine has " << cpus << "\n";
    return 2;
  }
  try {
    return run(o, command_line(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "glasshub-loadgen: " << e.what() << "\n";
    return 2;
  }
}
