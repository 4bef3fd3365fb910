// read_host_stats: the per-call part of /info.
#include "core/system/host_stats.hpp"

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/system/proc_files.hpp"

namespace berth::core::system {
namespace {

double round2(double v) { return std::round(v * 100) / 100; }

int count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int count = 0;
  while (auto* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

// Field 20 of /proc/self/stat; the command name (field 2) may hold spaces, so count from its closing ')'.
int count_threads() {
  auto stat = read_small_file("/proc/self/stat", 1024);
  if (!stat) return 0;
  auto close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = stat->c_str() + close + 1;
  for (int field = 3; field < 20; ++field) {
    p = std::strchr(p + 1, ' ');
    if (!p) return 0;
  }
  return std::atoi(p + 1);
}

}  // namespace

CpuUsage parse_cpu_line(std::string_view stat) {
  // "cpu  user nice system idle iowait ..."; podman uses user, system and idle only.
  auto line = std::string(stat.substr(0, stat.find('\n')));
  unsigned long long user = 0, nice = 0, sys = 0, idle = 0;
  if (std::sscanf(line.c_str(), "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle) != 4) return {};
  double total = static_cast<double>(user + sys + idle);
  if (total <= 0) return {};
  return {round2(user / total * 100), round2(sys / total * 100), round2(idle / total * 100)};
}

HostStats read_host_stats() {
  HostStats s;
  s.now = std::chrono::system_clock::now();
  if (auto meminfo = read_small_file("/proc/meminfo")) {
    s.mem_free = std::max<std::int64_t>(0, meminfo_bytes(*meminfo, "MemFree"));
    s.swap_free = std::max<std::int64_t>(0, meminfo_bytes(*meminfo, "SwapFree"));
    s.swap_total = std::max<std::int64_t>(0, meminfo_bytes(*meminfo, "SwapTotal"));
  }
  if (auto uptime = read_small_file("/proc/uptime", 128)) s.uptime_seconds = std::strtod(uptime->c_str(), nullptr);
  if (auto load = read_small_file("/proc/loadavg", 128))
    std::sscanf(load->c_str(), "%lf %lf %lf", &s.load[0], &s.load[1], &s.load[2]);
  // Only the first line is needed, but /proc/stat is generated whole on the first read anyway.
  if (auto stat = read_small_file("/proc/stat", 512)) s.cpu = parse_cpu_line(*stat);
  s.open_fds = count_open_fds();
  s.threads = count_threads();
  // Sysctls that netavark or a module load may change at any time.
  s.ipv4_forwarding = read_flag_file("/proc/sys/net/ipv4/ip_forward");
  s.bridge_nf_iptables = read_flag_file("/proc/sys/net/bridge/bridge-nf-call-iptables");
  s.bridge_nf_ip6tables = read_flag_file("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
  return s;
}

}  // namespace berth::core::system
