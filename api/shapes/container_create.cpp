// SpecGenerator → core::ContainerSpec. Go's encoding/json is the reference for decoding (keys without case, null is
// the zero value); a wrong JSON type is a 400 naming the field by its JSON pointer. Keys podman --remote always
// sends but that change nothing here (systemd, idmappings, umask, sdnotifyMode, ...) are read by nobody.
#include "api/shapes/container_create.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstring>
#include <optional>

#include "core/error.hpp"
#include "server/http/json_fields.hpp"

namespace berth::api::shapes {
namespace {

using json = nlohmann::json;
using core::Errc;

// podman: "json: cannot unmarshal string into Go struct field SpecGenerator.name of type string", behind decode()'s
// prefix. The pointer says where in the client's body the bad value sits.
constexpr http::JsonErrorStyle kDecodeErrors{.prefix = "decode(): ", .field = "field "};

// One object of the body; the root is Obj(&body, "", kDecodeErrors) and every object under it keeps that style.
using Obj = http::JsonFields;

[[noreturn]] void unsupported(const std::string& what) {
  core::fail(Errc::invalid_argument, what + " are not supported yet");
}

bool is_propagation(std::string_view o) {
  return o == "private" || o == "rprivate" || o == "shared" || o == "rshared" || o == "slave" || o == "rslave";
}

// podman's spec.Mount: {destination, type, source, options}; "ro"/"rw" and a propagation become fields.
core::MountSpec mount_from(const Obj& m) {
  core::MountSpec out;
  out.type = m.str("type").empty() ? "bind" : m.str("type");
  if (out.type != "bind" && out.type != "tmpfs") unsupported("mounts of type '" + out.type + "'");
  out.source = out.type == "tmpfs" ? "" : m.str("source");  // podman sends "tmpfs" as a tmpfs's source
  out.destination = m.str("destination");
  if (out.destination.empty()) core::fail(Errc::invalid_argument, m.at("destination") + ": must not be empty");
  for (auto& opt : m.strings("options")) {
    if (opt == "ro" || opt == "readonly")
      out.read_only = true;
    else if (is_propagation(opt))
      out.propagation = opt;
    else if (opt != "rw" && !(out.type == "bind" && (opt == "bind" || opt == "rbind")))
      out.options.push_back(opt);
  }
  return out;
}

void parse_storage(const Obj& g, core::ContainerSpec& spec) {
  for (const auto& m : g.objects("mounts")) spec.mounts.push_back(mount_from(m));
  if (g.non_empty("volumes")) unsupported("named volumes");
  if (g.non_empty("overlay_volumes")) unsupported("overlay volumes");
  if (g.non_empty("image_volumes")) unsupported("image volumes");
  if (g.non_empty("volumes_from")) unsupported("volumes-from");
  spec.read_only_rootfs = g.flag("read_only_filesystem");
  spec.shm_size = g.integer("shm_size");
  spec.rootfs = g.str("rootfs");
}

// "src[:dst[:perms]]", as podman --device passes it in the device's "path".
core::DeviceSpec device_from(const std::string& text) {
  core::DeviceSpec d;
  auto first = text.find(':');
  d.path_on_host = text.substr(0, first);
  d.path_in_container = d.path_on_host;
  if (first == std::string::npos) return d;
  auto rest = text.substr(first + 1);
  auto second = rest.find(':');
  auto dst = rest.substr(0, second);
  if (!dst.empty() && dst.front() == '/') {
    d.path_in_container = dst;
    if (second != std::string::npos) d.permissions = rest.substr(second + 1);
  } else {
    d.permissions = rest;  // "src:rwm"
  }
  return d;
}

// SIGINT is 2 in the body (podman sends syscall.Signal); the spec keeps a name so both trees show it alike.
std::string signal_name(std::int64_t n) {
  const char* abbrev = n > 0 && n < 65 ? sigabbrev_np(static_cast<int>(n)) : nullptr;
  return abbrev ? std::string("SIG") + abbrev : std::to_string(n);
}

void parse_security(const Obj& g, core::ContainerSpec& spec) {
  spec.privileged = g.flag("privileged");
  spec.cap_add = g.strings("cap_add");
  spec.cap_drop = g.strings("cap_drop");
  spec.no_new_privileges = g.flag("no_new_privileges");
  if (auto profile = g.str("seccomp_profile_path"); !profile.empty()) spec.security_opt.push_back("seccomp=" + profile);
  for (const auto& d : g.objects("devices")) spec.devices.push_back(device_from(d.str("path")));
  spec.sysctls = g.string_map("sysctl");
  spec.oom_score_adj = g.opt_int32("oom_score_adj");
  for (const auto& label : g.strings("selinux_opts")) spec.security_opt.push_back("label=" + label);
}

void parse_resources(const Obj& g, core::Resources& r) {
  Obj limits = g.object("resource_limits");
  Obj memory = limits.object("memory");
  r.memory = memory.integer("limit");
  r.memory_reservation = memory.integer("reservation");
  r.memory_swap = memory.integer("swap");
  Obj cpu = limits.object("cpu");
  r.cpu_shares = cpu.integer("shares");
  r.cpu_quota = cpu.integer("quota");
  r.cpu_period = cpu.integer("period");
  r.cpuset_cpus = cpu.str("cpus");
  r.cpuset_mems = cpu.str("mems");
  r.pids_limit = limits.object("pids").integer("limit");
  auto weight = limits.object("blockIO").integer("weight");
  if (weight < 0 || weight > 1000) core::fail(Errc::invalid_argument, limits.at("blockIO") + "/weight: out of range");
  r.blkio_weight = static_cast<std::uint16_t>(weight);
}

void parse_rlimits(const Obj& g, core::ContainerSpec& spec) {
  for (const auto& l : g.objects("r_limits")) {
    std::string name = l.str("type");
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name.rfind("rlimit_", 0) == 0) name.erase(0, 7);
    spec.ulimits.push_back({.name = name, .soft = l.integer("soft"), .hard = l.integer("hard")});
  }
}

// A namespace other than the private default that Berth does not have yet is refused, not silently ignored.
void refuse_namespace(const Obj& g, std::string_view key) {
  auto mode = g.object(key).str("nsmode");
  if (!mode.empty() && mode != "private" && mode != "default") unsupported(std::string(key) + " mode '" + mode + "'");
}

// idmappings.UIDMap/GIDMap: [{container_id, host_id, size}] as containers/storage's idtools.IDMap encodes them.
std::vector<core::IdMap> id_maps(const Obj& ids, std::string_view key) {
  std::vector<core::IdMap> out;
  for (const auto& m : ids.objects(key)) {
    auto field = [&](std::string_view k) {
      auto v = m.integer(k);
      if (v < 0 || v > 0xffffffffLL) core::fail(Errc::invalid_argument, m.at(k) + ": must be 0 to 4294967295");
      return static_cast<std::uint32_t>(v);
    };
    out.push_back({.container_id = field("container_id"), .host_id = field("host_id"), .size = field("size")});
  }
  return out;
}

// --uidmap/--gidmap arrive as maps with nsmode "private"; --userns=auto[:size=N] as nsmode "auto" + AutoUserNs.
// "private" without maps is what podman means by the default: the host's IDs. Other modes are checked in core.
void parse_userns(const Obj& g, core::ContainerSpec& spec) {
  auto mode = g.object("userns").str("nsmode");
  auto ids = g.object("idmappings");
  spec.uid_map = id_maps(ids, "UIDMap");
  spec.gid_map = id_maps(ids, "GIDMap");
  if (mode == "auto" || ids.flag("AutoUserNs")) {
    spec.userns = "auto";
    auto size = ids.object("AutoUserNsOpts").integer("Size");
    if (size < 0 || size > 0xffffffffLL) core::fail(Errc::invalid_argument, "--userns=auto: invalid size");
    spec.userns_auto_size = static_cast<std::uint32_t>(size);
  } else if (mode.empty() || mode == "private" || mode == "default") {
    spec.userns = spec.uid_map.empty() && spec.gid_map.empty() ? "" : "private";
  } else {
    spec.userns = mode;
  }
}

void parse_namespaces(const Obj& g, core::ContainerSpec& spec) {
  for (auto key : {"pidns", "ipcns", "utsns", "cgroupns"}) refuse_namespace(g, key);
  parse_userns(g, spec);
  auto net = g.object("netns").str("nsmode");
  // bridge networks do not exist yet: a bridge (or rootless slirp) request gets the private loopback-only netns.
  if (net == "none" || net == "host")
    spec.network_mode = net;
  else if (net == "bridge" || net == "private" || net == "slirp4netns" || net == "default")
    spec.network_mode = "private";
  else if (!net.empty())
    unsupported("network mode '" + net + "'");
}

// "tcp,udp" → {"tcp", "udp"}; "" → tcp.
std::vector<std::string> protocols(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto p = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!p.empty()) out.push_back(p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) out.push_back("tcp");
  return out;
}

