// spec_to_json / spec_from_json with nlohmann's defaulted struct mapping; std::optional as null-or-value.
#include "core/containers/spec_json.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.hpp"

namespace nlohmann {

template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v)
      j = *v;
    else
      j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null())
      v.reset();
    else
      v = j.get<T>();
  }
};

}  // namespace nlohmann

namespace berth::core {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountSpec, type, source, destination, read_only, propagation, options)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ulimit, name, soft, hard)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeviceSpec, path_on_host, path_in_container, permissions)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Resources, memory, memory_reservation, memory_swap, nano_cpus,
                                                cpu_shares, cpu_quota, cpu_period, cpuset_cpus, cpuset_mems, pids_limit,
                                                blkio_weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RestartPolicy, name, max_retries)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortBinding, host_ip, host_port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IdMap, container_id, host_id, size)

// nlohmann's macros take at most 64 members: the spec is written in two halves.
namespace {

struct SpecProcess {
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> command;
  std::vector<std::string> env;
  std::string working_dir, user;
  std::vector<std::string> group_add;
  bool tty = false, open_stdin = false, stdin_once = false;
  std::string stop_signal;
  std::optional<int> stop_timeout;
  std::string hostname, domainname;
  std::map<std::string, std::string> labels, annotations;
  bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpecProcess, entrypoint, command, env, working_dir, user, group_add,
                                                tty, open_stdin, stdin_once, stop_signal, stop_timeout, hostname,
                                                domainname, labels, annotations, attach_stdin, attach_stdout,
                                                attach_stderr)

struct SpecHost {
  std::vector<MountSpec> mounts;
  bool read_only_rootfs = false;
  std::int64_t shm_size = 0;
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop, security_opt;
  bool no_new_privileges = false;
  std::vector<DeviceSpec> devices;
  std::map<std::string, std::string> sysctls;
  std::string userns;
  std::optional<int> oom_score_adj;
  Resources resources;
  std::vector<Ulimit> ulimits;
  std::string network_mode;
  std::vector<std::string> dns_servers, dns_search, dns_options, extra_hosts;
  std::map<std::string, std::vector<PortBinding>> port_bindings;
  std::vector<std::string> exposed_ports;
  bool publish_all = false, init = false;
  std::string init_path;
  RestartPolicy restart;
  bool auto_remove = false;
  std::string log_driver;
  std::map<std::string, std::string> log_options;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpecHost, mounts, read_only_rootfs, shm_size, privileged, cap_add,
                                                cap_drop, security_opt, no_new_privileges, devices, sysctls, userns,
                                                oom_score_adj, resources, ulimits, network_mode, dns_servers,
                                                dns_search, dns_options, extra_hosts, port_bindings, exposed_ports,
                                                publish_all, init, init_path, restart, auto_remove, log_driver,
                                                log_options)

}  // namespace
}  // namespace berth::core

