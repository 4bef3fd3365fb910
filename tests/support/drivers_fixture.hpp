// What the driver integration tests share: a busybox rootfs, a hand-written minimal config.json, random IDs, and a
// container sandbox whose destructor removes every trace (runc state, conmon, mount, cgroup) even after a failed
// CHECK.
#pragma once

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/drivers/monitor.hpp"
#include "core/drivers/mounter.hpp"
#include "core/drivers/oci_runtime.hpp"
#include "core/sys/cgroup.hpp"
#include "tests/support/temp_dir.hpp"

namespace berth::test {

inline std::string random_hex_id() {
  std::random_device rd;
  std::ostringstream out;
  for (int i = 0; i < 8; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    out << buf;
  }
  return out.str();
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls until `path` exists (conmon's exit file); false after `timeout`.
inline bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// True while `pid` exists and is not a zombie.
inline bool process_alive(int pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// /bin/busybox (static) plus the applet links the tests run, and the dirs runc mounts onto.
inline void make_busybox_rootfs(const std::string& dir) {
  namespace fs = std::filesystem;
  for (const char* sub : {"bin", "proc", "dev", "sys", "etc", "tmp"}) fs::create_directories(dir + "/" + sub);
  fs::copy_file("/bin/busybox", dir + "/bin/busybox", fs::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "echo", "sleep", "true", "cat"}) {
    fs::create_symlink("busybox", dir + "/bin/" + applet);
  }
}

// The smallest config.json runc accepts for a detached, non-terminal container.
inline nlohmann::json minimal_config(const std::string& rootfs, const std::vector<std::string>& args,
                                     const std::string& cgroups_path) {
  using nlohmann::json;
  json mounts = json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
      {{"destination", "/dev/shm"},
       {"type", "tmpfs"},
       {"source", "shm"},
       {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/sys"},
       {"type", "sysfs"},
       {"source", "sysfs"},
       {"options", {"nosuid", "noexec", "nodev", "ro"}}},
  });
  json namespaces = json::array();
  for (const char* ns : {"pid", "ipc", "uts", "mount", "network"}) namespaces.push_back({{"type", ns}});
  return {
      {"ociVersion", "1.0.2-dev"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", args},
        {"env", {"PATH=/bin:/usr/bin:/sbin:/usr/sbin"}},
        {"cwd", "/"},
        {"noNewPrivileges", true}}},
      {"root", {{"path", rootfs}, {"readonly", false}}},
      {"hostname", "drivers-test"},
      {"mounts", mounts},
      {"linux",
       {{"namespaces", namespaces},
        {"cgroupsPath", cgroups_path},
        {"resources", {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}}}}},
  };
}

// One container's directories under a private temp dir, with its own runc --root. The destructor force-deletes
// the runc container, kills conmon, unmounts the rootfs and removes the cgroup before the temp dir goes.
class ContainerSandbox {
 public:
  explicit ContainerSandbox(const std::vector<std::string>& args)
      : id(random_hex_id()),
        cgroup("/berth-test/" + id),
        runc("/usr/sbin/runc", tmp.sub("runc")),
        conmon("/usr/bin/conmon", "/usr/sbin/runc", tmp.sub("runc")) {
    namespace fs = std::filesystem;
    make_busybox_rootfs(tmp.sub("layer"));
    for (const char* sub : {"upper", "work", "merged", "b", "exits", "persist"}) fs::create_directories(tmp.sub(sub));
    mounter.mount({tmp.sub("layer")}, tmp.sub("upper"), tmp.sub("work"), tmp.sub("merged"));
    std::ofstream(tmp.sub("b/config.json")) << minimal_config(tmp.sub("merged"), args, cgroup).dump();
  }
  ~ContainerSandbox() {
    try {
      runc.remove(id, true);
    } catch (...) {
    }
    int monitor = 0;
    std::ifstream(spec().conmon_pid_file) >> monitor;
    if (monitor > 0) ::kill(monitor, SIGKILL);
    try {
      mounter.unmount(tmp.sub("merged"));
      core::sys::remove_cgroup(cgroup);
      core::sys::remove_cgroup_if_empty("/berth-test");
    } catch (...) {
    }
  }
  ContainerSandbox(const ContainerSandbox&) = delete;
  ContainerSandbox& operator=(const ContainerSandbox&) = delete;

  core::drivers::LaunchSpec spec() const {
    core::drivers::LaunchSpec s;
    s.id = id;
    s.name = "drv-" + id.substr(0, 12);
    s.bundle = tmp.sub("b");
    s.pid_file = tmp.sub("b/pidfile");
    s.conmon_pid_file = tmp.sub("b/conmon.pid");
    s.exit_dir = tmp.sub("exits");
    s.persist_dir = tmp.sub("persist");
    s.log_path = tmp.sub("ctr.log");
    return s;
  }
  std::string exit_file() const { return tmp.sub("exits/" + id); }

  TempDir tmp{"bdrv"};  // first member: destroyed last, after the destructor body has cleaned up
  std::string id;
  std::string cgroup;
  core::drivers::Runc runc;
  core::drivers::Conmon conmon;
  core::drivers::OverlayMounter mounter;
};

}  // namespace berth::test