void parse_ports(const Obj& g, core::ContainerSpec& spec) {
  for (const auto& pm : g.objects("portmappings")) {
    auto container_port = pm.integer("container_port");
    auto host_port = pm.integer("host_port");
    auto range = std::max<std::int64_t>(1, pm.integer("range"));
    if (container_port <= 0 || container_port + range - 1 > 65535)
      core::fail(Errc::invalid_argument, pm.at("container_port") + ": out of range");
    for (const auto& proto : protocols(pm.str("protocol")))
      for (std::int64_t i = 0; i < range; ++i) {
        auto key = std::to_string(container_port + i) + "/" + proto;
        spec.port_bindings[key].push_back(
            {.host_ip = pm.str("host_ip"), .host_port = host_port ? std::to_string(host_port + i) : ""});
      }
  }
  for (const auto& [port, proto] : g.string_map("expose"))
    for (const auto& p : protocols(proto)) spec.exposed_ports.push_back(port + "/" + p);
  spec.publish_all = g.flag("publish_image_ports");
}

void parse_network(const Obj& g, core::ContainerSpec& spec) {
  parse_namespaces(g, spec);
  spec.dns_servers = g.strings("dns_server");
  spec.dns_search = g.strings("dns_search");
  spec.dns_options = g.strings("dns_option");
  spec.extra_hosts = g.strings("hostadd");
  parse_ports(g, spec);
}

