// OverlayMounter: overlayfs through the new mount API (one fsconfig call per layer, so no 4 KiB option limit),
// falling back to mount(2) on kernels without "lowerdir+".
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "core/drivers/mounter.hpp"
#include "core/drivers/overlay_mount.hpp"
#include "core/error.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::drivers {
namespace {

[[noreturn]] void fail_errno(int err, const std::string& context) { fail(Errc::internal, std::strerror(err), context); }

// Overlay needs at least one lower layer; an image without layers gets an empty dir beside the work dir (same fs,
// outside upper and work, which overlay refuses to overlap).
std::string empty_lower_for(const std::string& work) {
  std::filesystem::path w(work);
  if (!w.has_filename()) w = w.parent_path();  // "…/work/"
  std::filesystem::path dir = w.parent_path() / "empty-lower";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(Errc::internal, ec.message(), "creating " + dir.string());
  return dir.string();
}

}  // namespace

int mount_overlay_fsconfig(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                           const std::string& target) {
  sys::Fd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) return errno;
  for (const auto& dir : lowers) {
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", dir.c_str(), 0) != 0) {
      int err = errno;
      if (err == EINVAL && &dir == &lowers.front()) return err;  // an older kernel: no "lowerdir+" key
      fail_errno(err, "overlay lowerdir " + dir);
    }
  }
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "upperdir", upper.c_str(), 0) != 0) {
    fail_errno(errno, "overlay upperdir " + upper);
  }
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "workdir", work.c_str(), 0) != 0) {
    fail_errno(errno, "overlay workdir " + work);
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    fail_errno(errno, "creating overlay for " + target);
  }
  sys::Fd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt) fail_errno(errno, "fsmount overlay for " + target);
  if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    fail_errno(errno, "mounting overlay on " + target);
  }
  return 0;
}

// The O_PATH descriptors behind the short names stay open only for the mount(2) call: overlay resolves the paths
// then and keeps its own references.
void mount_overlay_classic(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                           const std::string& target) {
  auto options = [&](const std::vector<std::string>& names) {
    std::string lower;
    for (const auto& n : names) lower += (lower.empty() ? "" : ":") + n;
    return "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
  };
  std::string opts = options(lowers);
  std::vector<sys::Fd> held;
  if (opts.size() >= 4000) {
    std::vector<std::string> short_names;
    for (const auto& dir : lowers) {
      sys::Fd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!fd) fail_errno(errno, "opening layer " + dir);
      short_names.push_back("/proc/self/fd/" + std::to_string(fd.get()));
      held.push_back(std::move(fd));
    }
    opts = options(short_names);
  }
  if (::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) != 0) {
    fail_errno(errno, "mounting overlay on " + target);
  }
}

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string_view::npos) {
        out.push_back(static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

void OverlayMounter::mount(const std::vector<std::string>& lower_dirs, const std::string& upper,
                           const std::string& work, const std::string& target) {
  std::vector<std::string> lowers = lower_dirs;
  if (lowers.empty()) lowers.push_back(empty_lower_for(work));
  int err = mount_overlay_fsconfig(lowers, upper, work, target);
  if (err == 0) return;
  if (err != ENOSYS && err != EINVAL && err != EPERM && err != ENODEV) {
    fail_errno(err, "mounting overlay on " + target);
  }
  mount_overlay_classic(lowers, upper, work, target);
}

void OverlayMounter::unmount(const std::string& target) {
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return;
  int err = errno;
  if (err == EINVAL || err == ENOENT) return;  // not a mount point (any more), or gone
  if (err == EBUSY) {
    // A process still has files open in it: detach now, the kernel frees it when the last user goes.
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return;
    err = errno;
    if (err == EINVAL || err == ENOENT) return;
  }
  fail_errno(err, "unmounting " + target);
}

bool OverlayMounter::mounted(const std::string& target) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(target, ec);
  std::string want = ec ? target : canonical.string();
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // Fields: id parent major:minor root mount-point ...
    size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string::npos; ++field) {
      pos = line.find(' ', pos);
      if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos) continue;
    auto end = line.find(' ', pos);
    if (unescape_mountinfo(std::string_view(line).substr(pos, end - pos)) == want) return true;
  }
  return false;
}

}  // namespace berth::core::drivers
