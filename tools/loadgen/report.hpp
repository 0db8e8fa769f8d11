// The outcome of one run: computed once from the workers' counters and the /proc samples, then
// printed as a table for people and as one JSON line for scripts (--json).
#pragma once

#include "options.hpp"
#include "proc_stats.hpp"
#include "worker.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace glasshub::loadgen {

// /proc and clock readings at one instant.
struct Sample {
  std::chrono::steady_clock::time_point at;
  std::optional<double> server_cpu_s;        // utime + stime
  std::optional<SchedStat> server_sched;     // time on CPU (ns resolution) and waiting for one
  std::optional<SchedStat> self_sched;
  std::vector<double> thread_cpu_s;          // each worker thread
  double self_cpu_s = 0;                     // this whole process
  std::optional<double> steal_s;             // the machine's, all CPUs
  std::optional<double> load_1m;
};

struct RunFacts {
  std::string command;
  pid_t server_pid = 0;
  int server_threads = 0;  // 0: unknown (a host we did not start)
  int connections_attempted = 0;
  int connections_established = 0;
  int users_ready = 0;
  int users_failed = 0;
  int users_probed = 0;
  Sample start, end;  // the measured window
  std::optional<long> rss_before_kib, rss_connected_kib, rss_end_kib;
  std::optional<int> server_exit_status;
  bool drained = false;  // every expected delivery arrived before the drain deadline
  WorkerStats totals;
};

// The JSON result (the one line of --json); its "ok" is false on any loss, duplicate, or
// connection that failed to open or dropped.
nlohmann::ordered_json make_result(const Options& options, const RunFacts& facts);
void print_table(std::ostream& out, const nlohmann::ordered_json& result);

}  // namespace glasshub::loadgen
