// Docker-tree container documents, with docker 24's keys and JSON types (Go nil slices as null, empty maps as {}).
#include "compat/shapes/containers.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "compat/shapes/container_mounts.hpp"
#include "core/containers/container_filter.hpp"
#include "core/containers/spec_json.hpp"
#include "core/time.hpp"
#include "server/http/framing.hpp"

namespace berth::compat::shapes {
namespace {

using json = nlohmann::json;
using core::ContainerStatus;

// docker's defaults for an unprivileged container (oci.DefaultSpec), which docker shows in HostConfig.
const std::vector<std::string> kMaskedPaths = {
    "/proc/asound",     "/proc/acpi",        "/proc/kcore",       "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"};
const std::vector<std::string> kReadonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};

json strings_or_null(const std::vector<std::string>& v) { return v.empty() ? json(nullptr) : json(v); }

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

bool is_running(ContainerStatus s) { return s == ContainerStatus::running || s == ContainerStatus::paused; }

json state_json(const core::ContainerState& st) {
  return {{"Status", docker_status(st.status)},
          {"Running", is_running(st.status)},  // docker keeps Running true while paused
          {"Paused", st.status == ContainerStatus::paused},
          {"Restarting", false},
          {"OOMKilled", st.oom_killed},
          {"Dead", false},
          {"Pid", is_running(st.status) ? st.pid : 0},
          {"ExitCode", st.exit_code.value_or(0)},
          {"Error", st.error},
          {"StartedAt", docker_time(st.started_ns)},
          {"FinishedAt", docker_time(st.finished_ns)}};
}

// MountPoint as inspect and list show it.
json mount_json(const core::MountSpec& m) {
  std::string mode = m.read_only ? "ro" : "";
  for (const auto& opt : m.options)
    if (opt == "z" || opt == "Z") mode += (mode.empty() ? "" : ",") + opt;
  json out = {{"Type", m.type},
              {"Source", m.source},
              {"Destination", m.destination},
              {"Mode", mode},
              {"RW", !m.read_only},
              {"Propagation", m.type == "bind" ? (m.propagation.empty() ? "rprivate" : m.propagation) : ""}};
  if (m.type == "volume") {
    out["Name"] = m.source;
    out["Driver"] = "local";
  }
  return out;
}

json mounts_json(const std::vector<core::MountSpec>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) out.push_back(mount_json(m));
  return out;
}

std::string network_mode(const core::ContainerSpec& spec) {
  return spec.network_mode.empty() || spec.network_mode == "private" ? "bridge" : spec.network_mode;
}

// The spec's mounts back in docker's create vocabulary: Binds for host paths and named volumes, Tmpfs for tmpfs,
// with the options podman completes ("/tmp:/mnt:rw,rprivate,rbind").
void binds_and_tmpfs(const core::ContainerSpec& spec, json& host) {
  std::vector<std::string> binds;
  json tmpfs = json::object();
  for (const auto& m : spec.mounts) {
    if (m.type == "tmpfs") {
      tmpfs[m.destination] = podman_tmpfs_value(m);  // podman's completed options, Mounts and Tmpfs alike
    } else if (!m.source.empty()) {
      binds.push_back(podman_bind_entry(m));  // HostConfig.Mounts binds too, as podman shows them
    }
  }
  host["Binds"] = strings_or_null(binds);
  if (!tmpfs.empty()) host["Tmpfs"] = tmpfs;
}

json port_bindings_json(const core::ContainerSpec& spec) {
  json out = json::object();
  for (const auto& [port, bindings] : spec.port_bindings) {
    json list = json::array();
    for (const auto& b : bindings) list.push_back({{"HostIp", b.host_ip}, {"HostPort", b.host_port}});
    out[port] = list;
  }
  return out;
}

