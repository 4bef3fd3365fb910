// The two ways OverlayMounter mounts overlayfs, exposed so tests can exercise the fallback on a kernel that has the
// new API.
#pragma once

#include <string>
#include <vector>

namespace berth::core::drivers {

// fsopen/fsconfig("lowerdir+" once per layer)/fsmount/move_mount. Returns 0 when mounted, or the errno telling that
// this kernel lacks the API or the "lowerdir+" key (the caller falls back); other failures throw core::Error.
int mount_overlay_fsconfig(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                           const std::string& target);

// mount(2) with one option string; layers are named by short /proc/self/fd/N paths when their full paths would pass
// the one-page option limit. Throws core::Error.
void mount_overlay_classic(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                           const std::string& target);

}  // namespace berth::core::drivers
