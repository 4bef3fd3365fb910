// Paths confined to a root directory fd: openat2(RESOLVE_IN_ROOT) lookups, creation and final-component handles.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/sys/fd.hpp"

namespace berth::core::sys {

// Splits a path relative to a root into components: leading '/', empty and "." components are dropped (an absolute
// path names the same place under the root, as docker does). Throws Error(invalid_argument) on a ".." component:
// RESOLVE_IN_ROOT would clamp it at the root anyway, but such a name is never legitimate in our inputs.
std::vector<std::string> split_rel(std::string_view rel);
// The components joined by '/'; "" for the root itself.
std::string join_rel(const std::vector<std::string>& parts);

// Opens `dir` as an O_PATH|O_DIRECTORY fd to serve as a root for the functions below.
// Throws Error(not_found/internal) naming `dir`.
Fd open_root(const std::string& dir);

// openat2(root_fd, rel, flags, mode) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: every symlink met on the way,
// absolute or full of "..", resolves as if root_fd were "/". Returns an invalid Fd and sets errno on failure, since
// callers decide what ENOENT means. An empty rel opens the root itself.
Fd try_open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode = 0);
// The same, but throws Error(invalid_argument for EXDEV/ELOOP/ENOENT-style refusals, internal otherwise).
Fd open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode = 0);

// mkdir -p of rel under the root (each missing component mode 0755 before umask, or `mode` for the last one).
// Returns an O_PATH|O_DIRECTORY fd of the directory. Throws Error(invalid_argument) if a component exists and is
// not a directory (or a symlink resolving to one inside the root).
Fd mkdir_in_root(int root_fd, std::string_view rel, mode_t mode = 0755);

// The directory holding rel's final component, plus that component, so the caller can use the *at() calls
// (mknodat, symlinkat, linkat, fchownat/utimensat with AT_SYMLINK_NOFOLLOW, openat with O_NOFOLLOW) on a single
// name that no lookup can redirect. `name` is never empty, "." or "..": rel must name something below the root.
struct ParentRef {
  Fd dir;  // O_PATH|O_DIRECTORY
  std::string name;
};
// Missing parent directories are created (0755) when create_parents is set; otherwise a missing one throws
// Error(not_found).
ParentRef open_parent_in_root(int root_fd, std::string_view rel, bool create_parents);

// Removes dir_fd/name whatever it is (a directory recursively, never following symlinks). Returns false if it
// did not exist. Throws Error(internal) on other failures.
bool remove_all_at(int dir_fd, const std::string& name);

// Sets an xattr on dir_fd/name without following a final symlink, or on dir_fd itself when name is empty (works
// for O_PATH fds, which fsetxattr refuses). Returns 0 or an errno value: callers choose which failures matter.
int set_xattr_at(int dir_fd, const std::string& name, const std::string& key, const void* value, size_t size);

}  // namespace berth::core::sys
