// Paths confined to a root directory fd: openat2(RESOLVE_IN_ROOT) lookups, creation and final-component handles.
#include "core/sys/safe_path.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.hpp"

namespace berth::core::sys {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

[[noreturn]] void fail_errno(int err, std::string_view what, std::string_view rel) {
  Errc code = Errc::internal;
  // EXDEV/ELOOP are openat2's "this lookup would leave the root / uses a magic link" refusals; ENOTDIR means the
  // path runs through a non-directory. All are properties of the input, not of the host.
  if (err == EXDEV || err == ELOOP || err == ENOTDIR || err == EEXIST) code = Errc::invalid_argument;
  if (err == ENOENT) code = Errc::not_found;
  fail(code, std::string(what) + ": " + ::strerror(err), "path " + quoted(rel));
}

std::string join_prefix(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> split_rel(std::string_view rel) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t slash = rel.find('/', pos);
    if (slash == std::string_view::npos) slash = rel.size();
    std::string_view part = rel.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") fail(Errc::invalid_argument, "path escapes its root", "path " + quoted(rel));
    parts.emplace_back(part);
  }
  return parts;
}

std::string join_rel(const std::vector<std::string>& parts) { return join_prefix(parts, parts.size()); }

Fd open_root(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail_errno(errno, "cannot open root directory", dir);
  return fd;
}

Fd try_open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode) {
  std::string path = rel.empty() ? std::string(".") : std::string(rel);
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  // The kernel rejects a mode without O_CREAT/O_TMPFILE.
  how.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // RESOLVE_IN_ROOT retries on concurrent renames
  return Fd(static_cast<int>(fd));
}

Fd open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode) {
  Fd fd = try_open_in_root(root_fd, rel, flags, mode);
  if (!fd) fail_errno(errno, "cannot open", rel);
  return fd;
}

Fd mkdir_in_root(int root_fd, std::string_view rel, mode_t mode) {
  std::vector<std::string> parts = split_rel(rel);
  Fd cur = open_in_root(root_fd, "", O_PATH | O_DIRECTORY);
  // Each prefix is resolved from the real root again, so a symlink inside the tree that points to "/" or "../.."
  // lands back on the root rather than on the host.
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string prefix = join_prefix(parts, i + 1);
    Fd next = try_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!next && errno == ENOENT) {
      if (::mkdirat(cur.get(), parts[i].c_str(), i + 1 == parts.size() ? mode : 0755) != 0 && errno != EEXIST)
        fail_errno(errno, "cannot create directory", prefix);
      next = try_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    if (!next) fail_errno(errno, "cannot open directory", prefix);
    cur = std::move(next);
  }
  return cur;
}

ParentRef open_parent_in_root(int root_fd, std::string_view rel, bool create_parents) {
  std::vector<std::string> parts = split_rel(rel);
  if (parts.empty()) fail(Errc::invalid_argument, "path names the root itself", "path " + quoted(rel));
  std::string parent = join_prefix(parts, parts.size() - 1);
  ParentRef ref;
  ref.name = parts.back();
  ref.dir = create_parents ? mkdir_in_root(root_fd, parent) : open_in_root(root_fd, parent, O_PATH | O_DIRECTORY);
  return ref;
}

bool remove_all_at(int dir_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    fail_errno(errno, "cannot stat", name);
  }
  if (S_ISDIR(st.st_mode)) {
    Fd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) fail_errno(errno, "cannot open directory", name);
    std::vector<std::string> children;
    {
      // fdopendir takes the fd it is given; keep `sub` for the unlinkat calls below.
      DIR* d = ::fdopendir(::dup(sub.get()));
      if (d == nullptr) fail_errno(errno, "cannot read directory", name);
      while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") children.emplace_back(n);
      }
      ::closedir(d);
    }
    for (const auto& child : children) remove_all_at(sub.get(), child);
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) fail_errno(errno, "cannot remove directory", name);
  } else if (::unlinkat(dir_fd, name.c_str(), 0) != 0) {
    fail_errno(errno, "cannot remove", name);
  }
  return true;
}

int set_xattr_at(int dir_fd, const std::string& name, const std::string& key, const void* value, size_t size) {
  // The /proc/self/fd magic link is ours (not from the input), and the final name is looked up without following.
  std::string path = "/proc/self/fd/" + std::to_string(dir_fd);
  int rc;
  if (name.empty()) {
    rc = ::setxattr(path.c_str(), key.c_str(), value, size, 0);
  } else {
    path += "/" + name;
    rc = ::lsetxattr(path.c_str(), key.c_str(), value, size, 0);
  }
  return rc == 0 ? 0 : errno;
}

}  // namespace berth::core::sys
