// Mount options as podman 4.3.1 shows them in HostConfig.Binds and HostConfig.Tmpfs (both trees): the options
// given, completed the way podman's pkg/util.ProcessOptions completes them.
#pragma once

#include <string>
#include <vector>

#include "core/model/container.hpp"

namespace berth::compat::shapes {

// Given options, then rw/ro and rprivate unless given; tmpfs and volumes add nosuid and nodev unless given,
// tmpfs adds tmpcopyup (notmpcopyup is dropped), binds and volumes add rbind. Host-mount flags of a bind's
// source (podman statfs's it) are not looked at.
std::vector<std::string> podman_mount_options(const core::MountSpec& m);

// "rw,rprivate,nosuid,nodev,tmpcopyup": a tmpfs mount's value in HostConfig.Tmpfs.
std::string podman_tmpfs_value(const core::MountSpec& m);

// "/src:/dst:rw,rprivate,rbind": a bind or volume mount's entry in HostConfig.Binds.
std::string podman_bind_entry(const core::MountSpec& m);

}  // namespace berth::compat::shapes
