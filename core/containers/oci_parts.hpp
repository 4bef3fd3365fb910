// The pieces oci_config_json assembles, one file each: mounts, cgroup resources and devices, rlimits.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/config/config.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/model/container.hpp"

namespace berth::core::containers {

// Where the init binary (catatonit) is bound in a container run with --init, as podman binds it.
constexpr const char* kInitPath = "/run/podman-init";

// The "mounts" array: runc's/podman's defaults (/proc, /dev, /dev/pts, /dev/mqueue, /sys, /sys/fs/cgroup,
// /dev/shm), the /etc files of in, the init binary, then the spec's mounts (a spec mount at a default's
// destination takes its place). Bad spec mounts → invalid_argument in docker's words.
nlohmann::json oci_mounts(const ContainerSpec& spec, const OciInputs& in, const Config& config);

// linux.resources (including the device cgroup allow list) and linux.devices.
struct OciResources {
  nlohmann::json resources = nlohmann::json::object();
  nlohmann::json devices = nlohmann::json::array();
};
OciResources oci_resources(const ContainerSpec& spec, const Config& config);

// process.rlimits: spec ulimits over containers.conf default_ulimits over podman's nofile/nproc defaults, each
// clamped to this process's own hard limit (runc cannot raise one without CAP_SYS_RESOURCE).
nlohmann::json oci_rlimits(const ContainerSpec& spec, const Config& config);

// podman 4.3.1's masked and read-only paths (containers-common pkg/config defaults).
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

}  // namespace berth::core::containers
