// Podman 4.3.1 container shapes, key for key (tests/golden/podman-4.3.1/containers_libpod_*): key order is
// podman's, Go nil slices and maps are null where podman sends null, omitempty fields are left out when empty.
#include "api/shapes/containers.hpp"

#include <ctime>

#include "compat/shapes/container_mounts.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/containers/spec_json.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::api::shapes {
namespace {

using json = nlohmann::json;
using core::ContainerStatus;

constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

json strings_or_null(const std::vector<std::string>& v) { return v.empty() ? json(nullptr) : json(v); }

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

std::string go_time(std::int64_t ns) { return ns == 0 ? kGoZeroTime : core::format_rfc3339_ns(ns); }

// The stop signal as a number: podman's Config.StopSignal is a uint.
int signal_number(const std::string& name) {
  try {
    return core::containers::parse_signal(name.empty() ? "SIGTERM" : name);
  } catch (const core::Error&) {
    return 15;
  }
}

json state_json(const core::ContainerState& st) {
  bool running = core::containers::has_runtime(st.status);  // initialized: runc's init process waits to start
  json out = {{"OciVersion", "1.0.2-dev"},
              {"Status", podman_status(st.status)},
              {"Running", st.status == ContainerStatus::running},
              {"Paused", st.status == ContainerStatus::paused},
              {"Restarting", false},
              {"OOMKilled", st.oom_killed},
              {"Dead", false},
              {"Pid", running ? st.pid : 0}};
  if (running && st.conmon_pid != 0) out["ConmonPid"] = st.conmon_pid;  // omitempty
  out["ExitCode"] = st.exit_code.value_or(0);
  out["Error"] = st.error;
  out["StartedAt"] = go_time(st.started_ns);
  out["FinishedAt"] = go_time(st.finished_ns);
  out["Health"] = {{"Status", ""}, {"FailingStreak", 0}, {"Log", nullptr}};
  out["CheckpointedAt"] = kGoZeroTime;
  out["RestoredAt"] = kGoZeroTime;
  return out;
}

// Mounts lists binds and volumes; tmpfs mounts only appear in HostConfig.Tmpfs, as in podman.
json mounts_json(const std::vector<core::MountSpec>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) {
    if (m.type == "tmpfs") continue;
    json options = m.type == "bind" ? json::array({"rbind"}) : json::array();
    for (const auto& o : m.options) options.push_back(o);
    out.push_back({{"Type", m.type},
                   {"Source", m.source},
                   {"Destination", m.destination},
                   {"Driver", m.type == "volume" ? "local" : ""},
                   {"Mode", ""},
                   {"Options", options},
                   {"RW", !m.read_only},
                   {"Propagation", m.propagation.empty() ? "rprivate" : m.propagation}});
    if (m.type == "volume") out.back()["Name"] = m.source;
  }
  return out;
}

json port_bindings_json(const core::ContainerSpec& spec) {
  json out = json::object();
  for (const auto& [port, bindings] : spec.port_bindings) {
    json list = json::array();
    for (const auto& b : bindings) list.push_back({{"HostIp", b.host_ip}, {"HostPort", b.host_port}});
    out[port] = list;
  }
  for (const auto& port : spec.exposed_ports)
    if (!out.contains(port)) out[port] = nullptr;  // exposed but not published, as podman shows it
  return out;
}

// The netns exists from init until the exit is reaped; host mode has none of its own.
std::string sandbox_key(const core::containers::ContainerDetails& d) {
  const auto& ctr = *d.container;
  return core::containers::has_runtime(ctr.state.status) && ctr.spec.network_mode != "host" ? d.paths.netns : "";
}

json network_settings_json(const core::containers::ContainerDetails& d) {
  return {{"EndpointID", ""},
          {"Gateway", ""},
          {"IPAddress", ""},
          {"IPPrefixLen", 0},
          {"IPv6Gateway", ""},
          {"GlobalIPv6Address", ""},
          {"GlobalIPv6PrefixLen", 0},
          {"MacAddress", ""},
          {"Bridge", ""},
          {"SandboxID", ""},
          {"HairpinMode", false},
          {"LinkLocalIPv6Address", ""},
          {"LinkLocalIPv6PrefixLen", 0},
          {"Ports", json::object()},
          {"SandboxKey", sandbox_key(d)},
          {"Networks", json::object()}};
}

