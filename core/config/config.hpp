// The daemon's immutable configuration: built-in defaults < containers.conf files < --config < flags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/ulimit.hpp"

namespace berth::core {

struct RegistryMirror {
  std::string location;
  bool insecure = false;
  std::string pull_from_mirror = "all";  // "all", "digest-only" or "tag-only": which references it serves
};

// One [[registry]] table of registries.conf v2 (v1 tables are converted into these).
struct Registry {
  std::string prefix;  // defaults to location
  std::string location;
  bool insecure = false;
  bool blocked = false;
  std::vector<RegistryMirror> mirrors;
  bool mirror_by_digest_only = false;  // mirrors serve only references by digest (overrides pull-from-mirror)
};

struct RegistriesConfig {
  std::vector<std::string> unqualified_search;  // unqualified-search-registries
  std::vector<Registry> registries;
  std::string short_name_mode;                 // "" (unset: c/image uses permissive), "enforcing", "permissive",
                                               // "disabled"
  std::map<std::string, std::string> aliases;  // [aliases]
  std::vector<std::string> files;              // files read, in order
};

// storage.conf is only reported (our store is not c/storage's).
struct StorageConfig {
  std::string driver = "overlay";
  std::string graphroot;
  std::string runroot;
  std::string file;  // the file read, or "" when none
};

// Paths of the tools the engine drives; containers.conf [engine] keys override them.
struct ToolPaths {
  std::string runc = "/usr/sbin/runc";
  std::string conmon = "/usr/bin/conmon";
  std::string netavark = "/usr/lib/podman/netavark";
  std::string aardvark_dns = "/usr/lib/podman/aardvark-dns";
  std::string catatonit = "/usr/bin/catatonit";
};

// The containers.conf keys podman users rely on, as containers.conf(5) names them.
struct ContainersDefaults {
  std::vector<Ulimit> default_ulimits;  // [containers] default_ulimits = ["nofile=1024:1024"]
  std::int64_t log_size_max = -1;       // [containers] log_size_max
  std::string log_driver = "k8s-file";  // [containers] log_driver
  std::int64_t pids_limit = 2048;       // [containers] pids_limit
  std::string shm_size = "65536k";      // [containers] shm_size
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<std::string> default_capabilities;  // [containers] default_capabilities
  std::vector<std::string> dns_servers;           // [containers] dns_servers
  std::vector<std::string> dns_searches;          // [containers] dns_searches
  std::string detach_keys = "ctrl-p,ctrl-q";      // [engine] detach_keys
  std::string tz;                                 // [containers] tz
  bool no_hosts = false;                          // [containers] no_hosts
  bool init = false;                              // [containers] init
  std::string cgroup_manager = "cgroupfs";        // [engine] cgroup_manager (only cgroupfs works here)
  std::string events_logger = "file";             // [engine] events_logger
  std::string network_backend = "netavark";       // [network] network_backend
  std::string default_network = "berth";          // [network] default_network
  std::string default_subnet = "10.66.0.0/16";    // [network] default_subnet (not podman's 10.88/16)
  bool compat_api_enforce_docker_hub = true;      // [engine] compat_api_enforce_docker_hub
};

struct Config {
  std::string root = "/var/lib/berth";
  std::string runroot = "/run/berth";
  std::vector<std::string> service_uris;  // where berthd listens (from flags), reported by /info
  ToolPaths tools;
  ContainersDefaults containers;
  RegistriesConfig registries;
  StorageConfig storage;
  std::vector<std::string> containers_conf_files;  // containers.conf files read, in order
  // --userns=auto takes its ranges from the "containers" entries here (tests point them at temp files).
  std::string subuid_file = "/etc/subuid";
  std::string subgid_file = "/etc/subgid";
};

// Where the loader looks; tests point these at temp files. Empty fields fall back to the documented locations
// and environment variables (CONTAINERS_CONF, CONTAINERS_CONF_OVERRIDE, CONTAINERS_REGISTRIES_CONF or the legacy
// REGISTRIES_CONFIG_PATH, CONTAINERS_STORAGE_CONF).
struct ConfigSources {
  // Default: /usr/share/containers/containers.conf, /etc/containers/containers.conf,
  // /etc/containers/containers.conf.d/*.conf. A directory listed here stands for its *.conf files, sorted.
  std::vector<std::string> containers_conf;
  std::string registries_conf;  // default: /etc/containers/registries.conf (+ registries.conf.d/*.conf)
  // Drop-in dir, default /etc/containers/registries.conf.d; as in c/image it applies whichever main file was chosen.
  std::string registries_conf_d;
  std::string storage_conf;     // default: /etc/containers/storage.conf, else /usr/share/containers/storage.conf
  std::string extra_config;     // --config FILE: read last, on top of every containers.conf
  bool use_environment = true;  // read the CONTAINERS_* variables
};

// Reads every source in order; a malformed file fails with Errc::invalid_argument naming the file and line, a value
// of the wrong type names the file and the key. Explicit ConfigSources fields win over the environment variables;
// CONTAINERS_CONF_OVERRIDE is read after the containers.conf list but before --config.
Config load_config(const ConfigSources& sources = {});

}  // namespace berth::core