namespace berth::core::containers {

std::string spec_to_json(const ContainerSpec& s) {
  SpecProcess p{s.entrypoint, s.command,    s.env,         s.working_dir,  s.user,          s.group_add,
                s.tty,        s.open_stdin, s.stdin_once,  s.stop_signal,  s.stop_timeout,  s.hostname,
                s.domainname, s.labels,     s.annotations, s.attach_stdin, s.attach_stdout, s.attach_stderr};
  SpecHost h{s.mounts,       s.read_only_rootfs,  s.shm_size,      s.privileged,  s.cap_add,    s.cap_drop,
             s.security_opt, s.no_new_privileges, s.devices,       s.sysctls,     s.userns,     s.oom_score_adj,
             s.resources,    s.ulimits,           s.network_mode,  s.dns_servers, s.dns_search, s.dns_options,
             s.extra_hosts,  s.port_bindings,     s.exposed_ports, s.publish_all, s.init,       s.init_path,
             s.restart,      s.auto_remove,       s.log_driver,    s.log_options};
  nlohmann::json j = {{"name", s.name},     {"image", s.image}, {"image_id", s.image_id},
                      {"rootfs", s.rootfs}, {"process", p},     {"host", h}};
  // Own keys, absent from rows written before user namespaces existed (they load as "no mappings").
  if (!s.uid_map.empty() || !s.gid_map.empty() || s.userns_auto_size != 0)
    j["userns"] = {{"uid_map", s.uid_map}, {"gid_map", s.gid_map}, {"auto_size", s.userns_auto_size}};
  if (s.console_height || s.console_width) j["console_size"] = {s.console_height, s.console_width};
  return j.dump();
}

ContainerSpec spec_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) fail(Errc::internal, "stored container config is not a JSON object");
  try {
    ContainerSpec s;
    s.name = j.value("name", "");
    s.image = j.value("image", "");
    s.image_id = j.value("image_id", "");
    s.rootfs = j.value("rootfs", "");
    auto p = j.value("process", nlohmann::json::object()).get<SpecProcess>();
    auto h = j.value("host", nlohmann::json::object()).get<SpecHost>();
    s.entrypoint = p.entrypoint;
    s.command = p.command;
    s.env = p.env;
    s.working_dir = p.working_dir;
    s.user = p.user;
    s.group_add = p.group_add;
    s.tty = p.tty;
    s.open_stdin = p.open_stdin;
    s.stdin_once = p.stdin_once;
    s.stop_signal = p.stop_signal;
    s.stop_timeout = p.stop_timeout;
    s.hostname = p.hostname;
    s.domainname = p.domainname;
    s.labels = p.labels;
    s.annotations = p.annotations;
    s.attach_stdin = p.attach_stdin;
    s.attach_stdout = p.attach_stdout;
    s.attach_stderr = p.attach_stderr;
    s.mounts = h.mounts;
    s.read_only_rootfs = h.read_only_rootfs;
    s.shm_size = h.shm_size;
    s.privileged = h.privileged;
    s.cap_add = h.cap_add;
    s.cap_drop = h.cap_drop;
    s.security_opt = h.security_opt;
    s.no_new_privileges = h.no_new_privileges;
    s.devices = h.devices;
    s.sysctls = h.sysctls;
    s.userns = h.userns;
    if (auto u = j.find("userns"); u != j.end() && u->is_object()) {
      s.uid_map = u->value("uid_map", std::vector<IdMap>{});
      s.gid_map = u->value("gid_map", std::vector<IdMap>{});
      s.userns_auto_size = u->value("auto_size", std::uint32_t{0});
    }
    if (auto cs = j.find("console_size"); cs != j.end() && cs->is_array() && cs->size() == 2) {
      s.console_height = (*cs)[0].get<unsigned>();
      s.console_width = (*cs)[1].get<unsigned>();
    }
    s.oom_score_adj = h.oom_score_adj;
    s.resources = h.resources;
    s.ulimits = h.ulimits;
    s.network_mode = h.network_mode;
    s.dns_servers = h.dns_servers;
    s.dns_search = h.dns_search;
    s.dns_options = h.dns_options;
    s.extra_hosts = h.extra_hosts;
    s.port_bindings = h.port_bindings;
    s.exposed_ports = h.exposed_ports;
    s.publish_all = h.publish_all;
    s.init = h.init;
    s.init_path = h.init_path;
    s.restart = h.restart;
    s.auto_remove = h.auto_remove;
    s.log_driver = h.log_driver;
    s.log_options = h.log_options;
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(Errc::internal, std::string("stored container config: ") + e.what());
  }
}

std::string state_extra_to_json(const ContainerState& st) {
  return nlohmann::json{{"error", st.error}, {"stopped_by_user", st.stopped_by_user}}.dump();
}

void state_extra_from_json(std::string_view text, ContainerState& st) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  st.error = j.value("error", "");
  st.stopped_by_user = j.value("stopped_by_user", false);
}

namespace {
constexpr std::pair<ContainerStatus, const char*> kNames[] = {
    {ContainerStatus::configured, "configured"},   {ContainerStatus::created, "created"},
    {ContainerStatus::initialized, "initialized"}, {ContainerStatus::running, "running"},
    {ContainerStatus::paused, "paused"},           {ContainerStatus::stopped, "stopped"},
    {ContainerStatus::exited, "exited"},           {ContainerStatus::removing, "removing"},
};
}  // namespace

const char* status_name(ContainerStatus status) {
  for (const auto& [s, n] : kNames)
    if (s == status) return n;
  return "unknown";
}

ContainerStatus status_from_name(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (name == n) return s;
  return ContainerStatus::configured;
}

}  // namespace berth::core::containers
