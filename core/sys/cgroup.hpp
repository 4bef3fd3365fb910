// cgroupfs helpers for the v1 hybrid layout (one hierarchy per controller plus the unified tree): runc's cgroupfs
// driver creates a container's cgroupsPath in every hierarchy and removes only the leaf, so the engine cleans up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::core::sys {

// Mount points of every cgroup (v1) and cgroup2 hierarchy, from /proc/self/mountinfo (e.g. /sys/fs/cgroup/memory,
// /sys/fs/cgroup/unified).
std::vector<std::string> cgroup_hierarchies();

// Removes the cgroup `path` ("/berth/<id>", relative to each hierarchy's root) in every hierarchy. A hierarchy where
// it is already gone is fine; EBUSY (its last task is still exiting) is retried for about a second. Throws
// Error(Errc::internal) when it cannot be removed.
void remove_cgroup(std::string_view path);

// Removes `path` in every hierarchy where it has no children and no tasks (a parent such as "/berth" that runc
// leaves behind); true when it is gone everywhere. Never waits and never throws. Call it only while no container is
// being created under `path`: runc makes the parent first, and an rmdir racing with that fails its create ("unable
// to apply cgroup").
bool remove_cgroup_if_empty(std::string_view path);

// True when `path` exists in any hierarchy.
bool cgroup_exists(std::string_view path);

}  // namespace berth::core::sys
