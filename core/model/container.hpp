// Containers: the one internal spec both create bodies (docker Config/HostConfig, podman SpecGenerator) map onto,
// and the state a container is in. Plain data: no JSON, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/ulimit.hpp"

namespace berth::core {

// A mount in the container: bind (source is a host path), tmpfs (no source) or volume (source is a volume name).
struct MountSpec {
  std::string type = "bind";  // "bind", "tmpfs", "volume"
  std::string source;
  std::string destination;
  bool read_only = false;
  std::string propagation;           // "", "private", "rprivate", "shared", "rshared", "slave", "rslave"
  std::vector<std::string> options;  // extra OCI options as given (tmpfs: "size=64m", "mode=1777", "noexec", ...)
  bool create_source = false;        // docker's HostConfig.Binds: a missing host directory is made at create
};

// One range of a user namespace mapping: container IDs [container_id, +size) are host IDs [host_id, +size).
struct IdMap {
  std::uint32_t container_id = 0;
  std::uint32_t host_id = 0;
  std::uint32_t size = 0;
};

struct DeviceSpec {
  std::string path_on_host;
  std::string path_in_container;
  std::string permissions = "rwm";
};

// 0 / empty means "not set".
struct Resources {
  std::int64_t memory = 0;              // bytes
  std::int64_t memory_reservation = 0;  // bytes
  std::int64_t memory_swap = 0;         // bytes, -1 unlimited
  std::int64_t nano_cpus = 0;           // docker's --cpus × 1e9: becomes CFS quota/period
  std::int64_t cpu_shares = 0;
  std::int64_t cpu_quota = 0;
  std::int64_t cpu_period = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::int64_t pids_limit = 0;  // -1 unlimited
  std::uint16_t blkio_weight = 0;
};

struct RestartPolicy {
  std::string name = "no";  // "no", "always", "on-failure", "unless-stopped"
  int max_retries = 0;      // on-failure only; 0 = unlimited
};

// "80/tcp" → bindings; kept for inspect and for the networks issue (no effect in private/none/host modes).
struct PortBinding {
  std::string host_ip;
  std::string host_port;
};

struct ContainerSpec {
  std::string name;      // "" → generated
  std::string image;     // the reference as the client gave it
  std::string image_id;  // resolved at create (hex), "" only for rootfs containers
  std::string rootfs;    // a host dir instead of an image (podman --rootfs); "" normally

  // Process. nullopt = not given: the image's value applies (docker's entrypoint/cmd rules).
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> command;
  std::vector<std::string> env;  // "K=V", merged over the image's Env
  std::string working_dir;       // "" → the image's, else "/"
  std::string user;              // "" → the image's; "name", "uid", "uid:gid", "name:group"
  std::vector<std::string> group_add;
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  // The TTY's size at creation (docker's HostConfig.ConsoleSize [height, width]); 0 → not given.
  unsigned console_height = 0;
  unsigned console_width = 0;
  std::string stop_signal;          // "" → the image's, else SIGTERM
  std::optional<int> stop_timeout;  // seconds; nullopt → 10
  std::string hostname;             // "" → first 12 hex of the ID
  std::string domainname;
  std::map<std::string, std::string> labels;       // merged over the image's labels
  std::map<std::string, std::string> annotations;  // OCI annotations

  // Filesystem.
  std::vector<MountSpec> mounts;
  bool read_only_rootfs = false;
  std::int64_t shm_size = 0;  // bytes; 0 → 64 MiB

  // Security.
  bool privileged = false;
  std::vector<std::string> cap_add;  // "NET_ADMIN" or "CAP_NET_ADMIN", "ALL"
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;  // "seccomp=unconfined", "seccomp=/path", "no-new-privileges", "label=..."
  bool no_new_privileges = false;
  std::vector<DeviceSpec> devices;
  std::map<std::string, std::string> sysctls;
  std::string userns;  // "" (host), "host", "private" (uid_map/gid_map given), "auto" (maps allocated at create)
  std::vector<IdMap> uid_map;  // non-empty iff the container has its own user namespace
  std::vector<IdMap> gid_map;
  std::uint32_t userns_auto_size = 0;  // --userns=auto:size=N; 0 → 65536
  std::optional<int> oom_score_adj;

  // Resources and limits.
  Resources resources;
  std::vector<Ulimit> ulimits;  // clamped to the daemon's hard limits when the spec is built

  // Network: "none", "host", "private" (a netns with loopback only until bridge networks exist). "" → default.
  std::string network_mode;
  std::vector<std::string> dns_servers;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  std::vector<std::string> extra_hosts;  // "host:ip"
  std::map<std::string, std::vector<PortBinding>> port_bindings;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  bool publish_all = false;

  // Lifecycle.
  bool init = false;  // catatonit as PID 1
  std::string init_path;
  RestartPolicy restart;
  bool auto_remove = false;                        // docker run --rm: removed when it exits
  std::string log_driver;                          // "" → "k8s-file"; "json-file" is an alias; "none"
  std::map<std::string, std::string> log_options;  // "max-size", "path", ...

  // What the docker CLI asked to attach at create (kept for inspect's Config).
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
};

// created: only in the store (podman's "configured"); initialized: runc created it under conmon, not started yet.
enum class ContainerStatus { configured, created, initialized, running, paused, stopped, exited, removing };

// The mutable half, rewritten on every transition.
struct ContainerState {
  ContainerStatus status = ContainerStatus::configured;
  int pid = 0;
  int conmon_pid = 0;
  std::optional<int> exit_code;  // nullopt until it has exited once
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
  bool oom_killed = false;
  int restart_count = 0;
  std::string error;             // the last start failure, shown in inspect's State.Error
  bool stopped_by_user = false;  // for unless-stopped and on-failure: a user stop is not a failure
};

// One container as the index holds it: the immutable spec and its current state.
struct Container {
  std::string id;    // 64 hex
  std::string name;  // without a leading "/"
  std::int64_t created_ns = 0;
  ContainerSpec spec;
  ContainerState state;
};

}  // namespace berth::core
