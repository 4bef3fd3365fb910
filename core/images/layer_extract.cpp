// Safe extraction of an image layer tarball (plain/gzip/zstd tar) into a directory, converting whiteouts for overlay.
#include "core/images/layer_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/images/libarchive_ptr.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/safe_path.hpp"

namespace berth::core::images {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr uint64_t kWritebackBytes = 8 << 20;

// A directory whose times are set once the whole layer is written: adding children would change its mtime.
struct PendingDir {
  std::string rel;
  timespec times[2];
};

class Extractor {
 public:
  Extractor(archive* a, int root, const ExtractOptions& opts) : a_(a), root_(root), opts_(opts) {}

  LayerStats run() {
    std::string last;
    for (;;) {
      archive_entry* entry = nullptr;
      int r = archive_read_next_header(a_, &entry);
      if (r == ARCHIVE_EOF) break;
      // ARCHIVE_WARN covers harmless oddities (unknown pax keywords); anything worse means a corrupt stream. The
      // failure is usually detected while skipping the previous entry's data, so name that one.
      if (r < ARCHIVE_WARN) {
        fail(Errc::invalid_argument, archive_message(),
             last.empty() ? std::string("layer archive") : "layer entry \"" + last + "\"");
      }
      const char* p = archive_entry_pathname(entry);
      last = p ? p : "";
      ctx_ = "layer entry \"" + last + "\"";
      try {
        handle(entry, last);
      } catch (const Error& e) {
        if (e.code() == Errc::too_large) throw;
        // Errors from bad() already carry the context; those from the path helpers get it here.
        std::string msg = e.what();
        if (!msg.starts_with(ctx_)) msg = ctx_ + ": " + msg;
        throw Error(Errc::invalid_argument, e.cause(), msg);
      }
      ++stats_.entries;
    }
    finish_dirs();
    return stats_;
  }

 private:
  std::string archive_message() const {
    const char* m = archive_error_string(a_);
    return m ? m : "corrupt archive";
  }
  [[noreturn]] void bad(const std::string& what) const { fail(Errc::invalid_argument, what, ctx_); }
  [[noreturn]] void bad_errno(const std::string& what, int err) const { bad(what + ": " + ::strerror(err)); }

  void handle(archive_entry* e, const std::string& raw) {
    std::vector<std::string> parts = sys::split_rel(raw);  // refuses ".."
    std::string rel = sys::join_rel(parts);
    if (!parts.empty() && parts.back().starts_with(kWhiteoutPrefix)) return whiteout(parts);
    if (const char* hl = archive_entry_hardlink(e)) return hardlink(rel, hl);
    mode_t type = archive_entry_filetype(e);
    if (parts.empty()) {
      // "./" entries carry the layer root's own metadata.
      if (type != AE_IFDIR) bad("a non-directory entry names the layer root");
      return directory(e, rel);
    }
    switch (type) {
      case AE_IFDIR:
        return directory(e, rel);
      case AE_IFREG:
        return regular(e, rel);
      case AE_IFLNK:
        return symlink(e, rel);
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
        return node(e, rel, type);
      default:
        bad("unsupported entry type");
    }
  }

  void whiteout(const std::vector<std::string>& parts) {
    std::vector<std::string> dir_parts(parts.begin(), parts.end() - 1);
    ++stats_.whiteouts;
    if (parts.back() == kOpaqueMarker) {
      sys::Fd dir = sys::mkdir_in_root(root_, sys::join_rel(dir_parts));
      if (int err = sys::set_xattr_at(dir.get(), "", "trusted.overlay.opaque", "y", 1))
        bad_errno("cannot mark directory opaque", err);
      return;
    }
    std::string name = parts.back().substr(kWhiteoutPrefix.size());
    if (name.empty() || name == "." || name == "..") bad("invalid whiteout name");
    dir_parts.push_back(name);
    sys::ParentRef ref = sys::open_parent_in_root(root_, sys::join_rel(dir_parts), true);
    sys::remove_all_at(ref.dir.get(), ref.name);
    // overlayfs's whiteout format: a char device 0:0.
    if (::mknodat(ref.dir.get(), ref.name.c_str(), S_IFCHR | 0, ::makedev(0, 0)) != 0)
      bad_errno("cannot create whiteout", errno);
  }

  void hardlink(const std::string& rel, const char* target_raw) {
    std::string target = sys::join_rel(sys::split_rel(target_raw));
    if (target.empty()) bad("hardlink to the layer root");
    if (target == rel) return;
    // Both ends are resolved inside the root: a link to "/etc/shadow" means <dest>/etc/shadow, which must exist.
    sys::ParentRef from = sys::open_parent_in_root(root_, target, false);
    sys::ParentRef to = sys::open_parent_in_root(root_, rel, true);
    sys::remove_all_at(to.dir.get(), to.name);
    // Without AT_SYMLINK_FOLLOW, a link to a symlink links the symlink itself, as tar does.
    if (::linkat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str(), 0) != 0)
      bad_errno("cannot hardlink to \"" + std::string(target_raw) + "\"", errno);
    ++stats_.hardlinks;
  }