json resources_into(const core::Resources& r, json host) {
  host["Memory"] = r.memory;
  host["MemoryReservation"] = r.memory_reservation;
  host["MemorySwap"] = r.memory_swap;
  host["MemorySwappiness"] = nullptr;
  host["NanoCpus"] = r.nano_cpus;
  host["CpuShares"] = r.cpu_shares;
  host["CpuQuota"] = r.cpu_quota;
  host["CpuPeriod"] = r.cpu_period;
  host["CpuRealtimePeriod"] = 0;
  host["CpuRealtimeRuntime"] = 0;
  host["CpusetCpus"] = r.cpuset_cpus;
  host["CpusetMems"] = r.cpuset_mems;
  host["CpuCount"] = 0;
  host["CpuPercent"] = 0;
  host["PidsLimit"] = r.pids_limit == 0 ? json(nullptr) : json(r.pids_limit);  // *int64: nil when unset
  host["BlkioWeight"] = r.blkio_weight;
  for (auto key : {"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                   "BlkioDeviceWriteIOps"})
    host[key] = json::array();
  host["IOMaximumIOps"] = 0;
  host["IOMaximumBandwidth"] = 0;
  host["OomKillDisable"] = false;
  return host;
}

json host_config_json(const core::ContainerSpec& spec) {
  json host = {{"ContainerIDFile", ""},
               {"LogConfig",
                {{"Type", spec.log_driver.empty() ? "json-file" : spec.log_driver},
                 {"Config", spec.log_options.empty() ? json::object() : json(spec.log_options)}}},
               {"NetworkMode", network_mode(spec)},
               {"PortBindings", port_bindings_json(spec)},
               {"RestartPolicy", {{"Name", spec.restart.name}, {"MaximumRetryCount", spec.restart.max_retries}}},
               {"AutoRemove", spec.auto_remove},
               {"VolumeDriver", ""},
               {"VolumesFrom", nullptr},
               {"ConsoleSize", {0, 0}},
               {"CapAdd", strings_or_null(spec.cap_add)},
               {"CapDrop", strings_or_null(spec.cap_drop)},
               {"CgroupnsMode", "private"},
               {"Dns", spec.dns_servers},
               {"DnsOptions", spec.dns_options},
               {"DnsSearch", spec.dns_search},
               {"ExtraHosts", strings_or_null(spec.extra_hosts)},
               {"GroupAdd", strings_or_null(spec.group_add)},
               {"IpcMode", "private"},
               {"Cgroup", ""},
               {"Links", nullptr},
               {"OomScoreAdj", spec.oom_score_adj.value_or(0)},
               {"PidMode", ""},
               {"Privileged", spec.privileged},
               {"PublishAllPorts", spec.publish_all},
               {"ReadonlyRootfs", spec.read_only_rootfs},
               {"SecurityOpt", strings_or_null(spec.security_opt)},
               {"UTSMode", ""},
               {"UsernsMode", spec.userns},
               {"ShmSize", spec.shm_size > 0 ? spec.shm_size : 64 * 1024 * 1024},  // the effective default
               {"Runtime", "runc"},
               {"Isolation", ""},
               {"CgroupParent", ""},
               {"DeviceCgroupRules", nullptr},
               {"DeviceRequests", nullptr},
               {"MaskedPaths", spec.privileged ? json(nullptr) : json(kMaskedPaths)},
               {"ReadonlyPaths", spec.privileged ? json(nullptr) : json(kReadonlyPaths)}};
  binds_and_tmpfs(spec, host);
  json devices = json::array();
  for (const auto& d : spec.devices)
    devices.push_back({{"PathOnHost", d.path_on_host},
                       {"PathInContainer", d.path_in_container},
                       {"CgroupPermissions", d.permissions}});
  host["Devices"] = devices;
  json ulimits = json::array();
  for (const auto& u : spec.ulimits) ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  host["Ulimits"] = ulimits;
  if (!spec.sysctls.empty()) host["Sysctls"] = spec.sysctls;
  if (spec.init) host["Init"] = true;  // *bool, omitempty
  return resources_into(spec.resources, std::move(host));
}

json set_of(const std::vector<std::string>& keys) {
  json out = json::object();
  for (const auto& k : keys) out[k] = json::object();
  return out;
}

json config_json(const core::containers::ContainerDetails& d) {
  const auto& spec = d.container->spec;
  // A given entrypoint drops the image's Cmd (the process runs without it): podman shows [] then.
  json cmd = spec.entrypoint ? json(spec.command.value_or(std::vector<std::string>{}))
                             : strings_or_null(spec.command.value_or(d.image_cmd));
  auto entrypoint = spec.entrypoint.value_or(d.image_entrypoint);
  std::vector<std::string> volumes;
  for (const auto& m : spec.mounts)
    if (m.type == "volume" && m.source.empty()) volumes.push_back(m.destination);
  json out = {{"Hostname", d.hostname},
              {"Domainname", spec.domainname},
              {"User", d.user},
              {"AttachStdin", spec.attach_stdin},
              {"AttachStdout", spec.attach_stdout},
              {"AttachStderr", spec.attach_stderr},
              {"Tty", spec.tty},
              {"OpenStdin", spec.open_stdin},
              {"StdinOnce", spec.stdin_once},
              {"Env", d.env},
              {"Cmd", cmd},
              {"Image", spec.image},
              {"Volumes", volumes.empty() ? json(nullptr) : set_of(volumes)},
              {"WorkingDir", d.working_dir},
              {"Entrypoint", strings_or_null(entrypoint)},
              {"OnBuild", nullptr},
              {"Labels", d.labels.empty() ? json::object() : json(d.labels)}};
  if (!spec.exposed_ports.empty()) out["ExposedPorts"] = set_of(spec.exposed_ports);  // omitempty
  if (!spec.stop_signal.empty()) out["StopSignal"] = spec.stop_signal;
  if (spec.stop_timeout) out["StopTimeout"] = *spec.stop_timeout;
  return out;
}

// SandboxKey: the container's netns from init until its exit is reaped (host mode has none of its own).
json network_settings_json(const core::containers::ContainerDetails& d) {
  const auto& ctr = *d.container;
  bool netns = core::containers::has_runtime(ctr.state.status) && ctr.spec.network_mode != "host";
  return {{"Bridge", ""},
          {"SandboxID", ""},
          {"HairpinMode", false},
          {"LinkLocalIPv6Address", ""},
          {"LinkLocalIPv6PrefixLen", 0},
          {"Ports", json::object()},
          {"SandboxKey", netns ? d.paths.netns : ""},
          {"SecondaryIPAddresses", nullptr},
          {"SecondaryIPv6Addresses", nullptr},
          {"EndpointID", ""},
          {"Gateway", ""},
          {"GlobalIPv6Address", ""},
          {"GlobalIPv6PrefixLen", 0},
          {"IPAddress", ""},
          {"IPPrefixLen", 0},
          {"IPv6Gateway", ""},
          {"MacAddress", ""},
          {"Networks", json::object()}};
}

}  // namespace

// The filters' mapping: `docker ps --filter status=` and the State shown must agree.
std::string_view docker_status(ContainerStatus status) { return core::containers::docker_status(status); }

std::string human_duration(std::int64_t ns) {
  auto plural = [](std::int64_t n, const char* unit) { return std::to_string(n) + " " + unit; };
  std::int64_t seconds = ns / core::kNanosPerSecond;
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return plural(seconds, "seconds");
  std::int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return plural(minutes, "minutes");
  auto hours = static_cast<std::int64_t>(static_cast<double>(ns) / 3.6e12 + 0.5);  // Go rounds hours
  if (hours == 1) return "About an hour";
  if (hours < 48) return plural(hours, "hours");
  if (hours < 24 * 7 * 2) return plural(hours / 24, "days");
  if (hours < 24 * 30 * 2) return plural(hours / 24 / 7, "weeks");
  if (hours < 24 * 365 * 2) return plural(hours / 24 / 30, "months");
  return plural(ns / (3600 * core::kNanosPerSecond) / 24 / 365, "years");
}

std::string status_text(const core::Container& ctr, std::int64_t now_ns) {
  const auto& st = ctr.state;
  if (st.status == ContainerStatus::paused) return "Up " + human_duration(now_ns - st.started_ns) + " (Paused)";
  if (st.status == ContainerStatus::running) return "Up " + human_duration(now_ns - st.started_ns);
  if (st.status == ContainerStatus::removing) return "Removal In Progress";
  if (st.status == ContainerStatus::initialized) return "Created";
  if (st.started_ns == 0) return "Created";
  if (st.finished_ns == 0) return "";
  return "Exited (" + std::to_string(st.exit_code.value_or(0)) + ") " + human_duration(now_ns - st.finished_ns) +
         " ago";
}

std::string docker_time(std::int64_t unix_ns) {
  return unix_ns == 0 ? "0001-01-01T00:00:00Z" : core::format_rfc3339_ns(unix_ns);
}

json container_inspect_json(const core::containers::ContainerDetails& d, bool size) {
  const auto& ctr = *d.container;
  bool prepared = ctr.state.status != ContainerStatus::configured && ctr.state.status != ContainerStatus::created;
  json out = {{"Id", ctr.id},
              {"Created", core::format_rfc3339_ns(ctr.created_ns)},
              {"Path", d.path},
              {"Args", d.args},
              {"State", state_json(ctr.state)},
              {"Image", "sha256:" + ctr.spec.image_id},
              {"ResolvConfPath", prepared ? d.paths.resolv : ""},  // "" until init bind-mounts them, as podman
              {"HostnamePath", prepared ? d.paths.hostname : ""},
              {"HostsPath", prepared ? d.paths.hosts : ""},
              {"LogPath", d.paths.log},
              {"Name", "/" + ctr.name},
              {"RestartCount", ctr.state.restart_count},
              {"Driver", "overlay"},
              {"Platform", "linux"},
              {"MountLabel", ""},
              {"ProcessLabel", ""},
              {"AppArmorProfile", ""},
              {"ExecIDs", d.exec_ids},  // [] when none, as podman 4.3.1 (moby sends null)
              {"HostConfig", host_config_json(ctr.spec)},
              {"GraphDriver",
               {{"Name", "overlay"},
                {"Data",
                 {{"LowerDir", join(d.lower_dirs, ':')},
                  {"MergedDir", d.paths.merged},
                  {"UpperDir", d.paths.upper},
                  {"WorkDir", d.paths.work}}}}},
              {"Mounts", mounts_json(ctr.spec.mounts)},
              {"Config", config_json(d)},
              {"NetworkSettings", network_settings_json(d)}};
  if (size) {
    out["SizeRw"] = std::max<std::int64_t>(d.size_rw, 0);
    out["SizeRootFs"] = std::max<std::int64_t>(d.size_root_fs, 0);
  }
  return out;
}

void write_container_summary(http::JsonWriter& w, const core::containers::ListedContainer& listed, std::int64_t now_ns,
                             bool size) {
  const auto& ctr = *listed.container;
  w.begin_object()
      .field("Id", ctr.id)
      .key("Names")
      .begin_array()
      .value("/" + ctr.name)
      .end_array()
      .field("Image", ctr.spec.image)
      .field("ImageID", "sha256:" + ctr.spec.image_id)
      .field("Command", listed.command)
      .field("Created", ctr.created_ns / core::kNanosPerSecond)
      .key("Ports")
      .begin_array()
      .end_array()
      .field("Labels", ctr.spec.labels)
      .field("State", docker_status(ctr.state.status))
      .field("Status", status_text(ctr, now_ns))
      .key("HostConfig")
      .begin_object()
      .field("NetworkMode", network_mode(ctr.spec))
      .end_object()
      .key("NetworkSettings")
      .begin_object()
      .key("Networks")
      .begin_object()
      .end_object()
      .end_object();
  // Rarely more than a few: one shape for a mount, shared with inspect.
  w.key("Mounts").raw(ctr.spec.mounts.empty() ? "[]" : mounts_json(ctr.spec.mounts).dump());
  if (size) {
    w.field("SizeRw", std::max<std::int64_t>(listed.size_rw, 0));
    w.field("SizeRootFs", std::max<std::int64_t>(listed.size_root_fs, 0));
  }
  w.end_object();
}

json container_summary_json(const core::containers::ListedContainer& listed, std::int64_t now_ns, bool size) {
  http::JsonWriter w;
  write_container_summary(w, listed, now_ns, size);
  return json::parse(w.str());
}

json wait_json(const core::containers::WaitResult& result) {
  return {{"StatusCode", result.exit_code},
          {"Error", result.error.empty() ? json(nullptr) : json{{"Message", result.error}}}};
}

json top_json(const core::containers::TopResult& top) { return {{"Titles", top.titles}, {"Processes", top.processes}}; }

json container_prune_json(const core::containers::PruneReport& report) {
  return {{"ContainersDeleted", strings_or_null(report.deleted)}, {"SpaceReclaimed", report.space_reclaimed}};
}

void DockerLogShape::operator()(std::string& out, const core::containers::LogRecordView& r) {
  frame.stream = r.stream;
  frame.data.clear();
  if (timestamps) {
    clock.append(frame.data, r.time_ns, true);
    frame.data.push_back(' ');
  }
  frame.data.append(r.text);
  http::append_frame(out, framing, frame);
}

}  // namespace berth::compat::shapes