void parse_lifecycle(const Obj& g, core::ContainerSpec& spec) {
  spec.init = g.flag("init");
  spec.init_path = g.str("init_path");
  if (auto policy = g.str("restart_policy"); !policy.empty()) spec.restart.name = policy;
  spec.restart.max_retries = g.opt_int32("restart_tries").value_or(0);
  spec.auto_remove = g.flag("remove");
  Obj log = g.object("log_configuration");
  spec.log_driver = log.str("driver");
  spec.log_options = log.string_map("options");
  if (auto path = log.str("path"); !path.empty()) spec.log_options["path"] = path;
  if (auto size = log.integer("size"); size > 0) spec.log_options["max-size"] = std::to_string(size);
  if (!g.str("pod").empty()) unsupported("pods");
  if (g.non_empty("secrets")) unsupported("secrets");
}

void parse_process(const Obj& g, core::ContainerSpec& spec) {
  spec.name = g.str("name");
  spec.image = g.str("image");
  spec.command = g.opt_strings("command");
  spec.entrypoint = g.opt_strings("entrypoint");
  for (const auto& [k, v] : g.string_map("env")) spec.env.push_back(k + "=" + v);
  spec.working_dir = g.str("work_dir");
  spec.user = g.str("user");
  spec.group_add = g.strings("groups");
  spec.tty = g.flag("terminal");
  spec.open_stdin = g.flag("stdin");
  // podman has no StdinOnce: an attach client's end of input always ends a non-TTY container's stdin.
  spec.stdin_once = spec.open_stdin;
  spec.labels = g.string_map("labels");
  spec.annotations = g.string_map("annotations");
  if (auto sig = g.opt_int("stop_signal"); sig && *sig != 0) spec.stop_signal = signal_name(*sig);
  spec.stop_timeout = g.opt_int32("stop_timeout");
  spec.hostname = g.str("hostname");
}

}  // namespace

core::ContainerSpec spec_from_specgen(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) core::fail(Errc::invalid_argument, "decode(): the body is not valid JSON");
  return spec_from_specgen_doc(doc);
}

core::ContainerSpec spec_from_specgen_doc(const json& body) {
  Obj g(&body, "", kDecodeErrors);
  core::ContainerSpec spec;
  parse_process(g, spec);
  parse_storage(g, spec);
  parse_security(g, spec);
  parse_resources(g, spec.resources);
  parse_rlimits(g, spec);
  parse_network(g, spec);
  parse_lifecycle(g, spec);
  if (spec.image.empty() && spec.rootfs.empty())
    core::fail(Errc::invalid_argument, "must provide either an image or a rootfs");
  return spec;
}

json specgen_create_reply_json(const std::string& id, const std::vector<std::string>& warnings) {
  return {{"Id", id}, {"Warnings", warnings}};
}

}  // namespace berth::api::shapes
