// idmapped_lowers / release_idmapped_layers: the chowned layer copies, made with *at() calls on directory fds that
// never follow a symlink, so neither a layer's content nor a crafted name can reach outside the storage root.
#include "core/containers/idmapped_layers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "core/containers/etc_files.hpp"
#include "core/containers/userns.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/safe_path.hpp"

namespace berth::core::containers {
namespace {

// One lock for the whole cache: a start registering as a user and a removal dropping the last one must not
// interleave, and building a copy once under it is what makes the copy shared.
std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}

[[noreturn]] void sys_fail(const std::string& what) { fail(Errc::internal, what + ": " + std::strerror(errno)); }

std::string proc_path(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + (name.empty() ? "" : "/" + name);
}

constexpr std::uint16_t kAclUser = 0x02, kAclGroup = 0x08;  // ACL_USER, ACL_GROUP tags of the xattr format

class Copier {
 public:
  Copier(const ContainerSpec& spec, std::string layer) : spec_(spec), layer_(std::move(layer)) {}

  void copy_tree(int src_dir, int dst_dir) {
    struct stat st {};
    if (::fstat(src_dir, &st) != 0) sys_fail("stat " + layer_);
    top_ = dst_dir;
    copy_dir_contents(src_dir, dst_dir, "");
    finish_dir(src_dir, dst_dir, st, "/");
  }

 private:
  uid_t host_uid(const struct stat& st, const std::string& rel) const {
    auto u = map_to_host(spec_.uid_map, st.st_uid);
    if (!u) unmapped("uid", st.st_uid, rel);
    return *u;
  }
  gid_t host_gid(const struct stat& st, const std::string& rel) const {
    auto g = map_to_host(spec_.gid_map, st.st_gid);
    if (!g) unmapped("gid", st.st_gid, rel);
    return *g;
  }
  [[noreturn]] void unmapped(const char* kind, unsigned id, const std::string& rel) const {
    fail(Errc::invalid_argument,
         "the image's file " + rel + " is owned by " + kind + " " + std::to_string(id) +
             ", which the container's user namespace mappings do not cover: map a larger range");
  }

  // POSIX ACL xattrs name users and groups: their IDs move with the files' owners.
  std::string map_acl(std::string value, const std::string& rel) const {
    for (std::size_t off = 4; off + 8 <= value.size(); off += 8) {
      std::uint16_t tag;
      std::uint32_t id;
      std::memcpy(&tag, value.data() + off, 2);
      std::memcpy(&id, value.data() + off + 4, 4);
      if (tag != kAclUser && tag != kAclGroup) continue;
      auto mapped = map_to_host(tag == kAclUser ? spec_.uid_map : spec_.gid_map, id);
      if (!mapped) unmapped(tag == kAclUser ? "ACL uid" : "ACL gid", id, rel);
      std::memcpy(value.data() + off + 4, &*mapped, 4);
    }
    return value;
  }

