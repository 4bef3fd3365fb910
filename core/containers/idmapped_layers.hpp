// Chowned copies of image layers for containers with their own user namespace (runc 1.1 has no idmapped mounts),
// cached at $ROOT/idmapped/<mapping digest>/<layer key> and shared by every container with the same mappings.
#pragma once

#include <string>
#include <vector>

#include "core/containers/layout.hpp"
#include "core/model/container.hpp"

namespace berth::core::containers {

// The overlay lower dirs of a container (top first, as layer_dirs gives them). Without a user namespace these are
// `layer_dirs` themselves. With one they are copies whose owners are shifted through the spec's mappings (files,
// dirs, symlinks, devices, whiteouts, xattrs, ACL entries), built once (in a temp dir, then renamed), and the
// container registers as their user. The container's upper and work dirs and /etc files go to the mapped root, and
// its dir becomes traversable (0711) so runc, already inside the namespace, can reach the rootfs. An image file
// whose owner the mappings do not cover → invalid_argument naming it.
std::vector<std::string> idmapped_lowers(const std::string& root, const std::string& id, const ContainerSpec& spec,
                                         const std::vector<std::string>& layer_dirs, const ContainerPaths& paths);

// The container `id` is gone: drops its registration and every copy no other container of its mapping uses (the
// whole mapping dir with the last one). No-op for a container without a user namespace. Never throws.
void release_idmapped_layers(const std::string& root, const std::string& id, const ContainerSpec& spec) noexcept;

// Where the copies of a mapping live: $ROOT/idmapped/<digest>.
std::string idmapped_dir(const std::string& root, const ContainerSpec& spec);

}  // namespace berth::core::containers