std::string network_mode(const core::ContainerSpec& spec) {
  // The private netns stands in for podman's default bridge until bridge networks exist.
  return spec.network_mode.empty() || spec.network_mode == "private" ? "bridge" : spec.network_mode;
}

// The annotations podman adds to every container, under the client's own.
json annotations_json(const core::Container& ctr, int stop_signal) {
  const auto& spec = ctr.spec;
  auto yes_no = [](bool b) { return b ? "TRUE" : "FALSE"; };
  json out = {{"io.container.manager", "libpod"},
              {"io.kubernetes.cri-o.Created", core::format_rfc3339_ns(ctr.created_ns)},
              {"io.kubernetes.cri-o.TTY", spec.tty ? "true" : "false"},
              {"io.podman.annotations.autoremove", yes_no(spec.auto_remove)},
              {"io.podman.annotations.init", yes_no(spec.init)},
              {"io.podman.annotations.privileged", yes_no(spec.privileged)},
              {"io.podman.annotations.publish-all", yes_no(spec.publish_all)},
              {"org.opencontainers.image.stopSignal", std::to_string(stop_signal)}};
  for (const auto& [k, v] : spec.annotations) out[k] = v;
  return out;
}

json config_json(const core::containers::ContainerDetails& d) {
  const auto& ctr = *d.container;
  const auto& spec = ctr.spec;
  int stop_signal = signal_number(d.stop_signal);
  const std::vector<std::string> no_strings;
  json out = {{"Hostname", d.hostname},
              {"Domainname", spec.domainname},
              {"User", d.user},
              {"AttachStdin", spec.attach_stdin},
              {"AttachStdout", spec.attach_stdout},
              {"AttachStderr", spec.attach_stderr},
              {"Tty", spec.tty},
              {"OpenStdin", spec.open_stdin},
              {"StdinOnce", false},  // podman never reports it
              {"Env", d.env},
              // A given entrypoint drops the image's Cmd, as the process runs: null then, as podman.
              {"Cmd", strings_or_null(spec.command.value_or(spec.entrypoint ? no_strings : d.image_cmd))},
              {"Image", spec.image},
              {"Volumes", nullptr},
              {"WorkingDir", d.working_dir.empty() ? "/" : d.working_dir},
              {"Entrypoint", join(spec.entrypoint.value_or(d.image_entrypoint), " ")},  // a string in 4.3.1
              {"OnBuild", nullptr},
              {"Labels", d.labels.empty() ? json(nullptr) : json(d.labels)},
              {"Annotations", annotations_json(ctr, stop_signal)},
              {"StopSignal", stop_signal},
              {"HealthcheckOnFailureAction", "none"},
              // CreateCommand (omitempty) is left out: the spec does not keep the client's command line.
              {"Umask", "0022"},
              {"Timeout", 0},
              {"StopTimeout", d.stop_timeout},
              {"Passwd", true},
              {"sdNotifyMode", "container"}};
  return out;
}

// Binds ("src:dst:ro,rprivate,rbind") and Tmpfs ({"/run": "rw,..."}) as podman derives them from the mounts.
void binds_and_tmpfs(const core::ContainerSpec& spec, json& host) {
  json binds = json::array();
  json tmpfs = json::object();
  for (const auto& m : spec.mounts) {
    if (m.type == "tmpfs")
      tmpfs[m.destination] = compat::shapes::podman_tmpfs_value(m);
    else
      binds.push_back(compat::shapes::podman_bind_entry(m));
  }
  host["Binds"] = binds;
  host["Tmpfs"] = tmpfs;
}

json log_config_json(const core::containers::ContainerDetails& d) {
  const auto& spec = d.container->spec;
  auto size = spec.log_options.find("max-size");
  std::string driver = spec.log_driver.empty() || spec.log_driver == "json-file" ? "k8s-file" : spec.log_driver;
  return {{"Type", driver},
          {"Config", nullptr},
          {"Path", d.paths.log},
          {"Tag", ""},
          {"Size", size == spec.log_options.end() ? "0B" : size->second + "B"}};
}

json ulimits_json(const std::vector<core::Ulimit>& ulimits) {
  json out = json::array();
  for (const auto& u : ulimits) {
    std::string name = u.name;
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back({{"Name", "RLIMIT_" + name}, {"Soft", u.soft}, {"Hard", u.hard}});
  }
  return out;
}

