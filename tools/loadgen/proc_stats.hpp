// What /proc says about a process: CPU time, resident memory, the owner of a listening port.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <optional>

namespace glasshub::loadgen {

// utime + stime of every thread of `pid` (/proc/<pid>/stat), in seconds.
std::optional<double> process_cpu_seconds(pid_t pid);
// Time on CPU summed over /proc/<pid>/task/*/schedstat, in seconds (nanosecond resolution, unlike
// the clock ticks of utime + stime; threads that already exited are missing).
std::optional<double> process_schedstat_seconds(pid_t pid);
// VmRSS of /proc/<pid>/status, in KiB.
std::optional<long> vm_rss_kib(pid_t pid);
// The process that holds a listening TCP socket on `port` (IPv4 or IPv6), via /proc/net/tcp*.
std::optional<pid_t> pid_listening_on(uint16_t port);

// CPU time of one thread (a clock from pthread_getcpuclockid), in seconds.
double thread_cpu_seconds(clockid_t clock);

}  // namespace glasshub::loadgen