  void directory(archive_entry* e, const std::string& rel) {
    sys::Fd fd;
    if (rel.empty()) {
      fd = sys::open_in_root(root_, "", O_RDONLY | O_DIRECTORY);
    } else {
      sys::ParentRef ref = sys::open_parent_in_root(root_, rel, true);
      struct stat st;
      bool exists = ::fstatat(ref.dir.get(), ref.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
      // A directory created earlier (implicitly for a child, or by a previous entry) is kept with its contents.
      if (exists && !S_ISDIR(st.st_mode)) {
        sys::remove_all_at(ref.dir.get(), ref.name);
        exists = false;
      }
      if (!exists && ::mkdirat(ref.dir.get(), ref.name.c_str(), 0700) != 0) bad_errno("cannot create directory", errno);
      fd.reset(::openat(ref.dir.get(), ref.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) bad_errno("cannot open directory", errno);
    }
    fd_metadata(e, fd.get());
    PendingDir pd{rel, {}};
    entry_times(e, pd.times);
    pending_.push_back(std::move(pd));
    ++stats_.dirs;
  }

  void regular(archive_entry* e, const std::string& rel) {
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0) bad("negative file size");
    // Checked on the claimed size, before writing, so a sparse or lying header cannot fill the disk first.
    if (opts_.max_bytes && stats_.bytes + static_cast<uint64_t>(size) > *opts_.max_bytes) {
      fail(Errc::too_large, "layer exceeds the limit of " + std::to_string(*opts_.max_bytes) + " bytes", ctx_);
    }
    stats_.bytes += static_cast<uint64_t>(size);
    sys::ParentRef ref = sys::open_parent_in_root(root_, rel, true);
    sys::remove_all_at(ref.dir.get(), ref.name);
    sys::Fd fd(::openat(ref.dir.get(), ref.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) bad_errno("cannot create file", errno);
    const void* buf;
    size_t len;
    la_int64_t off;
    int r;
    uint64_t unflushed = 0;
    // Blocks come with offsets so sparse files keep their holes.
    while ((r = archive_read_data_block(a_, &buf, &len, &off)) == ARCHIVE_OK) {
      // Start writeback of big files as they come, so the layer store's syncfs finds little left to wait for.
      unflushed += len;
      if (unflushed >= kWritebackBytes) {
        ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
        unflushed = 0;
      }
      if (off < 0 || static_cast<uint64_t>(off) + len > static_cast<uint64_t>(size)) bad("data past the file size");
      const char* p = static_cast<const char*>(buf);
      while (len > 0) {
        ssize_t n = ::pwrite(fd.get(), p, len, off);
        if (n < 0) {
          if (errno == EINTR) continue;
          bad_errno("cannot write file", errno);
        }
        p += n;
        len -= static_cast<size_t>(n);
        off += n;
      }
    }
    if (r != ARCHIVE_EOF) bad(archive_message());
    if (::ftruncate(fd.get(), size) != 0) bad_errno("cannot size file", errno);
    fd_metadata(e, fd.get());
    timespec ts[2];
    entry_times(e, ts);
    if (::futimens(fd.get(), ts) != 0) bad_errno("cannot set times", errno);
    ++stats_.files;
  }

  void symlink(archive_entry* e, const std::string& rel) {
    const char* target = archive_entry_symlink(e);
    if (target == nullptr || *target == 0) bad("symlink without a target");
    sys::ParentRef ref = sys::open_parent_in_root(root_, rel, true);
    sys::remove_all_at(ref.dir.get(), ref.name);
    // Stored verbatim: it is only ever resolved inside a container's root (or by openat2 here).
    if (::symlinkat(target, ref.dir.get(), ref.name.c_str()) != 0) bad_errno("cannot create symlink", errno);
    at_metadata(e, ref, false);
    ++stats_.symlinks;
  }

  void node(archive_entry* e, const std::string& rel, mode_t type) {
    sys::ParentRef ref = sys::open_parent_in_root(root_, rel, true);
    sys::remove_all_at(ref.dir.get(), ref.name);
    dev_t dev = type == AE_IFIFO ? 0 : ::makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (::mknodat(ref.dir.get(), ref.name.c_str(), type | 0600, dev) != 0) bad_errno("cannot create node", errno);
    at_metadata(e, ref, true);
    ++stats_.devices;
  }

  // Owner before mode: chown clears setuid/setgid.
  void fd_metadata(archive_entry* e, int fd) {
    if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e))) != 0)
      bad_errno("cannot set owner", errno);
    if (::fchmod(fd, archive_entry_perm(e) & 07777) != 0) bad_errno("cannot set mode", errno);
    xattrs(e, fd, "");
  }

  // For symlinks and nodes, which cannot be opened for writing; every call leaves a final symlink alone.
  void at_metadata(archive_entry* e, const sys::ParentRef& ref, bool chmod) {
    int dir = ref.dir.get();
    const char* name = ref.name.c_str();
    if (::fchownat(dir, name, static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e)),
                   AT_SYMLINK_NOFOLLOW) != 0)
      bad_errno("cannot set owner", errno);
    // fchmodat has no NOFOLLOW mode before fchmodat2; the node was created just above by this thread, so the name
    // is not a symlink.
    if (chmod && ::fchmodat(dir, name, archive_entry_perm(e) & 07777, 0) != 0) bad_errno("cannot set mode", errno);
    xattrs(e, dir, ref.name);
    timespec ts[2];
    entry_times(e, ts);
    if (::utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) != 0) bad_errno("cannot set times", errno);
  }

  void xattrs(archive_entry* e, int fd, const std::string& name) {
    if (archive_entry_xattr_reset(e) == 0) return;
    const char* key;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
      std::string k = key;
      // overlay's own attributes (redirect, metacopy, origin, ...) could make the mount reach into other layers;
      // the only legitimate one, opaque, comes from the .wh..wh..opq conversion.
      if (k.starts_with("trusted.overlay.")) {
        ++stats_.xattrs_skipped;
        continue;
      }
      int err = sys::set_xattr_at(fd, name, k, value, size);
      // Filesystems without xattr support, or user.* on a symlink/device, refuse; that loses nothing a container
      // relies on, as containers/storage also decides.
      if (err == EPERM || err == ENOTSUP) {
        ++stats_.xattrs_skipped;
      } else if (err != 0) {
        bad_errno("cannot set xattr " + k, err);
      }
    }
  }

  static void entry_times(archive_entry* e, timespec ts[2]) {
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
      ts[0].tv_sec = archive_entry_atime(e);
      ts[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
      ts[0] = ts[1];
    }
  }

  void finish_dirs() {
    // Forward order: a later entry for the same directory wins; a directory's own times do not touch its parent's.
    for (auto& pd : pending_) {
      ctx_ = "layer entry \"" + pd.rel + "\"";
      if (pd.rel.empty()) {
        sys::Fd fd = sys::open_in_root(root_, "", O_RDONLY | O_DIRECTORY);
        if (::futimens(fd.get(), pd.times) != 0) bad_errno("cannot set times", errno);
        continue;
      }
      sys::ParentRef ref;
      try {
        ref = sys::open_parent_in_root(root_, pd.rel, false);
      } catch (const Error& e) {
        if (e.code() == Errc::not_found) continue;  // removed again later in the layer
        throw;
      }
      if (::utimensat(ref.dir.get(), ref.name.c_str(), pd.times, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOENT)
        bad_errno("cannot set times", errno);
    }
  }

  archive* a_;
  int root_;
  const ExtractOptions& opts_;
  std::string ctx_;
  LayerStats stats_;
  std::vector<PendingDir> pending_;
};

}  // namespace

