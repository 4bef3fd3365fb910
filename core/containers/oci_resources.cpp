// linux.resources (cgroup v1 limits and the device allow list) and linux.devices.
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

#include "core/containers/oci_parts.hpp"
#include "core/error.hpp"

namespace berth::core::containers {
namespace {

using nlohmann::json;

// docker turns --cpus into a CFS quota over this period.
constexpr std::int64_t kNanoCpuPeriod = 100000;

json allow(const std::string& type, std::optional<std::int64_t> major, std::optional<std::int64_t> minor,
           const std::string& access) {
  json j = {{"allow", true}, {"type", type}, {"access", access}};
  if (major) j["major"] = *major;
  if (minor) j["minor"] = *minor;
  return j;
}

// Deny everything, then the nodes every container needs (runc's and podman's standard set).
json default_device_rules() {
  return json::array({
      {{"allow", false}, {"access", "rwm"}},
      allow("c", std::nullopt, std::nullopt, "m"),
      allow("b", std::nullopt, std::nullopt, "m"),
      allow("c", 1, 3, "rwm"),               // /dev/null
      allow("c", 1, 5, "rwm"),               // /dev/zero
      allow("c", 1, 7, "rwm"),               // /dev/full
      allow("c", 5, 0, "rwm"),               // /dev/tty
      allow("c", 1, 9, "rwm"),               // /dev/urandom
      allow("c", 1, 8, "rwm"),               // /dev/random
      allow("c", 5, 2, "rwm"),               // /dev/ptmx
      allow("c", 136, std::nullopt, "rwm"),  // /dev/pts/*
      allow("c", 5, 1, "rwm"),               // /dev/console
  });
}

json memory(const Resources& r) {
  json m = json::object();
  if (r.memory > 0) m["limit"] = r.memory;
  if (r.memory_reservation > 0) m["reservation"] = r.memory_reservation;
  if (r.memory_swap != 0)
    m["swap"] = r.memory_swap;
  else if (r.memory > 0)
    m["swap"] = 2 * r.memory;  // docker's and podman's default: as much swap as memory
  return m;
}

json cpu(const Resources& r) {
  json c = json::object();
  if (r.cpu_shares > 0) c["shares"] = r.cpu_shares;
  if (r.nano_cpus > 0) {
    c["period"] = kNanoCpuPeriod;
    c["quota"] = r.nano_cpus * kNanoCpuPeriod / 1000000000;
  }
  if (r.cpu_quota != 0) c["quota"] = r.cpu_quota;
  if (r.cpu_period > 0) c["period"] = r.cpu_period;
  if (!r.cpuset_cpus.empty()) c["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) c["mems"] = r.cpuset_mems;
  return c;
}

// A --device: the host node's type and numbers, created at path_in_container and allowed in the cgroup.
void add_device(const DeviceSpec& d, OciResources& out) {
  struct stat st {};
  if (::stat(d.path_on_host.c_str(), &st) != 0)
    fail(Errc::invalid_argument, "error gathering device information while adding custom device \"" + d.path_on_host +
                                     "\": " + ::strerror(errno));
  std::string type;
  if (S_ISCHR(st.st_mode))
    type = "c";
  else if (S_ISBLK(st.st_mode))
    type = "b";
  else
    fail(Errc::invalid_argument, "\"" + d.path_on_host + "\" is not a device node");
  std::string perms = d.permissions.empty() ? "rwm" : d.permissions;
  if (perms.find_first_not_of("rwm") != std::string::npos)
    fail(Errc::invalid_argument, "invalid device mode: " + perms);
  auto maj = static_cast<std::int64_t>(major(st.st_rdev)), min = static_cast<std::int64_t>(minor(st.st_rdev));
  std::string dest = d.path_in_container.empty() ? d.path_on_host : d.path_in_container;
  out.devices.push_back({{"path", dest},
                         {"type", type},
                         {"major", maj},
                         {"minor", min},
                         {"fileMode", st.st_mode & 07777},
                         {"uid", 0},
                         {"gid", 0}});
  out.resources["devices"].push_back(allow(type, maj, min, perms));
}

}  // namespace

OciResources oci_resources(const ContainerSpec& spec, const Config& config) {
  OciResources out;
  const Resources& r = spec.resources;
  // Privileged containers may open any device node, as with podman --privileged.
  out.resources["devices"] =
      spec.privileged ? json::array({{{"allow", true}, {"access", "rwm"}}}) : default_device_rules();
  for (const auto& d : spec.devices) add_device(d, out);
  if (json m = memory(r); !m.empty()) out.resources["memory"] = m;
  if (json c = cpu(r); !c.empty()) out.resources["cpu"] = c;
  std::int64_t pids = r.pids_limit != 0 ? r.pids_limit : config.containers.pids_limit;
  if (pids > 0) out.resources["pids"] = {{"limit", pids}};
  // This kernel's blkio has no CFQ weight file: writing 0 would fail runc, so only a requested weight goes in.
  if (r.blkio_weight > 0) out.resources["blockIO"] = {{"weight", r.blkio_weight}};
  return out;
}

}  // namespace berth::core::containers