json devices_json(const std::vector<core::DeviceSpec>& devices) {
  json out = json::array();
  for (const auto& d : devices)
    out.push_back(
        {{"PathOnHost", d.path_on_host}, {"PathInContainer", d.path_in_container}, {"CgroupPermissions", ""}});
  return out;
}

// podman shows --cpus as NanoCpus computed back from the CFS quota and period.
std::int64_t nano_cpus(const core::Resources& r) {
  if (r.nano_cpus != 0) return r.nano_cpus;
  return r.cpu_quota > 0 && r.cpu_period > 0 ? r.cpu_quota * core::kNanosPerSecond / r.cpu_period : 0;
}

void resources_into(const core::Resources& r, json& host) {
  host["CpuShares"] = r.cpu_shares;
  host["Memory"] = r.memory;
  host["NanoCpus"] = nano_cpus(r);
  host["CgroupParent"] = "";
  host["BlkioWeight"] = r.blkio_weight;
  for (auto key : {"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                   "BlkioDeviceWriteIOps"})
    host[key] = json::array();
  host["CpuPeriod"] = r.cpu_period;
  host["CpuQuota"] = r.cpu_quota;
  host["CpuRealtimePeriod"] = 0;
  host["CpuRealtimeRuntime"] = 0;
  host["CpusetCpus"] = r.cpuset_cpus;
  host["CpusetMems"] = r.cpuset_mems;
}

json host_config_json(const core::containers::ContainerDetails& d) {
  const auto& spec = d.container->spec;
  json host = json::object();
  binds_and_tmpfs(spec, host);
  json tmpfs = std::move(host["Tmpfs"]);
  host.erase("Tmpfs");
  host["CgroupManager"] = "cgroupfs";
  host["CgroupMode"] = "host";
  host["ContainerIDFile"] = "";
  host["LogConfig"] = log_config_json(d);
  host["NetworkMode"] = network_mode(spec);
  host["PortBindings"] = port_bindings_json(spec);
  host["RestartPolicy"] = {{"Name", spec.restart.name == "no" ? "" : spec.restart.name},
                           {"MaximumRetryCount", spec.restart.max_retries}};
  host["AutoRemove"] = spec.auto_remove;
  host["VolumeDriver"] = "";
  host["VolumesFrom"] = nullptr;
  host["CapAdd"] = spec.cap_add;
  host["CapDrop"] = spec.cap_drop;
  host["Dns"] = spec.dns_servers;
  host["DnsOptions"] = spec.dns_options;
  host["DnsSearch"] = spec.dns_search;
  host["ExtraHosts"] = spec.extra_hosts;
  host["GroupAdd"] = spec.group_add;
  host["IpcMode"] = "shareable";
  host["Cgroup"] = "";
  host["Cgroups"] = "default";
  host["Links"] = nullptr;
  host["OomScoreAdj"] = spec.oom_score_adj.value_or(0);
  host["PidMode"] = "private";
  host["Privileged"] = spec.privileged;
  host["PublishAllPorts"] = spec.publish_all;
  host["ReadonlyRootfs"] = spec.read_only_rootfs;
  auto security = spec.security_opt;
  if (spec.no_new_privileges) security.insert(security.begin(), "no-new-privileges");
  host["SecurityOpt"] = security;
  host["Tmpfs"] = std::move(tmpfs);
  host["UTSMode"] = "private";
  // podman: "private" whenever config.json has a user namespace (--uidmap and auto alike), "" for the host's.
  host["UsernsMode"] = spec.uid_map.empty() ? "" : "private";
  if (!spec.uid_map.empty()) {
    auto maps = [](const std::vector<core::IdMap>& v) {
      std::vector<std::string> out;
      for (const auto& m : v)
        out.push_back(std::to_string(m.container_id) + ":" + std::to_string(m.host_id) + ":" + std::to_string(m.size));
      return out;
    };
    host["IDMappings"] = {{"UidMap", maps(spec.uid_map)}, {"GidMap", maps(spec.gid_map)}};
  }
  host["ShmSize"] = spec.shm_size > 0 ? spec.shm_size : 64 * 1024 * 1024;  // the effective default
  host["Runtime"] = "oci";
  host["ConsoleSize"] = {0, 0};
  host["Isolation"] = "";
  resources_into(spec.resources, host);
  host["Devices"] = devices_json(spec.devices);
  host["DiskQuota"] = 0;
  host["KernelMemory"] = 0;
  host["MemoryReservation"] = spec.resources.memory_reservation;
  host["MemorySwap"] = spec.resources.memory_swap;
  host["MemorySwappiness"] = 0;
  host["OomKillDisable"] = false;
  if (spec.init) host["Init"] = true;  // omitempty
  host["PidsLimit"] = spec.resources.pids_limit;
  host["Ulimits"] = ulimits_json(spec.ulimits);
  host["CpuCount"] = 0;
  host["CpuPercent"] = 0;
  host["IOMaximumIOps"] = 0;
  host["IOMaximumBandwidth"] = 0;
  host["CgroupConf"] = nullptr;
  return host;
}

// Only a running (or paused) container has its rootfs mounted: podman shows MergedDir then.
bool mounted(ContainerStatus s) { return core::containers::has_runtime(s); }
// Before its first start there is no OCI bundle: podman leaves OCIConfigPath out.
bool has_bundle(ContainerStatus s) { return s != ContainerStatus::configured && s != ContainerStatus::created; }
// podman shows the /etc files' paths once init has bind-mounted them (state.BindMounts), "" before.
bool prepared(ContainerStatus s) { return has_bundle(s); }

json graph_driver_json(const core::containers::ContainerDetails& d) {
  json data = {{"LowerDir", join(d.lower_dirs, ":")}, {"UpperDir", d.paths.upper}, {"WorkDir", d.paths.work}};
  if (mounted(d.container->state.status)) data["MergedDir"] = d.paths.merged;
  return {{"Name", "overlay"}, {"Data", data}};
}

}  // namespace

std::string_view podman_status(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::configured:  // podman's ContainerStateConfigured prints as "created"
    case ContainerStatus::created:
      return "created";
    case ContainerStatus::initialized:
      return "initialized";
    case ContainerStatus::running:
      return "running";
    case ContainerStatus::paused:
      return "paused";
    case ContainerStatus::stopped:
      return "stopped";
    case ContainerStatus::exited:
      return "exited";
    case ContainerStatus::removing:
      return "removing";
  }
  return "unknown";
}