LayerStats extract_layer(int archive_fd, const std::string& dest_dir, const ExtractOptions& opts) {
  sys::Fd root = sys::open_root(dest_dir);
  ArchiveReadPtr a(archive_read_new());
  if (!a) fail(Errc::internal, "out of memory", "layer archive");
  // The compression is detected from the stream, among those libarchive decodes in-process (filter_all would let
  // a layer's first bytes make it start external programs such as lrzip or lzop). Only tar formats are accepted.
  for (auto add : {archive_read_support_filter_gzip, archive_read_support_filter_zstd, archive_read_support_filter_xz,
                   archive_read_support_filter_bzip2})
    add(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_fd(a.get(), archive_fd, 1 << 16) != ARCHIVE_OK) {
    const char* m = archive_error_string(a.get());
    fail(Errc::invalid_argument, m ? m : "unreadable archive", "layer archive");
  }
  return Extractor(a.get(), root.get(), opts).run();
}

LayerStats extract_layer_file(const std::string& archive_path, const std::string& dest_dir,
                              const ExtractOptions& opts) {
  sys::Fd fd(::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) fail(Errc::not_found, ::strerror(errno), "layer archive \"" + archive_path + "\"");
  return extract_layer(fd.get(), dest_dir, opts);
}

}  // namespace berth::core::images