  // Copies every xattr (overlay's trusted.overlay.opaque and whiteout markers included). A fd when there is
  // one; otherwise dir/name through /proc without following a final symlink.
  void copy_xattrs(int src_fd, int src_dir, int dst_fd, int dst_dir, const std::string& name, const std::string& rel,
                   bool symlink) const {
    std::string sp = src_fd >= 0 ? "" : proc_path(src_dir, name), dp = dst_fd >= 0 ? "" : proc_path(dst_dir, name);
    auto list = [&](char* buf, size_t n) {
      return src_fd >= 0 ? ::flistxattr(src_fd, buf, n) : ::llistxattr(sp.c_str(), buf, n);
    };
    ssize_t n = list(nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP) return;
      sys_fail("listxattr " + rel);
    }
    if (n == 0) return;
    std::string names(static_cast<size_t>(n), '\0');
    n = list(names.data(), names.size());
    if (n < 0) sys_fail("listxattr " + rel);
    names.resize(static_cast<size_t>(n));
    for (std::size_t pos = 0; pos < names.size();) {
      std::string key = names.c_str() + pos;
      pos += key.size() + 1;
      auto get = [&](void* buf, size_t len) {
        return src_fd >= 0 ? ::fgetxattr(src_fd, key.c_str(), buf, len)
                           : ::lgetxattr(sp.c_str(), key.c_str(), buf, len);
      };
      ssize_t len = get(nullptr, 0);
      if (len < 0) sys_fail("getxattr " + key + " of " + rel);
      std::string value(static_cast<size_t>(len), '\0');
      len = get(value.data(), value.size());
      if (len < 0) sys_fail("getxattr " + key + " of " + rel);
      value.resize(static_cast<size_t>(len));
      if (key == "system.posix_acl_access" || key == "system.posix_acl_default") value = map_acl(value, rel);
      int rc = dst_fd >= 0 ? ::fsetxattr(dst_fd, key.c_str(), value.data(), value.size(), 0)
                           : ::lsetxattr(dp.c_str(), key.c_str(), value.data(), value.size(), 0);
      // user.* cannot be set on a symlink at all; the kernel refuses it on the original too, so nothing is lost.
      if (rc != 0 && !(symlink && errno == EPERM)) sys_fail("setxattr " + key + " of " + rel);
    }
  }

  void finish_dir(int src, int dst, const struct stat& st, const std::string& rel) const {
    if (::fchown(dst, host_uid(st, rel), host_gid(st, rel)) != 0) sys_fail("chown " + rel);
    if (::fchmod(dst, st.st_mode & 07777) != 0) sys_fail("chmod " + rel);
    copy_xattrs(src, -1, dst, -1, "", rel, false);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(dst, times) != 0) sys_fail("utimes " + rel);
  }

  static void copy_data(int in, int out, const std::string& rel) {
    bool range = true;
    for (;;) {
      ssize_t n = range ? ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0) : -1;
      if (range && n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        range = false;
        continue;
      }
      if (!range) {
        char buf[65536];
        n = ::read(in, buf, sizeof buf);
        for (ssize_t done = 0; n > 0 && done < n;) {
          ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
          if (w < 0) sys_fail("write " + rel);
          done += w;
        }
      }
      if (n < 0) sys_fail("copy " + rel);
      if (n == 0) return;
    }
  }

  void copy_dir_contents(int src, int dst, const std::string& prefix) {
    int dup_fd = ::fcntl(src, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) sys_fail("dup");
    DIR* d = ::fdopendir(dup_fd);
    if (!d) {
      ::close(dup_fd);
      sys_fail("opendir " + prefix + "/");
    }
    std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
    ::rewinddir(d);
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      copy_entry(src, dst, name, prefix + "/" + name);
    }
  }

  void copy_entry(int src_dir, int dst_dir, const std::string& name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) sys_fail("stat " + rel);
    uid_t uid = host_uid(st, rel);
    gid_t gid = host_gid(st, rel);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    mode_t type = st.st_mode & S_IFMT;

    if (type != S_IFDIR && st.st_nlink > 1) {
      // A hard link inside the layer stays one in the copy (never a link to the original: chown would shift it).
      auto key = std::make_pair(st.st_dev, st.st_ino);
      if (auto it = links_.find(key); it != links_.end()) {
        if (::linkat(top_, it->second.c_str(), dst_dir, name.c_str(), 0) != 0) sys_fail("link " + rel);
        return;
      }
      links_[key] = rel.substr(1);
    }

    if (type == S_IFDIR) {
      if (::mkdirat(dst_dir, name.c_str(), 0700) != 0) sys_fail("mkdir " + rel);
      sys::Fd s(::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!s) sys_fail("open " + rel);
      sys::Fd t(::openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!t) sys_fail("open copy of " + rel);
      copy_dir_contents(s.get(), t.get(), rel);
      finish_dir(s.get(), t.get(), st, rel);
    } else if (type == S_IFREG) {
      sys::Fd s(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!s) sys_fail("open " + rel);
      sys::Fd t(::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!t) sys_fail("create copy of " + rel);
      copy_data(s.get(), t.get(), rel);
      // chown before chmod: chown clears set-user-ID and set-group-ID bits.
      if (::fchown(t.get(), uid, gid) != 0) sys_fail("chown " + rel);
      if (::fchmod(t.get(), st.st_mode & 07777) != 0) sys_fail("chmod " + rel);
      copy_xattrs(s.get(), -1, t.get(), -1, name, rel, false);
      if (::futimens(t.get(), times) != 0) sys_fail("utimes " + rel);
    } else if (type == S_IFLNK) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(src_dir, name.c_str(), target.data(), target.size());
      if (n < 0) sys_fail("readlink " + rel);
      target.resize(static_cast<size_t>(n));
      if (::symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) sys_fail("symlink " + rel);
      if (::fchownat(dst_dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) sys_fail("lchown " + rel);
      copy_xattrs(-1, src_dir, -1, dst_dir, name, rel, true);
      if (::utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) sys_fail("utimes " + rel);
    } else {
      // Devices, fifos, sockets, and overlay whiteouts (0:0 character devices).
      if (::mknodat(dst_dir, name.c_str(), type | 0600, st.st_rdev) != 0) sys_fail("mknod " + rel);
      if (::fchownat(dst_dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) sys_fail("chown " + rel);
      if (::fchmodat(dst_dir, name.c_str(), st.st_mode & 07777, 0) != 0) sys_fail("chmod " + rel);
      copy_xattrs(-1, src_dir, -1, dst_dir, name, rel, false);
      if (::utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) sys_fail("utimes " + rel);
    }
  }

  const ContainerSpec& spec_;
  std::string layer_;
  int top_ = -1;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