json container_data_json(const core::containers::ContainerDetails& d, bool size) {
  const auto& ctr = *d.container;
  // Capabilities need the daemon's Config (defaults), which the details do not carry yet: empty lists until then.
  json out = {{"Id", ctr.id},
              {"Created", core::format_rfc3339_ns(ctr.created_ns)},
              {"Path", d.path},
              {"Args", d.args},
              {"State", state_json(ctr.state)},
              {"Image", ctr.spec.image_id},
              {"ImageDigest", ""},
              {"ImageName", ctr.spec.image},
              {"Rootfs", ctr.spec.rootfs},
              {"Pod", ""},
              {"ResolvConfPath", prepared(ctr.state.status) ? d.paths.resolv : ""},
              {"HostnamePath", prepared(ctr.state.status) ? d.paths.hostname : ""},
              {"HostsPath", prepared(ctr.state.status) ? d.paths.hosts : ""},
              {"StaticDir", d.paths.dir},
              {"OCIConfigPath", d.paths.config_json},
              {"OCIRuntime", "runc"},
              {"ConmonPidFile", d.paths.conmon_pid},
              {"PidFile", d.paths.pid_file},
              {"Name", ctr.name},
              {"RestartCount", ctr.state.restart_count},
              {"Driver", "overlay"},
              {"MountLabel", ""},
              {"ProcessLabel", ""},
              {"AppArmorProfile", ""},
              {"EffectiveCaps", json::array()},
              {"BoundingCaps", json::array()},
              {"ExecIDs", d.exec_ids},
              {"GraphDriver", graph_driver_json(d)},
              {"Mounts", mounts_json(ctr.spec.mounts)},
              {"Dependencies", json::array()},
              {"NetworkSettings", network_settings_json(d)},
              {"Namespace", ""},
              {"IsInfra", false},
              {"IsService", false},
              {"Config", config_json(d)},
              {"HostConfig", host_config_json(d)}};
  if (!has_bundle(ctr.state.status)) out.erase("OCIConfigPath");
  if (size) {
    out["SizeRw"] = std::max<std::int64_t>(d.size_rw, 0);
    out["SizeRootFs"] = std::max<std::int64_t>(d.size_root_fs, 0);
  }
  return out;
}

}  // namespace berth::api::shapes
