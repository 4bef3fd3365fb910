// The OCI runtime config (config.json) of a container: its ContainerSpec merged with its image's config and the
// daemon's defaults, as podman 4.3.1 builds it (capabilities, devices, masked paths, seccomp, mounts, rlimits).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/model/container.hpp"
#include "core/model/image.hpp"

namespace berth::core::containers {

// What the process of a container runs, after docker's entrypoint/cmd rules: a given entrypoint drops the
// image's cmd unless a command is given too; an empty given entrypoint ([""]) clears the image's.
struct ProcessCommand {
  std::string path;               // args[0] ("" when there is nothing to run → create fails)
  std::vector<std::string> args;  // the rest
};
ProcessCommand resolve_command(const ContainerSpec& spec, const ImageRunConfig* image);

// Env: the daemon's default PATH, then the image's, then the spec's (later keys win, order of first appearance
// kept), plus HOSTNAME and container=podman as podman adds them; TERM=xterm with a tty.
std::vector<std::string> merge_env(const ContainerSpec& spec, const ImageRunConfig* image, const Config& config,
                                   const std::string& hostname);

struct ProcessUser {
  unsigned uid = 0;
  unsigned gid = 0;
  std::vector<unsigned> additional_gids;
  std::string home = "/";  // from /etc/passwd when the user is found there, for HOME
};
// "name", "uid", "uid:gid", "name:group", "" (root) looked up in the rootfs's /etc/passwd and /etc/group, read
// confined to the rootfs (a symlinked /etc/passwd cannot reach the host's). An unknown name → invalid_argument
// ("unable to find user x: no matching entries in passwd file"); numeric IDs need no entry. group_add entries
// are names or numbers.
ProcessUser resolve_user(const std::string& rootfs, const std::string& user, const std::vector<std::string>& group_add);

// Everything the generator needs besides the spec; paths are absolute host paths.
struct OciInputs {
  std::string id;                         // 64 hex
  std::string rootfs;                     // the mounted overlay (or the spec's rootfs dir)
  const ImageRunConfig* image = nullptr;  // null for a rootfs container
  std::string hosts_file;                 // bind-mounted at /etc/hosts ("" → none)
  std::string hostname_file;              // at /etc/hostname
  std::string resolv_file;                // at /etc/resolv.conf
  std::string netns_path;  // network namespace to join; "" with mode host → none (host's); "" otherwise → new
  std::string cgroup_parent = "/berth";  // cgroupsPath = cgroup_parent + "/" + id
  std::string seccomp_json;              // containers-common's seccomp.json text ("" → no seccomp filter)
  std::optional<ProcessUser> user;       // resolved beforehand (resolve_user); nullopt → root
};

// The config.json text. Ulimits (the spec's over containers.conf default_ulimits over nofile/nproc defaults) are
// clamped to the daemon's own hard limits (no CAP_SYS_RESOURCE here). Bad values in the spec (unknown capability,
// unknown ulimit name, a relative mount destination, an unknown signal) → Errc::invalid_argument naming them.
std::string oci_config_json(const ContainerSpec& spec, const OciInputs& in, const Config& config);

// "SIGTERM", "TERM", "15", "sigkill" → the number; unknown → invalid_argument "invalid signal: x".
int parse_signal(const std::string& text);

}  // namespace berth::core::containers
