// What /proc says about a process: CPU time, resident memory, the owner of a listening port.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <optional>

namespace glasshub::loadgen {

// utime + stime of every thread of `pid` (/proc/<pid>/stat), in seconds.
std::optional<double> process_cpu_seconds(pid_t pid);
// /proc/<pid>/task/*/schedstat summed over the threads, in seconds: time on a CPU (nanosecond
// resolution, unlike the clock ticks of utime + stime) and time runnable but waiting for one (a
// loaded machine). Threads that already exited are missing.
struct SchedStat {
  double on_cpu_s = 0;
  double waiting_s = 0;
};
std::optional<SchedStat> process_schedstat(pid_t pid);
// VmRSS of /proc/<pid>/status, in KiB.
std::optional<long> vm_rss_kib(pid_t pid);
// The process that holds a listening TCP socket on `port` (IPv4 or IPv6), via /proc/net/tcp*.
std::optional<pid_t> pid_listening_on(uint16_t port);

// Time the hypervisor ran something else while this machine's CPUs wanted to run (steal, summed
// over the CPUs of /proc/stat), in seconds.
std::optional<double> machine_steal_seconds();
// The 1-minute load average (/proc/loadavg).
std::optional<double> load_average_1m();

// CPU time of one thread (a clock from pthread_getcpuclockid), in seconds.
double thread_cpu_seconds(clockid_t clock);

}  // namespace glasshub::loadgen
