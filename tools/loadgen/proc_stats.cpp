#include "proc_stats.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace glasshub::loadgen {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_all(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string proc_dir(pid_t pid) { return "/proc/" + std::to_string(pid); }

// Inodes of the TCP sockets listening on `port` in one /proc/net/tcp* table.
void listening_inodes(const char* table, uint16_t port, std::vector<std::string>& out) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
        inode;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || state != "0A") continue;  // 0A: LISTEN
    if (std::strtoul(local.c_str() + colon + 1, nullptr, 16) == port) out.push_back(inode);
  }
}

}  // namespace

std::optional<double> process_cpu_seconds(pid_t pid) {
  const auto stat = read_all(proc_dir(pid) + "/stat");
  if (!stat) return std::nullopt;
  const auto paren = stat->rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields are numbered from 1 in proc(5)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<SchedStat> process_schedstat(pid_t pid) {
  std::error_code ec;
  fs::directory_iterator tasks(proc_dir(pid) + "/task", ec);
  if (ec) return std::nullopt;
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  for (const auto& task : tasks) {
    std::ifstream in(task.path() / "schedstat");
    unsigned long long on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) {
      on_cpu_ns += on_cpu;
      waiting_ns += waiting;
    }
  }
  return SchedStat{static_cast<double>(on_cpu_ns) / 1e9, static_cast<double>(waiting_ns) / 1e9};
}

std::optional<long> vm_rss_kib(pid_t pid) {
  std::ifstream in(proc_dir(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return std::nullopt;
}

std::optional<pid_t> pid_listening_on(uint16_t port) {
  std::vector<std::string> inodes;
  listening_inodes("/proc/net/tcp", port, inodes);
  listening_inodes("/proc/net/tcp6", port, inodes);
  if (inodes.empty()) return std::nullopt;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(fd.path(), link_ec).string();
      if (link_ec) continue;
      for (const auto& inode : inodes) {
        if (target == "socket:[" + inode + "]") return static_cast<pid_t>(std::stol(name));
      }
    }
  }
  return std::nullopt;
}

std::optional<double> machine_steal_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu")
    return std::nullopt;
  return static_cast<double>(steal) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<double> load_average_1m() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  if (!(in >> load)) return std::nullopt;
  return load;
}

double thread_cpu_seconds(clockid_t clock) {
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace glasshub::loadgen