// "<dir id>-<inode>" of $ROOT/layers/<dir id>/diff: the inode tells a reused dir id's new layer from the old one.
std::string layer_key(const std::string& layer_dir, int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) sys_fail("stat " + layer_dir);
  std::filesystem::path p(layer_dir);
  std::string id = p.filename() == "diff" ? p.parent_path().filename().string() : p.filename().string();
  return id + "-" + std::to_string(st.st_ino);
}

std::atomic<unsigned> tmp_counter{0};

// Builds dir/key from src_fd unless it exists; returns its path.
std::string ensure_copy(const std::string& dir, int dir_fd, const std::string& key, int src_fd,
                        const ContainerSpec& spec, const std::string& layer_dir) {
  std::string path = dir + "/" + key;
  struct stat st {};
  if (::fstatat(dir_fd, key.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) return path;
  std::string tmp = ".tmp-" + key + "-" + std::to_string(::getpid()) + "-" + std::to_string(++tmp_counter);
  if (::mkdirat(dir_fd, tmp.c_str(), 0700) != 0) sys_fail("mkdir " + dir + "/" + tmp);
  try {
    sys::Fd t(::openat(dir_fd, tmp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!t) sys_fail("open " + dir + "/" + tmp);
    Copier(spec, layer_dir).copy_tree(src_fd, t.get());
    if (::syncfs(t.get()) != 0) sys_fail("syncfs " + dir);  // complete on disk before the name says so
    if (::renameat(dir_fd, tmp.c_str(), dir_fd, key.c_str()) != 0) sys_fail("rename " + tmp + " to " + path);
  } catch (...) {
    sys::remove_all_at(dir_fd, tmp);
    throw;
  }
  return path;
}

std::set<std::string> read_lines(const std::string& path) {
  std::set<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

void chown_to_root(const std::string& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) != 0 && errno != ENOENT) sys_fail("chown " + path);
}

// runc mounts the rootfs from inside the new namespace, as the mapped root, which has no rights over host-owned
// directories: each one above the container's dir must let others search it. The engine's own get o+x (it
// reveals no names); a parent of the storage root that lacks it is the administrator's to change.
void make_reachable(const std::string& root, const std::string& dir) {
  std::filesystem::path clean_root = std::filesystem::path(root).lexically_normal();
  for (auto p = std::filesystem::path(dir).lexically_normal().parent_path();; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) sys_fail("stat " + p.string());
    if (!(st.st_mode & S_IXOTH)) {
      auto rel = p.lexically_relative(clean_root);
      bool ours = !rel.empty() && *rel.begin() != "..";
      if (!ours)
        fail(Errc::internal,
             "a container with a user namespace needs every directory above its root filesystem to "
             "be searchable by others, and " +
                 p.string() + " is not: chmod o+x " + p.string());
      if (::chmod(p.c_str(), (st.st_mode & 07777) | S_IXOTH) != 0) sys_fail("chmod " + p.string());
    }
    if (p == p.root_path() || p.empty()) break;
  }
}

}  // namespace

