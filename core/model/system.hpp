// Plain host, store and version facts that the system endpoints (/info, /version) report.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"

namespace berth::core {

// A helper program the engine drives, as `podman info` describes it.
struct ToolInfo {
  std::string path;                 // as configured
  std::string package = "Unknown";  // "runc_1.1.5+ds1-1+deb12u1_amd64" (dpkg), podman's "Unknown" otherwise
  std::string version;              // its `--version` output, trimmed; "" when it could not run
};

// /etc/os-release, the keys podman reads.
struct Distribution {
  std::string id = "unknown";       // ID ("debian")
  std::string version = "unknown";  // VERSION_ID ("12")
  std::string codename;             // VERSION_CODENAME ("bookworm")
  std::string variant;              // VARIANT_ID
};

// What the kernel lets containers use or limit: docker's sysinfo booleans.
struct KernelFeatures {
  bool memory_limit = false;
  bool swap_limit = false;
  bool cpu_cfs_period = false;
  bool cpu_cfs_quota = false;
  bool cpu_shares = false;
  bool cpu_realtime_period = false;
  bool cpu_realtime_runtime = false;
  bool cpuset = false;
  bool pids_limit = false;
  bool oom_kill_disable = false;
  bool seccomp = false;
  bool apparmor = false;
  bool selinux = false;
};

// Facts that do not change while the daemon runs; gathered once, in the background, at start.
struct HostFacts {
  std::string engine_id;  // stable per machine and root, UUID-formatted (docker's ID)
  std::string os = "linux";
  std::string arch;    // Go's names, as clients expect: "amd64", "arm64", ...
  std::string kernel;  // uname release
  std::string hostname;
  Distribution distribution;
  int cpus = 0;                // usable CPUs (affinity mask), like nproc
  std::int64_t mem_total = 0;  // bytes
  int cgroup_version = 1;      // 2 only when /sys/fs/cgroup is cgroup2 itself; hybrid counts as 1, as in podman
  std::vector<std::string> cgroup_controllers;
  KernelFeatures features;
  std::string seccomp_profile_path;  // "" when there is none
  bool rootless = false;
  std::string runtime_name;  // "runc"
  ToolInfo runtime;
  ToolInfo conmon;
  ToolInfo netavark;
  ToolInfo aardvark_dns;
  ToolInfo catatonit;
  std::string compiler;  // what built berthd ("gcc 12.2.0")
};

struct CpuUsage {
  double user_percent = 0;
  double system_percent = 0;
  double idle_percent = 0;
};

// Values read from /proc on every call (cheap: a few small reads).
struct HostStats {
  std::int64_t mem_free = 0;
  std::int64_t swap_free = 0;
  std::int64_t swap_total = 0;
  double uptime_seconds = 0;
  double load[3] = {0, 0, 0};
  CpuUsage cpu;                  // since boot, as podman computes it
  int open_fds = -1;             // of the daemon
  int threads = 0;               // of the daemon (docker reports goroutines here)
  bool ipv4_forwarding = false;  // these three are sysctls netavark or a module load may flip at any time
  bool bridge_nf_iptables = false;
  bool bridge_nf_ip6tables = false;
  std::chrono::system_clock::time_point now;
};

// How many objects the engine holds. Zero until the container, image and volume services exist; they fill it
// through SystemService::set_counts_provider.
struct ObjectCounts {
  int containers = 0;
  int running = 0;
  int paused = 0;
  int stopped = 0;
  int images = 0;
  int volumes = 0;
};

// The store as /info describes it: our own store under --root, plus the storage.conf that was read.
struct StoreReport {
  std::string config_file;
  std::string driver = "overlay";
  std::string graph_root;
  std::string run_root;
  std::string volume_path;
  std::string image_copy_tmp_dir;
  std::uint64_t graph_root_allocated = 0;  // bytes of the filesystem holding graph_root
  std::uint64_t graph_root_used = 0;
  std::vector<std::pair<std::string, std::string>> status;  // "Backing Filesystem" -> "extfs", ...
};

struct RemoteSocket {
  std::string path;  // "unix:///run/berth/berth.sock", as configured
  bool exists = false;
};

struct PluginNames {
  std::vector<std::string> volume;
  std::vector<std::string> network;
  std::vector<std::string> log;
};

// What GET /version reports of the engine itself; API numbers are the HTTP layer's and are added by the shapes.
struct VersionInfo {
  std::string berth_version;  // BERTH_VERSION
  std::string git_commit;     // "" (not recorded at build time)
  std::int64_t built = 0;     // build time in unix seconds; 0 when not recorded (reproducible builds)
  std::string compiler;
  std::string os;
  std::string arch;
  std::string kernel;
  Distribution distribution;
  std::string runtime_name;
  ToolInfo runtime;
  ToolInfo conmon;
};

// Everything GET /info and /libpod/info report.
struct HostInfo {
  std::shared_ptr<const HostFacts> facts;
  VersionInfo version;
  HostStats stats;
  ObjectCounts counts;
  StoreReport store;
  std::shared_ptr<const RegistriesConfig> registries;  // shared: the aliases alone can be hundreds of entries
  std::optional<RemoteSocket> remote_socket;
  PluginNames plugins;
  std::map<std::string, std::string> runtimes;  // name -> path
  std::string default_runtime;
  std::string cgroup_manager;
  std::string log_driver;
  std::string event_logger;
  std::string network_backend;
  std::vector<std::string> default_capabilities;  // "CAP_CHOWN", sorted
  std::map<std::string, std::string> proxy;       // "http_proxy", "https_proxy", "no_proxy" -> value, if set
};

}  // namespace berth::core
