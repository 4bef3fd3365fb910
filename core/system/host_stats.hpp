// Host values that change while the daemon runs (free memory, uptime, load), read cheaply on every /info.
#pragma once

#include <string_view>

#include "core/model/system.hpp"

namespace berth::core::system {

// Reads /proc/meminfo, /proc/uptime, /proc/loadavg, the first line of /proc/stat and the daemon's own fd and thread
// counts: a handful of small reads, tens of microseconds.
HostStats read_host_stats();

// User/system/idle shares of the "cpu" line of /proc/stat, since boot, rounded to 2 decimals (podman's figures).
CpuUsage parse_cpu_line(std::string_view stat);

}  // namespace berth::core::system
