// podman's completed mount options for HostConfig.Binds and HostConfig.Tmpfs.
#include "compat/shapes/container_mounts.hpp"

#include <set>
#include <string_view>

namespace berth::compat::shapes {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

std::vector<std::string> podman_mount_options(const core::MountSpec& m) {
  static const std::set<std::string, std::less<>> kPropagations = {"private", "rprivate", "slave",      "rslave",
                                                                   "shared",  "rshared",  "unbindable", "runbindable"};
  bool tmpfs = m.type == "tmpfs";
  bool write = false, prop = false, suid = false, dev = false, copyup = false, bind = false;
  std::vector<std::string> out;
  for (const auto& o : m.options) {
    std::string_view key = std::string_view(o).substr(0, o.find('='));
    if (key == "notmpcopyup") {  // podman does not pass it on
      copyup = true;
      continue;
    }
    write |= key == "rw" || key == "ro";
    prop |= kPropagations.count(key) > 0;
    suid |= key == "suid" || key == "nosuid";
    dev |= key == "dev" || key == "nodev";
    copyup |= key == "tmpcopyup";
    bind |= key == "bind" || key == "rbind";
    out.push_back(o);
  }
  if (!write) out.emplace_back(m.read_only ? "ro" : "rw");
  if (!prop) out.push_back(m.propagation.empty() ? "rprivate" : m.propagation);
  if (m.type != "bind") {  // no source path to take the flags from: podman's defaults
    if (!suid) out.emplace_back("nosuid");
    if (!dev) out.emplace_back("nodev");
  }
  if (tmpfs && !copyup) out.emplace_back("tmpcopyup");
  if (!tmpfs && !bind) out.emplace_back("rbind");
  return out;
}

std::string podman_tmpfs_value(const core::MountSpec& m) { return join(podman_mount_options(m)); }

std::string podman_bind_entry(const core::MountSpec& m) {
  return m.source + ":" + m.destination + ":" + join(podman_mount_options(m));
}

}  // namespace berth::compat::shapes