std::string idmapped_dir(const std::string& root, const ContainerSpec& spec) {
  return root + "/idmapped/" + mapping_digest(spec);
}

std::vector<std::string> idmapped_lowers(const std::string& root, const std::string& id, const ContainerSpec& spec,
                                         const std::vector<std::string>& layer_dirs, const ContainerPaths& paths) {
  if (!has_userns(spec)) return layer_dirs;
  uid_t uid = *map_to_host(spec.uid_map, 0);  // check_userns made sure 0 is mapped
  gid_t gid = *map_to_host(spec.gid_map, 0);
  std::string dir = idmapped_dir(root, spec);
  std::lock_guard lock(cache_mutex());
  std::filesystem::create_directories(dir + "/users");
  sys::Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd) sys_fail("open " + dir);
  // Temp dirs left by a crash mid-copy (only this process builds here, under the lock).
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().starts_with(".tmp-")) sys::remove_all_at(dir_fd.get(), e.path().filename());

  std::vector<std::string> out, keys;
  for (const auto& layer : layer_dirs) {
    sys::Fd src(::open(layer.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) sys_fail("open " + layer);
    keys.push_back(layer_key(layer, src.get()));
    out.push_back(ensure_copy(dir, dir_fd.get(), keys.back(), src.get(), spec, layer));
  }
  std::string users = "";
  for (const auto& k : keys) users += k + "\n";
  write_file_atomic(dir + "/users/" + id, users);

  // The mapped root owns what the container writes to, and may pass through its dir to reach its rootfs.
  for (const auto& p : {paths.upper, paths.work, paths.hosts, paths.hostname, paths.resolv}) chown_to_root(p, uid, gid);
  if (::chmod(paths.dir.c_str(), 0711) != 0) sys_fail("chmod " + paths.dir);
  make_reachable(root, paths.dir);
  return out;
}

void release_idmapped_layers(const std::string& root, const std::string& id, const ContainerSpec& spec) noexcept {
  if (!has_userns(spec)) return;
  try {
    std::string dir = idmapped_dir(root, spec);
    std::lock_guard lock(cache_mutex());
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return;
    std::filesystem::remove(dir + "/users/" + id, ec);
    std::set<std::string> used;
    bool any = false;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/users", ec)) {
      any = true;
      auto keys = read_lines(e.path().string());
      used.insert(keys.begin(), keys.end());
    }
    if (!any) {
      std::filesystem::remove_all(dir, ec);
      if (ec) log::warn("remove " + dir + ": " + ec.message());
      return;
    }
    sys::Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir_fd) return;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name != "users" && !used.contains(name)) sys::remove_all_at(dir_fd.get(), name);
    }
  } catch (const std::exception& e) {
    log::warn("idmapped layers of " + id + ": " + e.what());
  }
}

}  // namespace berth::core::containers
