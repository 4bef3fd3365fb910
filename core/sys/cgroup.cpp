// cgroup_hierarchies / remove_cgroup / cgroup_exists: plain rmdir and stat on cgroupfs.
#include "core/sys/cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"

namespace berth::core::sys {
namespace {

// A cgroup path joined under a hierarchy; ".." segments are refused so a bad path cannot reach outside.
std::string join(const std::string& root, std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty() || path.find("..") != std::string_view::npos) fail(Errc::internal, "bad cgroup path", path);
  return root + "/" + std::string(path);
}

}  // namespace

std::vector<std::string> cgroup_hierarchies() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // "id parent maj:min root mountpoint options [optional...] - fstype source superopts"
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point, word;
    fields >> id >> parent >> dev >> root >> mount_point;
    while (fields >> word && word != "-") {
    }
    std::string fstype;
    fields >> fstype;
    if ((fstype == "cgroup" || fstype == "cgroup2") && std::find(out.begin(), out.end(), mount_point) == out.end()) {
      out.push_back(mount_point);
    }
  }
  return out;
}

void remove_cgroup(std::string_view path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (const auto& root : cgroup_hierarchies()) {
    std::string dir = join(root, path);
    for (;;) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
      int err = errno;
      if (err == EBUSY && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      fail(Errc::internal, std::strerror(err), "removing cgroup " + dir);
    }
  }
}

bool remove_cgroup_if_empty(std::string_view path) {
  bool gone = true;
  for (const auto& root : cgroup_hierarchies()) {
    std::string dir;
    try {
      dir = join(root, path);
    } catch (const Error&) {
      return false;
    }
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) gone = false;
  }
  return gone;
}

bool cgroup_exists(std::string_view path) {
  for (const auto& root : cgroup_hierarchies()) {
    struct stat st {};
    if (::stat(join(root, path).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  }
  return false;
}

}  // namespace berth::core::sys
