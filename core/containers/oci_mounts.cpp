// The mounts of config.json: the runtime defaults podman starts from, the engine's /etc files, then the spec's.
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/containers/oci_parts.hpp"
#include "core/error.hpp"

namespace berth::core::containers {
namespace {

using nlohmann::json;

// Where podman bind-mounts the init binary (define.ContainerInitPath).

json mount(const std::string& dest, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return {{"destination", dest}, {"type", type}, {"source", source}, {"options", std::move(options)}};
}

std::string shm_size_option(const ContainerSpec& spec, const Config& config) {
  if (spec.shm_size > 0) return "size=" + std::to_string(spec.shm_size);
  return "size=" + (config.containers.shm_size.empty() ? std::string("65536k") : config.containers.shm_size);
}

// runtime-tools' generator defaults as podman 4.3.1 ends up with them (shm sized from the config, /sys rw
// for privileged containers).
std::vector<json> default_mounts(const ContainerSpec& spec, const Config& config) {
  std::string sys_access = spec.privileged ? "rw" : "ro";
  // A user namespace does not own the engine's network namespace, so the kernel refuses a fresh sysfs there:
  // bind the host's, as podman does.
  auto sys = spec.uid_map.empty() ? mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_access})
                                  : mount("/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
  return {
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      sys,
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"rprivate", "nosuid", "noexec", "nodev", "relatime", sys_access}),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", shm_size_option(spec, config)}),
  };
}

[[noreturn]] void bad_mount(const MountSpec& m, const std::string& why) {
  fail(Errc::invalid_argument, "invalid mount config for type \"" + m.type + "\": " + why);
}

// "/a//b/" → "/a/b", so overrides and duplicates compare equal however they were spelled.
std::string clean_dest(const std::string& d) {
  std::string out;
  for (char c : d)
    if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

json spec_mount(const MountSpec& m) {
  if (m.destination.empty() || m.destination[0] != '/')
    bad_mount(m, "invalid mount path: '" + m.destination + "' mount path must be absolute");
  std::string dest = clean_dest(m.destination);
  if (dest == "/") bad_mount(m, "invalid specification: destination can't be '/'");
  if (m.type == "tmpfs") {
    if (!m.source.empty() && m.source != "tmpfs") bad_mount(m, "source must not be specified");
    std::vector<std::string> opts = m.options;
    if (opts.empty()) opts = {"rw", "nosuid", "nodev"};
    if (m.read_only) {
      std::erase(opts, "rw");
      opts.push_back("ro");
    }
    return mount(dest, "tmpfs", "tmpfs", opts);
  }
  if (m.type != "bind" && m.type != "volume") bad_mount(m, "mount type unknown");
  // Volumes arrive resolved to their host directory; a bare name here means the caller skipped that step.
  if (m.source.empty() || m.source[0] != '/') bad_mount(m, "invalid mount path: '" + m.source + "' must be absolute");
  struct stat st {};
  if (::stat(m.source.c_str(), &st) != 0) bad_mount(m, "bind source path does not exist: " + m.source);
  static const std::vector<std::string> kPropagations = {"private", "rprivate", "shared", "rshared", "slave", "rslave"};
  std::string prop = m.propagation.empty() ? "rprivate" : m.propagation;
  if (std::find(kPropagations.begin(), kPropagations.end(), prop) == kPropagations.end())
    bad_mount(m, "invalid propagation mode: " + m.propagation);
  std::vector<std::string> opts = {"rbind", m.read_only ? "ro" : "rw", prop};
  for (const auto& o : m.options)
    if (std::find(opts.begin(), opts.end(), o) == opts.end() && o != "bind") opts.push_back(o);
  return mount(dest, "bind", m.source, opts);
}

size_t depth(const std::string& dest) { return static_cast<size_t>(std::count(dest.begin(), dest.end(), '/')); }

}  // namespace

json oci_mounts(const ContainerSpec& spec, const OciInputs& in, const Config& config) {
  std::vector<json> user;
  for (const auto& m : spec.mounts) {
    json j = spec_mount(m);
    for (const auto& u : user)
      if (u["destination"] == j["destination"])
        fail(Errc::invalid_argument, "Duplicate mount point: " + j["destination"].get<std::string>());
    user.push_back(std::move(j));
  }
  // A parent must be mounted before what goes inside it, whatever order the client listed them in.
  std::stable_sort(user.begin(), user.end(), [](const json& a, const json& b) {
    return depth(a["destination"].get<std::string>()) < depth(b["destination"].get<std::string>());
  });

  std::vector<json> base = default_mounts(spec, config);
  auto add_bind = [&](const std::string& dest, const std::string& src, std::vector<std::string> opts) {
    if (!src.empty()) base.push_back(mount(dest, "bind", src, std::move(opts)));
  };
  add_bind("/etc/hosts", in.hosts_file, {"rbind", "rw", "rprivate"});
  add_bind("/etc/hostname", in.hostname_file, {"rbind", "rw", "rprivate"});
  add_bind("/etc/resolv.conf", in.resolv_file, {"rbind", "rw", "rprivate"});
  if (spec.init)
    base.push_back(mount(kInitPath, "bind", spec.init_path.empty() ? config.tools.catatonit : spec.init_path,
                         {"bind", "ro", "rprivate"}));

  // A spec mount replaces the default at its destination in place, so e.g. a custom /dev still precedes /dev/pts.
  json out = json::array();
  std::vector<bool> used(user.size(), false);
  for (auto& b : base) {
    bool replaced = false;
    for (size_t i = 0; i < user.size(); ++i) {
      if (!used[i] && user[i]["destination"] == b["destination"]) {
        out.push_back(user[i]);
        used[i] = replaced = true;
      }
    }
    if (!replaced) out.push_back(std::move(b));
  }
  for (size_t i = 0; i < user.size(); ++i)
    if (!used[i]) out.push_back(std::move(user[i]));
  return out;
}

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {"/proc/acpi",          "/proc/kcore",      "/proc/keys",
                                                 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                                 "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",
                                                 "/sys/fs/selinux",     "/sys/dev/block"};
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {"/proc/asound", "/proc/bus", "/proc/fs",
                                                 "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};
  return paths;
}

}  // namespace berth::core::containers
